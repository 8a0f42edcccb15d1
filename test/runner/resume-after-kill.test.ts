// The runner SIGKILLed at random moments loses and repeats nothing: each
// --resume continues from the durable rows, and the finished CSV holds
// exactly the sweep's runs. The stand-in worker (RUN_EXPERIMENTS_WORKER)
// fakes the KVM run only: the processes, signals, pipes and files are real.
import { expect, it } from 'vitest';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, STAND_IN_WORKER, untilStderr, workspace } from '../support/cli.js';
import { processesIn, waitUntilGone } from '../support/processes.js';
import { seededRandom } from '../support/prng.js';
import { dryRun, readCsvLines } from '../support/sweep-output.js';

const SEED = 20241126;
const KILLS = 5;
/** Longest wait after a segment's first row; short enough that the 24 runs outlast five segments. */
const MAX_KILL_DELAY_MS = 150;
const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };

// 6 points x 4 repeats = 24 runs of 50-150 ms each.
const EXPERIMENT = [
  'name: killed',
  'guest: { program: hello, args: { sleepMs: 50 } }',
  'repeat: 4',
  'sweep:',
  '  guest.args.sleepMs: [50, 70, 90, 110, 130, 150]',
].join('\n');

it(`survives ${KILLS} SIGKILLs of the runner at random moments (seed ${SEED}): no run lost, repeated or torn`, async () => {
  const random = seededRandom(SEED);
  const dir = await workspace({ 'e.yaml': EXPERIMENT });
  const csvFile = join(dir, 'out/killed.csv');
  const expected = (await dryRun(dir, ['e.yaml'])).map((r) => r.runId);
  expect(expected).toHaveLength(24);

  let orphans = 0;
  for (let kill = 1; kill <= KILLS; kill++) {
    const sweep = cli(['run', 'e.yaml', '-o', 'out', '-j', '2', ...(kill > 1 ? ['--resume'] : [])], { cwd: dir, env });
    // Count from this segment's first row, so every kill lands mid-sweep rather than during start-up.
    await untilStderr(sweep, / ok\n/);
    await sleep(random() * MAX_KILL_DELAY_MS);
    sweep.kill('SIGKILL');
    expect((await sweep).signal, `kill ${kill} came after the sweep ended`).toBe('SIGKILL');

    // Workers outlive a SIGKILLed runner (they share its cwd). Only the runner writes rows, so
    // the CSV must not change while they finish.
    const csvAtKill = await readFile(csvFile, 'utf8');
    const orphaned = processesIn(dir);
    orphans += orphaned.length;
    await waitUntilGone(orphaned);
    expect(await readFile(csvFile, 'utf8')).toBe(csvAtKill);
  }
  expect(orphans, 'no kill left a worker running, so the orphan check checked nothing').toBeGreaterThan(0);

  const finish = await cli(['run', 'e.yaml', '-o', 'out', '-j', '2', '--resume', '--quiet'], { cwd: dir, env });
  expect(finish.exitCode).toBe(0);
  const csv = await readCsvLines(csvFile);
  expect(csv.endsWithNewline).toBe(true);
  expect(csv.cellCounts).toEqual(csv.rows.map(() => csv.header.length));
  const ids = csv.rows.map((r) => r.run_id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.toSorted()).toEqual(expected.toSorted());
  expect(csv.rows.filter((r) => r.status !== 'ok')).toEqual([]);
});

// The narrowest moment: the file is created but its header line is not complete.
it.each([
  ['empty', ''],
  ['with a torn header', 'experiment,run_id,po'],
])('--resume starts afresh from a results file left %s', async (_, leftover) => {
  const dir = await workspace({ 'e.yaml': 'name: killed\nguest: { program: hello }\nrepeat: 2\n' });
  await mkdir(join(dir, 'out'));
  await writeFile(join(dir, 'out/killed.csv'), leftover);
  const resumed = await cli(['run', 'e.yaml', '-o', 'out', '--resume', '--quiet'], { cwd: dir, env });
  expect(resumed.exitCode, String(resumed.all)).toBe(0);
  const csv = await readCsvLines(join(dir, 'out/killed.csv'));
  expect(csv.header).toContain('run_id');
  expect(csv.rows.map((r) => r.run_id).toSorted()).toEqual((await dryRun(dir, ['e.yaml'])).map((r) => r.runId).toSorted());
});
