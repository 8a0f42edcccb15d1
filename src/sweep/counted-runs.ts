// How a sweep's runs travel from the plan to the pool: made one at a time
// as they are asked for, never held all at once, yet counted up front for
// --dry-run and the progress line.

/** Runs that can be walked any number of times, each walk making them afresh; `count` is known without walking. */
export interface CountedRuns<Run> extends Iterable<Run> {
  readonly count: number;
}
