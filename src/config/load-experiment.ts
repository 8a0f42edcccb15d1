// load -> validate -> expand -> normalize, for one experiment file. The
// result is a plan: every point's normalized configuration, its parameter
// values for the CSV, and a way to point at the file for later errors.
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { sweepPoints, SweepError, type Point } from '../sweep/points.js';
import { normalizePoint, type NormalizedPoint } from './experiment.js';
import { locate, parseSource, type SourceFile, type YamlPath } from './source.js';
import { validateData } from './validate.js';

export interface PlannedPoint {
  index: number;
  /** Dotted path -> value as the CSV shows it. */
  params: Record<string, string>;
  normalized: NormalizedPoint;
  /** "file:line:col" for a path of this point's configuration (a swept path points at its sweep entry). */
  locate(path: YamlPath): string;
}

export interface ExperimentPlan {
  file: string;
  name: string;
  repeat: number;
  paramColumns: string[];
  points: PlannedPoint[];
}

type Raw = Record<string, any>;

const NOT_PARAMETERS = new Set(['name', 'description', 'repeat', 'sweep']);

/** Leaf paths of the document in file order; lists count as one leaf. */
function leafPaths(value: unknown, prefix: string[] = []): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return prefix.length ? [prefix.join('.')] : [];
  return Object.entries(value).flatMap(([k, v]) => (prefix.length === 0 && NOT_PARAMETERS.has(k) ? [] : leafPaths(v, [...prefix, k])));
}

function getPath(doc: Raw, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node && typeof node === 'object' ? (node as Raw)[key] : undefined), doc);
}

function setPath(doc: Raw, path: string, value: unknown): string | undefined {
  const keys = path.split('.');
  let node: Raw = doc;
  for (const key of keys.slice(0, -1)) {
    if (node[key] === undefined) node[key] = {};
    if (typeof node[key] !== 'object' || node[key] === null || Array.isArray(node[key])) return `${key} in ${path} is not a map`;
    node = node[key];
  }
  node[keys[keys.length - 1]] = value;
  return undefined;
}

function cellText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function planPoint(source: SourceFile, base: Raw, point: Point, index: number, columns: string[]): PlannedPoint | string[] {
  const doc: Raw = structuredClone(base);
  for (const v of point) {
    const problem = setPath(doc, v.path, v.value);
    if (problem) return [`${locate(source, v.origin)}: sweep ${problem}`];
  }
  const where = (path: YamlPath, key = false): string => {
    const dottedPath = path.join('.');
    const swept = point.find((v) => dottedPath === v.path || dottedPath.startsWith(`${v.path}.`));
    return swept ? locate(source, swept.origin) : locate(source, path, key);
  };
  const problems = validateData(source, doc, where);
  if (problems.length > 0) return problems.map((p) => (point.length ? `${p} (in sweep point ${index})` : p));
  return { index, params: paramsOf(doc, columns), normalized: normalizePoint(doc), locate: (path) => where(path) };
}

// Outside planPoint, so that no closure kept for later (locate) holds the point's document.
function paramsOf(doc: Raw, columns: string[]): Record<string, string> {
  return Object.fromEntries(columns.map((c) => [c, getPath(doc, c) === undefined ? '' : cellText(getPath(doc, c))]));
}

export function planExperiment(file: string, text: string): ExperimentPlan {
  const source = parseSource(file, text);
  const problems = validateData(source, source.data);
  if (problems.length > 0) throw new InputError(problems);
  const data = source.data as Raw;
  const base: Raw = Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'sweep'));
  let points: Point[];
  try {
    points = sweepPoints(data.sweep);
  } catch (error) {
    if (error instanceof SweepError) throw new InputError([`${locate(source, error.origin)}: ${error.message}`]);
    throw error;
  }
  const swept = points[0].map((v) => v.path);
  const columns = [...new Set([...leafPaths(base), ...swept])];
  const planned = points.map((p, i) => planPoint(source, base, p, i, columns));
  const errors = planned.filter((p): p is string[] => Array.isArray(p)).flat();
  if (errors.length > 0) throw new InputError([...new Set(errors)].slice(0, 50));
  return {
    file,
    name: data.name,
    repeat: data.repeat ?? 1,
    paramColumns: columns,
    points: planned as PlannedPoint[],
  };
}

export async function loadExperiment(file: string): Promise<ExperimentPlan> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError([`${file}: cannot read experiment file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`], 'unreadable');
  }
  return planExperiment(file, text);
}
