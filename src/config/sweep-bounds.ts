// How big a sweep may be, checked from the sweep block and repeat alone,
// before any point is made. Loading walks every point of the grid once (to
// check it and to find duplicates) in one synchronous stretch that no signal
// interrupts, so these bounds are what keeps loading to a few seconds.
import { expandRange, type RangeSpec } from '../sweep/ranges.js';
import { locate, type SourceFile } from './source.js';

/** Points of a sweep's grid before `exclude`: loading walks them all, 20 to 60 us each (measured), so 100,000 take seconds. */
const MAX_SWEEP_POINTS = 100_000;

/** Paths a sweep sets in each point (each one a CSV column): every point costs time in proportion. */
const MAX_SWEPT_PATHS = 64;

/** Points x repeat: past this a sweep is weeks of runs, and a --resume holds every run id of its CSV in memory. */
const MAX_RUNS = 10_000_000;

type Raw = Record<string, any>;

function valueCount(spec: unknown): number {
  if (Array.isArray(spec)) return spec.length;
  try {
    return expandRange(spec as RangeSpec).length;
  } catch {
    return 1; // a bad range: parseSweep says what is wrong with it
  }
}

interface Axis {
  paths: number;
  length: number;
}

/** The axes of the grid: each plain entry is one, each zip group one more, whose paths step together (its first path sets its length). */
function axesOf(sweep: Raw): Axis[] {
  const entries = Object.entries(sweep).filter(([key]) => key !== 'zip' && key !== 'exclude');
  const groups: Raw[] = sweep.zip ?? [];
  return [
    ...entries.map(([, spec]) => ({ paths: 1, length: valueCount(spec) })),
    ...groups.map((group) => ({ paths: Object.keys(group).length, length: valueCount(Object.values(group)[0]) })),
  ];
}

/** The located problem with the size of the sweep of `data` (already valid against the schema), if it has one. */
export function sweepSizeProblem(source: SourceFile, data: Raw): string | undefined {
  if (data.sweep === undefined) return undefined;
  const axes = axesOf(data.sweep);
  const paths = axes.reduce((n, axis) => n + axis.paths, 0);
  if (paths > MAX_SWEPT_PATHS)
    return `${locate(source, ['sweep'], true)}: the sweep has ${paths} swept paths; at most ${MAX_SWEPT_PATHS} are allowed per experiment`;
  const points = axes.reduce((n, axis) => n * axis.length, 1);
  if (points > MAX_SWEEP_POINTS)
    return `${locate(source, ['sweep'], true)}: the sweep has ${points} points (before exclude); at most ${MAX_SWEEP_POINTS} are allowed per experiment`;
  const repeat: number = data.repeat ?? 1;
  if (points * repeat > MAX_RUNS)
    return `${locate(source, ['repeat'], true)}: ${points} points x repeat ${repeat} = ${points * repeat} runs; at most ${MAX_RUNS} are allowed per experiment`;
  return undefined;
}
