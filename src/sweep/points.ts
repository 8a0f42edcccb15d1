// A sweep block into its points: the grid of independent axes, times each
// zip group (whose paths vary together), minus excluded combinations. The
// points are made one at a time as they are asked for, never all at once:
// what a sweep holds is its axes (a range's values), not its points.
import { expandRange, type RangeSpec } from './ranges.js';
import type { YamlPath } from '../config/source.js';

/** One swept value and where it came from in the file. */
export interface SweptValue {
  path: string;
  value: unknown;
  /** YAML path of the value (for error locations). */
  origin: YamlPath;
}

export type Point = SweptValue[];

export class SweepError extends Error {
  constructor(
    message: string,
    readonly origin: YamlPath,
  ) {
    super(message);
  }
}

/** The values of one swept path; each SweptValue is made when asked for. */
interface Column {
  length: number;
  at(step: number): SweptValue;
}

/** Columns that step together: one for a plain sweep entry, several for a zip group. */
type Axis = Column[];

function column(path: string, spec: unknown, origin: YamlPath): Column {
  if (Array.isArray(spec)) return { length: spec.length, at: (i) => ({ path, value: spec[i], origin: [...origin, i] }) };
  let values: (number | string)[];
  try {
    values = expandRange(spec as RangeSpec);
  } catch (error) {
    throw new SweepError(`sweep ${path}: ${(error as Error).message}`, origin);
  }
  return { length: values.length, at: (i) => ({ path, value: values[i], origin }) };
}

function zipAxis(group: Record<string, unknown>, origin: YamlPath): Axis {
  const columns = Object.entries(group).map(([path, spec]) => column(path, spec, [...origin, path]));
  if (columns.some((c) => c.length !== columns[0].length))
    throw new SweepError(`zip group paths must have the same number of values (${columns.map((c) => c.length).join(' vs ')})`, origin);
  return columns;
}

const axisLength = (axis: Axis): number => axis[0]?.length ?? 0;

/** Combination k of the grid, read as a mixed-radix number whose last axis is the fastest digit (the order of nested loops). */
function combination(axes: Axis[], k: number): Point {
  const steps: number[] = [];
  for (let a = axes.length - 1; a >= 0; a--) {
    steps[a] = k % axisLength(axes[a]);
    k = Math.floor(k / axisLength(axes[a]));
  }
  return axes.flatMap((axis, a) => axis.map((c) => c.at(steps[a])));
}

function matches(point: Point, exclusion: Record<string, unknown>): boolean {
  return Object.entries(exclusion).every(([path, value]) => point.some((v) => v.path === path && JSON.stringify(v.value) === JSON.stringify(value)));
}

export interface Sweep {
  /** The swept paths, in the order every point lists its values. */
  paths: string[];
  /** The points left after exclusions, in expansion order; each call starts again from the first. */
  points(): Generator<Point>;
}

/** Checks a sweep block (paths, ranges, zip lengths, exclusions) without making any of its points. */
export function parseSweep(sweep: Record<string, unknown> | undefined): Sweep {
  const axes: Axis[] = [];
  const paths: string[] = [];
  const claim = (path: string, origin: YamlPath) => {
    if (paths.includes(path)) throw new SweepError(`sweep path ${path} appears more than once`, origin);
    paths.push(path);
  };
  for (const [key, spec] of Object.entries(sweep ?? {})) {
    if (key === 'zip' || key === 'exclude') continue;
    claim(key, ['sweep', key]);
    axes.push([column(key, spec, ['sweep', key])]);
  }
  ((sweep?.zip as Record<string, unknown>[] | undefined) ?? []).forEach((group, i) => {
    for (const path of Object.keys(group)) claim(path, ['sweep', 'zip', i, path]);
    axes.push(zipAxis(group, ['sweep', 'zip', i]));
  });
  // Bounded before this is reached (src/config/sweep-bounds.ts).
  const total = axes.reduce((n, axis) => n * axisLength(axis), 1);
  const exclusions = (sweep?.exclude as Record<string, unknown>[] | undefined) ?? [];
  exclusions.forEach((ex, i) => {
    for (const path of Object.keys(ex))
      if (!paths.includes(path)) throw new SweepError(`exclude names ${path}, which is not swept`, ['sweep', 'exclude', i, path]);
  });
  return {
    paths,
    *points() {
      for (let k = 0; k < total; k++) {
        const point = combination(axes, k);
        if (!exclusions.some((ex) => matches(point, ex))) yield point;
      }
    },
  };
}
