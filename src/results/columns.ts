// The CSV contract (DESIGN.md): which columns a results file has, in which
// order, and how a RunResult becomes a row. Readers (resume, compare, merge,
// summary) use the same helpers to tell parameters from metrics.
import { isKvmFlavour } from '../host/kvm-flavour.js';
import type { RunResult, RunSpec } from '../types.js';
import { witnessVerdict } from './witness.js';

export const LEAD_COLUMNS = ['experiment', 'run_id', 'point', 'repeat', 'status', 'exit_cause', 'error'] as const;

/** The first statistic column: everything between `error` and it is a parameter. */
export const FIRST_STAT_COLUMN = 'simTicks';

/** Our counts checked against the kernel's (src/results/witness.ts); after the kvm.<name> columns. */
export const WITNESS_COLUMN = 'witness';

/** How each run's numbers were made; identical across runs of one configuration. */
export const MEASUREMENT_COLUMNS = [
  'tscHz',
  'tscSource',
  'timerResolutionNs',
  'quantumNs',
  'kickCostNs',
  'coalescing',
  'timeseriesRows',
  'timeseriesDropped',
  // How many cpt.<tick> folders the run wrote (checkpoints/ in its folder, or checkpoint.dir).
  'checkpoints',
  // stats.memoryDigest: SHA-256 of guest memory at the end, to tell runs that ended alike.
  'memoryDigest',
] as const;

/** Where a row came from. */
export const PROVENANCE_COLUMNS = [
  'host',
  'kernel',
  'kvm_flavour',
  'cpu_model',
  'node_version',
  'tool_version',
  'tool_git_sha',
  'tool_git_dirty',
  'git_sha',
  'git_dirty',
  // With --shard I/N: "I/N", and how many runs that shard has, so merge can tell a complete set of shards.
  'shard',
  'shard_runs',
  'start_time',
  'end_time',
] as const;

export interface ColumnSet {
  params: string[];
  /** gem5 statistic names, from the native core, plus instsSource. */
  stats: string[];
  /** "<device>.<stat>" */
  devices: string[];
  /** kernel counter names without the "kvm." prefix */
  kvm: string[];
}

export function headerFor(set: ColumnSet): string[] {
  return [
    ...LEAD_COLUMNS,
    ...set.params,
    ...set.stats,
    ...set.devices,
    ...set.kvm.map((name) => `kvm.${name}`),
    WITNESS_COLUMN,
    ...MEASUREMENT_COLUMNS,
    ...PROVENANCE_COLUMNS,
  ];
}

/** Parameter columns of an existing header: those between `error` and the first statistic. */
export function paramColumnsOf(header: string[]): string[] {
  const start = header.indexOf('error') + 1;
  const end = header.indexOf(FIRST_STAT_COLUMN);
  return start > 0 && end > start ? header.slice(start, end) : [];
}

/** Columns whose values are numbers produced by a run (statistics, device and kernel counters). */
export function metricColumnsOf(header: string[]): string[] {
  const start = header.indexOf(FIRST_STAT_COLUMN);
  const end = header.indexOf(MEASUREMENT_COLUMNS[0]);
  if (start < 0) return [];
  return header.slice(start, end < 0 ? undefined : end).filter((c) => c !== 'instsSource' && c !== WITNESS_COLUMN);
}

export type Provenance = Record<(typeof PROVENANCE_COLUMNS)[number], string>;

export function rowFor(spec: RunSpec, result: RunResult, header: string[], provenance: Omit<Provenance, 'start_time' | 'end_time'>): Record<string, string> {
  const values: Record<string, string | number> = {
    experiment: spec.experiment,
    run_id: spec.runId,
    point: spec.point,
    repeat: spec.repeat,
    status: result.status,
    exit_cause: result.exitCause,
    error: result.error,
    ...spec.params,
    ...result.stats,
    ...result.devices,
    ...Object.fromEntries(Object.entries(result.kvm).map(([k, v]) => [`kvm.${k}`, v])),
    [WITNESS_COLUMN]: witnessVerdict(isKvmFlavour(provenance.kvm_flavour) ? provenance.kvm_flavour : undefined, result, spec.machine.machine.irqchip === 'kernel'),
    ...result.measurement,
    ...provenance,
    start_time: result.startTime,
    end_time: result.endTime,
  };
  const row: Record<string, string> = {};
  for (const column of header) row[column] = values[column] === undefined ? '' : String(values[column]);
  return row;
}

/** With several vCPUs, each one's own statistics as cpu<N>.<stat>; a single vCPU's are the machine's. */
export function vcpuColumns(cpus: number, names: string[]): string[] {
  if (cpus < 2) return [];
  return Array.from({ length: cpus }, (_, i) => names.map((name) => `cpu${i}.${name}`)).flat();
}
