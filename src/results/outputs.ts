// Where one experiment's results go in the output folder, and which names
// would make two experiments' outputs land on the same path.
import { join } from 'node:path';

export interface ExperimentOutputs {
  /** <out>/<name>.csv: one row per run. */
  csv: string;
  /** <out>/<name>.summary.csv */
  summary: string;
  /** <out>/<name>/: a folder per run id (src/sweep/runs.ts names them). */
  runs: string;
  /** <out>/<name>.previous/: earlier invocations' csv, summary and run folders, in numbered generations 1/, 2/, ... */
  generations: string;
  /** <out>/<name>.lock: held by the one runner writing these results. */
  lock: string;
  /** <out>/<name>.warmup/: checkpoint.warmup's checkpoints, kept across generations to be reused. */
  warmup: string;
}

/** The ending of an experiment's warm-up folder (under --warmup-dir, or the output folder). */
export const WARMUP_ENDING = '.warmup';

export function outputsOf(outDir: string, name: string): ExperimentOutputs {
  const base = join(outDir, name);
  return { csv: `${base}.csv`, summary: `${base}.summary.csv`, runs: base, generations: `${base}.previous`, lock: `${base}.lock`, warmup: `${base}${WARMUP_ENDING}` };
}

/**
 * Name endings that turn an output of one experiment into an output of
 * another: the run folder of "a.csv" is the results file of "a", the results
 * of "a.summary" are the summary of "a", the run folder of "a.previous" is
 * where "a" keeps its earlier results, that of "a.lock" is a's lock, and
 * that of "a.warmup" holds a's warm-up checkpoints.
 * No other pair of paths from outputsOf can meet.
 */
const RESERVED_ENDINGS = { '.csv': 'csv', '.summary': 'summary', '.previous': 'generations', '.lock': 'lock', [WARMUP_ENDING]: 'warmup' } as const;

export const RESERVED_NAME_ENDINGS = Object.keys(RESERVED_ENDINGS);

/** The other experiment's output that `name`'s outputs would collide with, if its ending is reserved. */
export function collidingOutput(outDir: string, name: string): string | undefined {
  for (const [ending, kind] of Object.entries(RESERVED_ENDINGS)) {
    if (name.endsWith(ending)) return outputsOf(outDir, name.slice(0, -ending.length))[kind];
  }
  return undefined;
}
