// A sweep block into its points: the grid of independent axes, times each
// zip group (whose paths vary together), minus excluded combinations.
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

type Axis = SweptValue[][]; // each entry: the values one step of this axis sets

function axisValues(path: string, spec: unknown, origin: YamlPath): SweptValue[] {
  if (Array.isArray(spec)) return spec.map((value, i) => ({ path, value, origin: [...origin, i] }));
  try {
    return expandRange(spec as RangeSpec).map((value) => ({ path, value, origin }));
  } catch (error) {
    throw new SweepError(`sweep ${path}: ${(error as Error).message}`, origin);
  }
}

function zipAxis(group: Record<string, unknown>, origin: YamlPath): Axis {
  const columns = Object.entries(group).map(([path, spec]) => axisValues(path, spec, [...origin, path]));
  const length = columns[0]?.length ?? 0;
  if (columns.some((c) => c.length !== length))
    throw new SweepError(`zip group paths must have the same number of values (${columns.map((c) => c.length).join(' vs ')})`, origin);
  return Array.from({ length }, (_, i) => columns.map((c) => c[i]));
}

function matches(point: Point, exclusion: Record<string, unknown>): boolean {
  return Object.entries(exclusion).every(([path, value]) => point.some((v) => v.path === path && JSON.stringify(v.value) === JSON.stringify(value)));
}

export const MAX_POINTS = 1_000_000;

export function sweepPoints(sweep: Record<string, unknown> | undefined): Point[] {
  if (!sweep) return [[]];
  const axes: Axis[] = [];
  const seen = new Set<string>();
  const claim = (path: string, origin: YamlPath) => {
    if (seen.has(path)) throw new SweepError(`sweep path ${path} appears more than once`, origin);
    seen.add(path);
  };
  for (const [key, spec] of Object.entries(sweep)) {
    if (key === 'zip' || key === 'exclude') continue;
    claim(key, ['sweep', key]);
    axes.push(axisValues(key, spec, ['sweep', key]).map((v) => [v]));
  }
  ((sweep.zip as Record<string, unknown>[] | undefined) ?? []).forEach((group, i) => {
    for (const path of Object.keys(group)) claim(path, ['sweep', 'zip', i, path]);
    axes.push(zipAxis(group, ['sweep', 'zip', i]));
  });
  const total = axes.reduce((n, axis) => n * axis.length, 1);
  if (total > MAX_POINTS) throw new SweepError(`the sweep has ${total} points; at most ${MAX_POINTS} are allowed`, ['sweep']);
  let points: Point[] = [[]];
  for (const axis of axes) points = points.flatMap((p) => axis.map((step) => [...p, ...step]));
  const exclusions = (sweep.exclude as Record<string, unknown>[] | undefined) ?? [];
  exclusions.forEach((ex, i) => {
    for (const path of Object.keys(ex))
      if (!seen.has(path)) throw new SweepError(`exclude names ${path}, which is not swept`, ['sweep', 'exclude', i, path]);
  });
  points = points.filter((p) => !exclusions.some((ex) => matches(p, ex)));
  if (total === 0) throw new SweepError('every combination of the sweep is excluded', ['sweep', 'exclude']);
  return points;
}
