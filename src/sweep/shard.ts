// Deterministic parts of a sweep for job arrays: run k (in expansion order)
// belongs to shard (k mod n) + 1, so shards are balanced and disjoint, and
// together they are exactly the unsharded sweep.
import { UsageError } from '../errors.js';
import type { CountedRuns } from './counted-runs.js';

export interface Shard {
  index: number; // 1-based
  count: number;
}

export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard must be I/N with 1 <= I <= N, e.g. 2/4; got "${text}"`);
  return { index, count };
}

export function shardOf<Run>(runs: CountedRuns<Run>, shard: Shard): CountedRuns<Run> {
  const first = shard.index - 1;
  return {
    // Runs first, first + n, first + 2n, ... below runs.count.
    count: Math.ceil(Math.max(0, runs.count - first) / shard.count),
    *[Symbol.iterator]() {
      let k = 0;
      for (const run of runs) if (k++ % shard.count === first) yield run;
    },
  };
}
