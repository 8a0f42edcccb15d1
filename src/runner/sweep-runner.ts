// Runs one experiment's runs: skips those already on disk (--resume), runs
// the rest in fresh worker processes, and makes each result durable (run
// folder, then CSV row) before the next one is reported.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DurableCsv } from '../results/durable-csv.js';
import { headerFor, rowFor, type ColumnSet } from '../results/columns.js';
import type { HostProvenance } from '../results/provenance.js';
import { storing } from '../results/storing.js';
import type { CountedRuns } from '../sweep/counted-runs.js';
import type { RunResult, RunSpec, RunStatus } from '../types.js';
import { runPool } from './pool.js';
import { Progress, type ProgressStream } from './progress.js';

export interface SweepOptions {
  csvFile: string;
  columns: ColumnSet;
  resume: boolean;
  jobs: number;
  /** Runs one RunSpec: a worker process (runInWorker), or a stand-in in benches. */
  execute(spec: RunSpec): Promise<RunResult>;
  provenance: HostProvenance;
  progress: ProgressStream;
  quiet: boolean;
  signal: AbortSignal;
}

export interface SweepOutcome {
  ran: number;
  skipped: number;
  counts: Record<RunStatus, number>;
  /** Run ids of rows already in the CSV that this sweep no longer has (a sweep value edited or removed since they ran). */
  stale: ReadonlySet<string>;
}

/** What a failed write of a row or run folder leaves, and what to do then. */
const KEPT_SO_FAR = 'the rows written before it are kept: continue with --resume once this is fixed';

async function writeRunFolder(spec: RunSpec, result: RunResult): Promise<void> {
  const file = join(spec.runDir, 'result.json');
  await storing(
    file,
    async () => {
      await mkdir(spec.runDir, { recursive: true });
      await writeFile(`${file}.tmp`, JSON.stringify({ spec, result }, null, 2));
      await rename(`${file}.tmp`, file);
    },
    KEPT_SO_FAR,
  );
}

/**
 * Splits the ids found in the CSV into those of this sweep's runs and the
 * stale rest, walking the runs once and moving each of their ids out of
 * `done`: the CSV's ids are held once, as before, not copied.
 */
function splitDone<Run extends { runId: string }>(runs: CountedRuns<Run>, done: Set<string>): { current: Set<string>; stale: Set<string> } {
  const current = new Set<string>();
  if (done.size > 0) for (const run of runs) if (done.delete(run.runId)) current.add(run.runId);
  return { current, stale: done };
}

/** The runs whose ids are not in `current`; the plan's ids are unique, so no walk is needed to count them. */
function notDone<Run extends { runId: string }>(runs: CountedRuns<Run>, current: Set<string>): CountedRuns<Run> {
  if (current.size === 0) return runs;
  return {
    count: runs.count - current.size,
    *[Symbol.iterator]() {
      for (const run of runs) if (!current.has(run.runId)) yield run;
    },
  };
}

/**
 * The pool takes each run from `runs` only when a lane is free, and `toSpec`
 * builds its RunSpec only then, so the parent's memory does not grow with
 * the size of the sweep.
 */
export async function runSweep<Run extends { runId: string }>(
  experiment: string,
  runs: CountedRuns<Run>,
  toSpec: (run: Run) => RunSpec,
  options: SweepOptions,
): Promise<SweepOutcome> {
  const header = headerFor(options.columns);
  const { csv, done } = await storing(options.csvFile, () => DurableCsv.open(options.csvFile, header, options.resume));
  const { current, stale } = splitDone(runs, done);
  const pending = notDone(runs, current);
  const progress = new Progress(options.progress, pending.count, experiment, options.quiet);
  try {
    await runPool(
      pending,
      options.jobs,
      async (run) => {
        const spec = toSpec(run);
        return { spec, result: await options.execute(spec) };
      },
      async (_, { spec, result }) => {
        await writeRunFolder(spec, result);
        await storing(csv.file, () => csv.append(rowFor(spec, result, header, options.provenance)), KEPT_SO_FAR);
        progress.finished(spec.runId, result.status, result.exitCause);
      },
      options.signal,
    );
  } finally {
    await csv.close();
  }
  const counts = progress.tally();
  const ran = Object.values(counts).reduce((a, b) => a + b, 0);
  return { ran, skipped: current.size, counts, stale };
}
