// Two runners on one output folder with --resume once gave 11 rows for 18
// runs, one of them twice. Now <out>/<name>.lock lets one runner write there:
// a second is refused naming the first, a dead runner's lock on this host is
// taken over, another host's never is, and the lock goes when the runner
// ends, also on SIGINT and SIGTERM.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { cli, STAND_IN_WORKER, untilStderr, workspace } from '../support/cli.js';
import { processesIn, waitUntilGone } from '../support/processes.js';
import { dryRun, readCsvLines } from '../support/sweep-output.js';

const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };
// 6 points x 3 repeats = 18 runs of 100 ms: long enough for a second runner to start meanwhile.
const EXPERIMENT = 'name: e\nguest: { program: hello, args: { sleepMs: 100 } }\nrepeat: 3\nsweep:\n  guest.args.count: [1, 2, 3, 4, 5, 6]\n';

/** stderr without the preflight's notes about this host: what is left must be the one error line. */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !line.startsWith('note: no guest instruction counter'));
}

/** Every planned run id exactly once in the CSV. */
async function expectEveryRunOnce(dir: string): Promise<void> {
  const ids = (await readCsvLines(join(dir, 'out/e.csv'))).rows.map((r) => r.run_id);
  expect(ids.toSorted()).toEqual((await dryRun(dir, ['e.yaml'])).map((r) => r.runId).toSorted());
}

/** A lock file as a runner writes it, for a holder that is not a real runner. */
async function plantLock(dir: string, holder: object): Promise<string> {
  await mkdir(join(dir, 'out'), { recursive: true });
  const lock = join(dir, 'out/e.lock');
  await writeFile(lock, `${JSON.stringify({ started: '2024-01-02T03:04:05.000Z', ...holder })}\n`);
  return lock;
}

/** The kernel's start time of a process (field 22 of /proc/<pid>/stat). */
function startTicks(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}

describe('one runner per output', () => {
  it('a second runner with --resume is refused in one line naming the first; the first writes every run once and removes the lock', async () => {
    const dir = await workspace({ 'e.yaml': EXPERIMENT });
    const lock = join(dir, 'out/e.lock');
    const first = cli(['run', 'e.yaml', '-o', 'out', '-j', '2', '--resume'], { cwd: dir, env });
    await untilStderr(first, / ok\n/);
    const second = await cli(['run', 'e.yaml', '-o', 'out', '-j', '2', '--resume'], { cwd: dir, env });
    expect(second.exitCode).toBe(3);
    expect(errorLines(String(second.stderr))).toEqual([
      expect.stringMatching(
        new RegExp(`^${lock}: another run-experiments is writing these results: runner pid ${first.pid} on host ${hostname()} \\(since [-0-9T:.Z]+\\); wait for it to end, or write to another --out$`),
      ),
    ]);
    expect((await first).exitCode).toBe(0);
    await expectEveryRunOnce(dir);
    expect(existsSync(lock)).toBe(false);
  });

  it("another host's lock is never taken over: refused, naming the holder and how to remove it, and left as it is", async () => {
    const dir = await workspace({ 'e.yaml': EXPERIMENT });
    const lock = await plantLock(dir, { pid: 4242, host: 'elsewhere.example' });
    const before = await readFile(lock, 'utf8');
    const run = await cli(['run', 'e.yaml', '-o', 'out', '--resume'], { cwd: dir, env });
    expect(run.exitCode).toBe(3);
    expect(errorLines(String(run.stderr))).toEqual([
      `${lock}: these results are locked by runner pid 4242 on host elsewhere.example (since 2024-01-02T03:04:05.000Z); a lock from another host is never taken over: if that runner is no longer running, remove ${lock}`,
    ]);
    expect(await readFile(lock, 'utf8')).toBe(before);
    expect(existsSync(join(dir, 'out/e.csv'))).toBe(false);
  });

  it('a live process named by a lock of this host keeps it', async () => {
    const dir = await workspace({ 'e.yaml': EXPERIMENT });
    const lock = await plantLock(dir, { pid: process.pid, host: hostname(), pidStart: startTicks(process.pid) });
    const run = await cli(['run', 'e.yaml', '-o', 'out'], { cwd: dir, env });
    expect(run.exitCode).toBe(3);
    expect(run.stderr).toContain(`${lock}: another run-experiments is writing these results: runner pid ${process.pid} on host ${hostname()}`);
  });

  const deadHolders = [
    [
      'whose pid no longer runs',
      async () => {
        const gone = execa(process.execPath, ['-e', '']);
        await gone;
        return { pid: gone.pid! };
      },
    ],
    ['whose pid now belongs to another process', async () => ({ pid: process.pid, pidStart: String(Number(startTicks(process.pid)) + 1) })],
  ] as const;
  for (const [what, holder] of deadHolders) {
    it(`a lock of this host ${what} is taken over with a note, and removed at the end`, async () => {
      const dir = await workspace({ 'e.yaml': EXPERIMENT });
      const dead = await holder();
      const lock = await plantLock(dir, { host: hostname(), ...dead });
      const run = await cli(['run', 'e.yaml', '-o', 'out', '--quiet'], { cwd: dir, env });
      expect(run.exitCode, String(run.all)).toBe(0);
      expect(run.stderr).toContain(
        `note: ${lock}: taking over the lock of runner pid ${dead.pid} (since 2024-01-02T03:04:05.000Z), which no longer runs on this host`,
      );
      await expectEveryRunOnce(dir);
      expect(existsSync(lock)).toBe(false);
    });
  }

  for (const [signal, status] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    it(`${signal} mid-sweep: exits ${status} and removes the lock`, async () => {
      const dir = await workspace({ 'e.yaml': EXPERIMENT });
      const run = cli(['run', 'e.yaml', '-o', 'out', '-j', '2'], { cwd: dir, env });
      await untilStderr(run, / ok\n/);
      expect(existsSync(join(dir, 'out/e.lock'))).toBe(true);
      run.kill(signal);
      expect((await run).exitCode).toBe(status);
      expect(existsSync(join(dir, 'out/e.lock'))).toBe(false);
      await waitUntilGone(processesIn(dir));
    });
  }
});
