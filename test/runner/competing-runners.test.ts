// Acceptance: two runners started together on one output with --resume, both
// SIGKILLed at a random moment, several times over, then a last --resume:
// every run id is in the CSV exactly once. Each time one runner holds the
// lock (taking over the previous round's, whose runner was killed) and the
// other is refused naming it, unless the kill finds it still starting. The
// stand-in worker (RUN_EXPERIMENTS_WORKER) fakes the KVM run only: the
// processes, signals, locks and files are real.
import { expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, STAND_IN_WORKER, untilStderr, workspace } from '../support/cli.js';
import { processesIn, waitUntilGone } from '../support/processes.js';
import { seededRandom } from '../support/prng.js';
import { dryRun, readCsvLines } from '../support/sweep-output.js';

const SEED = 20250114;
const ROUNDS = 4;
/** Longest wait after the winner's first row; short enough that the 24 runs outlast every round. */
const MAX_KILL_DELAY_MS = 150;
const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };

// 6 points x 4 repeats = 24 runs of 50-150 ms each.
const EXPERIMENT = [
  'name: raced',
  'guest: { program: hello, args: { sleepMs: 50 } }',
  'repeat: 4',
  'sweep:',
  '  guest.args.sleepMs: [50, 70, 90, 110, 130, 150]',
].join('\n');

it(`two runners racing for one output, SIGKILLed ${ROUNDS} times (seed ${SEED}), then resumed: every run id exactly once`, async () => {
  const random = seededRandom(SEED);
  const dir = await workspace({ 'e.yaml': EXPERIMENT });
  const csvFile = join(dir, 'out/raced.csv');
  const lock = join(dir, 'out/raced.lock');
  const runner = () => cli(['run', 'e.yaml', '-o', 'out', '-j', '2', '--resume'], { cwd: dir, env });

  let killedPid: number | undefined;
  let refusals = 0;
  for (let round = 1; round <= ROUNDS; round++) {
    const pair = [runner(), runner()];
    // The one that gets the lock starts running. (An index, since a subprocess is itself a promise of its end, which .then would wait for.)
    const first = await Promise.any(pair.map((child, i) => untilStderr(child, / ok\n/).then(() => i)));
    const [winner, loser] = [pair[first], pair[1 - first]];
    await sleep(random() * MAX_KILL_DELAY_MS);
    for (const child of pair) child.kill('SIGKILL');
    const [won, lost] = [await winner, await loser];

    expect(won.signal, `round ${round}: the sweep ended before the kill`).toBe('SIGKILL');
    // The other was refused naming the winner or, on a loaded machine, killed before it reached the lock; either way it ran nothing.
    if (lost.exitCode === 3) {
      refusals++;
      expect(lost.stderr).toContain(`${lock}: another run-experiments is writing these results: runner pid ${winner.pid} on host ${hostname()}`);
    } else {
      expect(lost.signal, `round ${round}: the loser was neither refused nor killed: ${lost.all}`).toBe('SIGKILL');
    }
    expect(lost.stderr).not.toMatch(/ ok$/m);
    if (killedPid !== undefined) {
      // The previous round's killed runner left its lock; one of this pair took it over, and said so.
      expect(`${won.stderr}${lost.stderr}`).toContain(`note: ${lock}: taking over the lock of runner pid ${killedPid} `);
    }
    killedPid = winner.pid;

    // Workers outlive a SIGKILLed runner; only the runner writes rows, so the CSV must not change while they finish.
    const csvAtKill = await readFile(csvFile, 'utf8');
    await waitUntilGone(processesIn(dir));
    expect(await readFile(csvFile, 'utf8')).toBe(csvAtKill);
  }

  expect(refusals, 'no loser ever reached the lock, so the refusal was never checked').toBeGreaterThan(0);

  const finish = await cli(['run', 'e.yaml', '-o', 'out', '-j', '2', '--resume', '--quiet'], { cwd: dir, env });
  expect(finish.exitCode, String(finish.all)).toBe(0);
  expect(finish.stderr).toContain(`note: ${lock}: taking over the lock of runner pid ${killedPid} `);
  const csv = await readCsvLines(csvFile);
  expect(csv.endsWithNewline).toBe(true);
  expect(csv.cellCounts).toEqual(csv.rows.map(() => csv.header.length));
  const ids = csv.rows.map((r) => r.run_id);
  expect(ids.toSorted()).toEqual((await dryRun(dir, ['e.yaml'])).map((r) => r.runId).toSorted());
  expect(existsSync(lock)).toBe(false);
  expect(processesIn(dir)).toEqual([]);
});
