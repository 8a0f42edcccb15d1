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
}

export function outputsOf(outDir: string, name: string): ExperimentOutputs {
  const base = join(outDir, name);
  return { csv: `${base}.csv`, summary: `${base}.summary.csv`, runs: base, generations: `${base}.previous`, lock: `${base}.lock` };
}

/**
 * Name endings that turn an output of one experiment into an output of
 * another: the run folder of "a.csv" is the results file of "a", the results
 * of "a.summary" are the summary of "a", the run folder of "a.previous" is
 * where "a" keeps its earlier results, and that of "a.lock" is a's lock.
 * No other pair of paths from outputsOf can meet.
 */
const RESERVED_ENDINGS = { '.csv': 'csv', '.summary': 'summary', '.previous': 'generations', '.lock': 'lock' } as const;

export const RESERVED_NAME_ENDINGS = Object.keys(RESERVED_ENDINGS);

/** The other experiment's output that `name`'s outputs would collide with, if its ending is reserved. */
export function collidingOutput(outDir: string, name: string): string | undefined {
  for (const [ending, kind] of Object.entries(RESERVED_ENDINGS)) {
    if (name.endsWith(ending)) return outputsOf(outDir, name.slice(0, -ending.length))[kind];
  }
  return undefined;
}
