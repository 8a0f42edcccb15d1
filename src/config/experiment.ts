// The normalized form of one experiment point: every unit converted, every
// default filled in. Built only from data the schema has already accepted.
import { UNIT_FORMATS, type UnitFormat } from './units.js';

export interface Zone {
  base: number;
  size: number;
}

export interface NormalizedPoint {
  guest: {
    program?: string;
    image?: string;
    format: 'elf' | 'flat';
    args: Record<string, string | number | boolean>;
    memory: number;
  };
  cpu: {
    hostFactor: number;
    clock: number;
    useCoalescedMMIO: boolean;
    /** Undefined: the zones the devices declare. */
    coalescedMMIO?: Zone[];
    coalescedPIO?: Zone[];
    usePerf: 'auto' | true | false;
    usePerfOverflow: boolean;
    instructionCounter: 'auto' | 'perf' | 'singlestep' | 'none';
    timer: { kind: 'posix' | 'perf'; quantum: number };
    alwaysSyncTC: boolean;
  };
  limits: { maxTicks: number; maxInsts: number; wallTimeout: number };
  devices: { unclaimedAccess: 'count' | 'fail' };
  /** stats.dumpEvery in nanoseconds; 0: no time series. */
  stats: { dumpEvery: number };
}

export const DEFAULTS = {
  memory: '64MiB',
  hostFactor: 1.0,
  clock: '2GHz',
  quantum: '1ms',
  wallTimeout: '60s',
} as const;

type Raw = Record<string, any>;

function unit(format: UnitFormat, value: unknown): number {
  const parsed = UNIT_FORMATS[format](value);
  // The schema ran the same parser already; failing here is a bug, not bad input.
  if (!parsed.ok) throw new Error(`internal: ${format} "${String(value)}" passed validation but does not parse`);
  return parsed.value;
}

function zones(list: Raw[] | undefined): Zone[] | undefined {
  return list?.map((z) => ({ base: unit('address', z.base), size: unit('size', z.size) }));
}

export function normalizePoint(doc: Raw): NormalizedPoint {
  const guest: Raw = doc.guest ?? {};
  const cpu: Raw = doc.cpu ?? {};
  const limits: Raw = doc.limits ?? {};
  return {
    guest: {
      program: guest.program,
      image: guest.image,
      format: guest.format ?? 'elf',
      args: guest.args ?? {},
      memory: unit('size', guest.memory ?? DEFAULTS.memory),
    },
    cpu: {
      hostFactor: cpu.hostFactor ?? DEFAULTS.hostFactor,
      clock: unit('frequency', cpu.clock ?? DEFAULTS.clock),
      useCoalescedMMIO: cpu.useCoalescedMMIO ?? false,
      coalescedMMIO: zones(cpu.coalescedMMIO),
      coalescedPIO: zones(cpu.coalescedPIO),
      usePerf: cpu.usePerf ?? 'auto',
      usePerfOverflow: cpu.usePerfOverflow ?? false,
      instructionCounter: cpu.instructionCounter ?? 'auto',
      timer: { kind: cpu.timer?.kind ?? 'posix', quantum: unit('duration', cpu.timer?.quantum ?? DEFAULTS.quantum) },
      alwaysSyncTC: cpu.alwaysSyncTC ?? false,
    },
    limits: {
      maxTicks: limits.maxTicks === undefined ? 0 : unit('ticks', limits.maxTicks),
      maxInsts: limits.maxInsts === undefined ? 0 : unit('count', limits.maxInsts),
      wallTimeout: unit('duration', limits.wallTimeout ?? DEFAULTS.wallTimeout),
    },
    devices: { unclaimedAccess: doc.devices?.unclaimedAccess ?? 'count' },
    stats: { dumpEvery: doc.stats?.dumpEvery === undefined ? 0 : unit('duration', doc.stats.dumpEvery) },
  };
}

/** guest.args as the guest reads it: "key=value key=value", in file order. */
export function argsString(args: NormalizedPoint['guest']['args']): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}
