// load -> validate -> expand -> normalize, for one experiment file. The
// result is a plan: a way to walk every point (its normalized configuration,
// its parameter values for the CSV, and a way to point at the file for later
// errors), each point made afresh as the walk reaches it, so that no pass
// over a sweep holds all of its points.
import { InputError } from '../errors.js';
import { parseSweep, SweepError, type Point, type Sweep, type SweptValue } from '../sweep/points.js';
import { runId } from '../sweep/run-id.js';
import { argsString, normalizePoint, schemaDefault, type NormalizedPoint } from './experiment.js';
import { readExperimentFile } from './experiment-file.js';
import { combinationProblems } from './combination-checks.js';
import { locate, parseSource, type SourceFile, type YamlPath } from './source.js';
import { sweepSizeProblem } from './sweep-bounds.js';
import { EFFECTIVE_COLUMNS } from './effective-params.js';
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
  /** Which machine runs it, which picks its columns: our runtime's, QEMU's PC (a multiboot kernel), or SE mode (a Linux program). */
  platform: 'runtime' | 'pc' | 'se';
  /** The most vCPUs any point has (machine.cpus): with more than one, each has its cpu<N>.<stat> columns. */
  cpus: number;
  /** checkpoint.warmup: every run starts from one checkpoint, taken once by a warm-up run. */
  warmup: boolean;
  /** How many points the sweep has after exclusions (counted when the file was checked). */
  pointCount: number;
  /** The points in expansion order, each planned when the walk reaches it; every call walks again from the first. */
  points(): Generator<PlannedPoint>;
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

function cellOf(doc: Raw, path: string): string {
  const value = getPath(doc, path);
  return value === undefined ? '' : cellText(value);
}

/**
 * The parameter columns. A column no swept path reaches has one cell for
 * every point, so `cells` holds those cells, made once rather than once a
 * point, in column order; `swept` are the columns left to read per point.
 */
interface Columns {
  names: string[];
  cells: Record<string, string>;
  swept: string[];
}

function columnsOf(base: Raw, sweptPaths: string[]): Columns {
  const names = [...new Set([...leafPaths(base), ...sweptPaths])];
  const reached = (column: string) => sweptPaths.some((p) => column === p || column.startsWith(`${p}.`));
  return { names, cells: Object.fromEntries(names.map((c) => [c, reached(c) ? '' : cellOf(base, c)])), swept: names.filter(reached) };
}

function planPoint(source: SourceFile, base: Raw, point: Point, index: number, columns: Columns): PlannedPoint | string[] {
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
  const normalized = problems.length === 0 ? normalizePoint(doc) : undefined;
  if (normalized) problems.push(...combinationProblems(normalized).map((p) => `${where(p.at)}: ${p.message}`));
  if (problems.length > 0 || !normalized) return problems.map((p) => (point.length ? `${p} (in sweep point ${index})` : p));
  return { index, params: paramsOf(doc, columns), normalized, locate: (path) => where(path) };
}

// Outside planPoint, so that no closure kept for later (locate) holds the point's document.
function paramsOf(doc: Raw, columns: Columns): Record<string, string> {
  const params = { ...columns.cells };
  for (const column of columns.swept) params[column] = cellOf(doc, column);
  return params;
}

/** Distinct problems shown at most; a broken sweep of many points repeats the same few. */
const MAX_PROBLEMS = 50;

/** Point `index` is point `twin` again. */
interface Duplicate {
  twin: number;
  index: number;
}

/**
 * The pass that checks every point before anything runs: their problems
 * (the first MAX_PROBLEMS distinct ones), then that no two points are the
 * same configuration, which would give two runs one id. Returns the number
 * of points and the first duplicate. The duplicate check keeps each point's
 * id in a map (about 150 bytes a point, measured) until this pass ends, not
 * while the sweep runs.
 */
function checkPoints(name: string, points: Iterable<PlannedPoint | string[]>): { count: number; cpus: number; duplicate?: Duplicate } {
  const problems = new Set<string>();
  const pointById = new Map<string, number>();
  let duplicate: Duplicate | undefined;
  let count = 0;
  let cpus = 1;
  for (const point of points) {
    count++;
    if (Array.isArray(point)) {
      for (const problem of point) if (problems.size < MAX_PROBLEMS) problems.add(problem);
      if (problems.size === MAX_PROBLEMS) break;
      continue;
    }
    cpus = Math.max(cpus, point.normalized.machine.cpus);
    // Hashed with guest.args as the guest reads them (1 and "1" are both "n=1"), which also finds any two points
    // with one run id. Repeat 0 stands for every repeat: two points share the ids of all their repeats or of none.
    const id = runId(name, { ...point.normalized, guest: { ...point.normalized.guest, args: argsString(point.normalized.guest.args) } }, 0);
    const twin = pointById.get(id);
    if (twin === undefined) pointById.set(id, point.index);
    else duplicate ??= { twin, index: point.index };
  }
  if (problems.size > 0) throw new InputError([...problems]);
  return { count, cpus, duplicate };
}

/** Point `index` of a sweep (after exclusions), walked to again: only the refusal of a duplicate needs one. */
function pointAt(sweep: Sweep, index: number): Point {
  let k = 0;
  for (const point of sweep.points()) if (k++ === index) return point;
  throw new Error(`internal: the sweep has no point ${index}`);
}

/**
 * A duplicate, located at the first swept value where the later point is
 * written differently from the earlier one: the same value listed twice
 * (another place in the file), or in other units (1ms and 1000us).
 */
function duplicateProblem(source: SourceFile, sweep: Sweep, { twin, index }: Duplicate): string {
  const [earlier, later] = [pointAt(sweep, twin), pointAt(sweep, index)];
  const written = (v: SweptValue) => `${cellText(v.value)} at ${v.origin.join('.')}`;
  // Some value differs, as the points are distinct combinations; a range whose rounding repeats a value differs in value alone.
  const at = Math.max(0, later.findIndex((v, i) => written(v) !== written(earlier[i])));
  const [was, is] = [cellText(earlier[at].value), cellText(later[at].value)];
  const what = was === is ? `${is} comes twice` : `${is} is the same as ${was}`;
  return `${locate(source, later[at].origin)}: sweep ${later[at].path}: ${what} (sweep points ${twin} and ${index} would be the same configuration)`;
}

/** What a sweep from one warm-up checkpoint may vary: what a restored run may take differently (cpu, limits, stats). */
const WARMUP_SWEEPABLE = ['cpu.', 'limits.', 'stats.'];

function warmupProblems(source: SourceFile, base: Raw, sweptPaths: string[]): string[] {
  const problems = sweptPaths
    .filter((path) => !WARMUP_SWEEPABLE.some((prefix) => path.startsWith(prefix)))
    .map(
      (path) =>
        `${locate(source, ['sweep', path], true)}: checkpoint.warmup starts every run from one checkpoint, so the sweep may vary only cpu, limits and stats; ${path} would change the machine the checkpoint holds`,
    );
  if (base.guest?.restore !== undefined)
    problems.push(`${locate(source, ['guest', 'restore'], true)}: guest.restore and checkpoint.warmup both say where runs start: keep one`);
  if (base.checkpoint?.onGuestRequest === false && base.checkpoint?.atTicks === undefined)
    problems.push(`${locate(source, ['checkpoint', 'warmup'], true)}: a warm-up needs a checkpoint to stop at: leave onGuestRequest on (gem5's m5 checkpoint from the guest), or give atTicks`);
  return problems;
}

function parseSweepIn(source: SourceFile, sweep: Record<string, unknown> | undefined): Sweep {
  try {
    return parseSweep(sweep);
  } catch (error) {
    if (error instanceof SweepError) throw new InputError([`${locate(source, error.origin)}: ${error.message}`]);
    throw error;
  }
}

export function planExperiment(file: string, text: string): ExperimentPlan {
  const source = parseSource(file, text);
  const problems = validateData(source, source.data);
  if (problems.length > 0) throw new InputError(problems);
  const data = source.data as Raw;
  const tooBig = sweepSizeProblem(source, data);
  if (tooBig) throw new InputError([tooBig]);
  const base: Raw = Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'sweep'));
  const sweep = parseSweepIn(source, data.sweep);
  const warmup = base.checkpoint?.warmup === true;
  if (warmup) {
    const problems = warmupProblems(source, base, sweep.paths);
    if (problems.length > 0) throw new InputError(problems);
  }
  const columns = columnsOf(base, sweep.paths);
  function* planned(): Generator<PlannedPoint | string[]> {
    let index = 0;
    for (const point of sweep.points()) yield planPoint(source, base, point, index++, columns);
  }
  const { count: pointCount, cpus, duplicate } = checkPoints(data.name, planned());
  if (duplicate) throw new InputError([duplicateProblem(source, sweep, duplicate)]);
  if (pointCount === 0) throw new InputError([`${locate(source, ['sweep', 'exclude'])}: every combination of the sweep is excluded`]);
  const repeat: number = data.repeat ?? (schemaDefault('repeat') as number);
  if (base.checkpoint?.dir !== undefined && pointCount * repeat > 1)
    throw new InputError([
      `${locate(source, ['checkpoint', 'dir'])}: checkpoint.dir names one folder, and this experiment has ${pointCount * repeat} runs: leave it out, and each run keeps its checkpoints in its own folder`,
    ]);
  // The schema lets a guest be one kind only, so every point is of the kind the file names.
  const platform = base.guest?.binary !== undefined || sweep.paths.includes('guest.binary') ? 'se' : base.guest?.format === 'multiboot' ? 'pc' : 'runtime';
  // Each platform's own keys: SE mode's, and a multiboot kernel's (its command line, QEMU's isa-debug-exit).
  const own = (column: string) => {
    if (column.startsWith('se.')) return platform === 'se';
    if (column.startsWith('checkpoint.')) return platform !== 'se';
    if (column.startsWith('devices.isaDebugExit.') || column.startsWith('machine.') || column === 'guest.cmdline') return platform === 'pc';
    return column !== 'guest.format' || platform !== 'se';
  };
  return {
    file,
    name: data.name,
    repeat,
    // As written (or swept), then every effective value the file left out or gave with a unit, of this platform.
    paramColumns: [...new Set([...columns.names, ...EFFECTIVE_COLUMNS.filter(own)])],
    platform,
    pointCount,
    cpus,
    warmup,
    *points() {
      for (const point of planned()) {
        // checkPoints saw every point plan cleanly; the same input plans the same way again.
        if (Array.isArray(point)) throw new Error(`internal: a sweep point of ${file} planned cleanly once but not again`);
        yield point;
      }
    },
  };
}

export async function loadExperiment(file: string): Promise<ExperimentPlan> {
  return planExperiment(file, await readExperimentFile(file));
}
