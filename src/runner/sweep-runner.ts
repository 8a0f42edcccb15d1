// Runs one experiment's runs: skips those already on disk (--resume), runs
// the rest in fresh worker processes, and makes each result durable (run
// folder, then CSV row) before the next one is reported.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DurableCsv } from '../results/durable-csv.js';
import { headerFor, rowFor, type ColumnSet } from '../results/columns.js';
import type { HostProvenance } from '../results/provenance.js';
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
  movedAside?: string;
}

async function writeRunFolder(spec: RunSpec, result: RunResult): Promise<void> {
  await mkdir(spec.runDir, { recursive: true });
  const file = join(spec.runDir, 'result.json');
  await writeFile(`${file}.tmp`, JSON.stringify({ spec, result }, null, 2));
  await rename(`${file}.tmp`, file);
}

/**
 * The runs whose ids are not in `done`. Without --resume nothing is done and
 * the runs pass as they are; otherwise counting the rest (for the progress
 * line) walks the runs once more, making their ids but holding none of them.
 */
function notDone<Run extends { runId: string }>(runs: CountedRuns<Run>, done: Set<string>): CountedRuns<Run> {
  if (done.size === 0) return runs;
  const pending = (run: Run) => !done.has(run.runId);
  let count = 0;
  for (const run of runs) if (pending(run)) count++;
  return {
    count,
    *[Symbol.iterator]() {
      for (const run of runs) if (pending(run)) yield run;
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
  const { csv, done, movedAside } = await DurableCsv.open(options.csvFile, header, options.resume);
  const pending = notDone(runs, done);
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
        await csv.append(rowFor(spec, result, header, options.provenance));
        progress.finished(spec.runId, result.status, result.exitCause);
      },
      options.signal,
    );
  } finally {
    await csv.close();
  }
  const counts = progress.tally();
  const ran = Object.values(counts).reduce((a, b) => a + b, 0);
  return { ran, skipped: runs.count - pending.count, counts, movedAside };
}
