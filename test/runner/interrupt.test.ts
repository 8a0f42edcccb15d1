// SIGINT or SIGTERM mid-sweep stops cleanly: the status is 128 + the signal, the rows written so far
// stay, the workers in flight are ended, and --resume finishes the rest.
// The stand-in worker (RUN_EXPERIMENTS_WORKER) fakes the KVM run only: the
// processes, signals, pipes and files are real.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cli, STAND_IN_WORKER, untilStderr, workspace } from '../support/cli.js';
import { isRunning, signalIfRunning } from '../support/processes.js';
import { dryRun, readCsvLines, workerPids } from '../support/sweep-output.js';

const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };
const RUNS = 8;
// Runs long enough that both lanes are mid-run when the signal arrives.
const EXPERIMENT = ['name: interrupted', 'guest: { program: hello, args: { sleepMs: 400 } }', `repeat: ${RUNS}`].join('\n');

/** pid of each worker that has started (it wrote worker.pid) but whose run has no row yet. */
async function workersInFlight(dir: string): Promise<number[]> {
  const done = new Set((await readCsvLines(join(dir, 'out/interrupted.csv'))).rows.map((r) => r.run_id));
  return [...(await workerPids(join(dir, 'out/interrupted')))].filter(([runId]) => !done.has(runId)).map(([, pid]) => pid);
}

const interruptions = [
  { how: 'SIGINT to the runner alone', status: 130, send: async (runner: number) => void process.kill(runner, 'SIGINT') },
  // What Slurm's scancel and a CI job's timeout send.
  { how: 'SIGTERM to the runner alone', status: 143, send: async (runner: number) => void process.kill(runner, 'SIGTERM') },
  {
    // Ctrl-C signals the whole process group. Which death the runner sees first is a race (its own
    // signal can wait behind an fdatasync); this takes the losing order on purpose.
    how: 'SIGINT to the workers, then the runner (Ctrl-C, in the order that races)',
    status: 130,
    send: async (runner: number, workers: number[]) => {
      for (const pid of workers) signalIfRunning(pid, 'SIGINT');
      await sleep(100);
      process.kill(runner, 'SIGINT');
    },
  },
];

describe('a signal mid-sweep', () => {
  for (const { how, status, send } of interruptions) {
    it(`${how}: exits ${status} naming --resume, keeps the rows, leaves no worker; --resume completes`, async () => {
      const dir = await workspace({ 'e.yaml': EXPERIMENT });
      const sweep = cli(['run', 'e.yaml', '-o', 'out', '-j', '2'], { cwd: dir, env });
      await untilStderr(sweep, / ok\n/);
      // Both lanes mid-run, so the younger worker at least is far from done when the signal lands.
      let inFlight: number[];
      while ((inFlight = await workersInFlight(dir)).length < 2) await sleep(20);
      await send(sweep.pid!, inFlight);
      const interrupted = await sweep;

      expect(interrupted.exitCode).toBe(status);
      expect(interrupted.stderr).toContain('--resume');
      const csvFile = join(dir, 'out/interrupted.csv');
      const kept = await readCsvLines(csvFile);
      expect(kept.rows.length).toBeGreaterThan(0);
      expect(kept.rows.length).toBeLessThan(RUNS);
      // An interrupted run is not a crashed one: it gets no row, so --resume runs it again.
      expect(kept.rows.map((r) => r.status)).toEqual(kept.rows.map(() => 'ok'));
      expect(await workersInFlight(dir)).not.toEqual([]);
      expect([...(await workerPids(join(dir, 'out/interrupted'))).values()].filter(isRunning)).toEqual([]);

      const resumed = await cli(['run', 'e.yaml', '-o', 'out', '-j', '2', '--resume', '--quiet'], { cwd: dir, env });
      expect(resumed.exitCode).toBe(0);
      expect(resumed.stdout).toContain(`${kept.rows.length} already done`);
      const final = await readCsvLines(csvFile);
      expect(final.rows.slice(0, kept.rows.length)).toEqual(kept.rows);
      const ids = final.rows.map((r) => r.run_id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.toSorted()).toEqual((await dryRun(dir, ['e.yaml'])).map((r) => r.runId).toSorted());
    });
  }
});
