// How far a metric may move before compare calls it a change. Each metric
// belongs to one class, by what decides its value: the guest's own actions
// (compared exactly), time, or the host's scheduling and timer kicks. Only
// the guest's counts are compared by default: back-to-back runs on a busy
// host moved times by more than 50%, so a default margin would either hide
// regressions or fail clean reruns. docs/ci-gate.md has the same table.
import { UsageError } from '../errors.js';

export type Tolerance = { kind: 'absolute'; amount: number } | { kind: 'relative'; fraction: number } | { kind: 'ignored' };

/** Every metric here is "higher is worse", so only a rise can be a regression. */
export type Verdict = 'regression' | 'improved' | 'ok';

export type MetricClass = 'guest' | 'time' | 'host';

/** Values that follow simulated or host time: a guest that runs 5% slower moves them 5%. */
const TIME_METRICS = new Set([
  'simTicks',
  'simSeconds',
  'hostSeconds',
  'hostCycles',
  'numCycles',
  'idleTicks',
  // Exits and events paced by time: each includes timer kicks or simulated-time interrupts.
  'numVMExits',
  'numHalt',
  'numInterrupts',
  'timer.fired',
]);

/** Counters that depend on when the host kicked or scheduled the vCPU: two identical runs differ. */
const HOST_METRICS = new Set(['numExitSignal', 'numStretchedQuanta', 'numVMHalfEntries']);

/** The kernel's counters that count what the guest did; every other kvm.* counter follows the host. */
const GUEST_KERNEL_METRICS = new Set(['kvm.io_exits', 'kvm.mmio_exits', 'kvm.hypercalls']);

/**
 * With coalescing on, how many writes exit and how many wait in the ring
 * depends on when the ring is drained (a full ring exits); only their sum and
 * the devices' own counts (pioSink.writes, ...) are the guest's.
 */
const COALESCING_SPLIT_METRICS = new Set(['numMMIO', 'numCoalescedMMIO', 'numIO', 'numCoalescedPIO', 'kvm.mmio_exits', 'kvm.io_exits']);

export function metricClass(metric: string, context: { coalesced: boolean } = { coalesced: false }): MetricClass {
  // One vCPU's own statistic (machine.cpus > 1) is of the class of the machine's.
  const perVcpu = /^cpu\d+\.(.+)$/.exec(metric);
  if (perVcpu) return metricClass(perVcpu[1], context);
  if (context.coalesced && COALESCING_SPLIT_METRICS.has(metric)) return 'host';
  if (TIME_METRICS.has(metric)) return 'time';
  if (HOST_METRICS.has(metric)) return 'host';
  if (metric.startsWith('kvm.')) return GUEST_KERNEL_METRICS.has(metric) ? 'guest' : 'host';
  return 'guest';
}

const EXACT: Tolerance = { kind: 'absolute', amount: 0 };

/** Without --metrics or --tolerance naming the metric. */
export const DEFAULT_TOLERANCE: Record<MetricClass, Tolerance> = {
  guest: EXACT,
  time: { kind: 'ignored' },
  host: { kind: 'ignored' },
};

/** Named in --metrics without a --tolerance of its own. */
export const CHOSEN_TOLERANCE: Record<MetricClass, Tolerance> = {
  guest: EXACT,
  time: { kind: 'relative', fraction: 0.1 },
  host: EXACT,
};

export function defaultTolerance(metric: string, chosen = false, context?: { coalesced: boolean }): Tolerance {
  return (chosen ? CHOSEN_TOLERANCE : DEFAULT_TOLERANCE)[metricClass(metric, context)];
}

/** Parses "METRIC=N" (absolute) or "METRIC=N%" (relative to the baseline). */
export function parseToleranceOption(text: string): { metric: string; tolerance: Tolerance } {
  const match = /^([^=\s]+)=(\d+(?:\.\d*)?|\.\d+)(%?)$/.exec(text.trim());
  if (!match) throw new UsageError(`--tolerance "${text}": expected METRIC=N (absolute) or METRIC=N% (relative), N >= 0`);
  const [, metric, number, percent] = match;
  const value = Number(number);
  return { metric, tolerance: percent ? { kind: 'relative', fraction: value / 100 } : { kind: 'absolute', amount: value } };
}

export function verdictFor(baseline: number, current: number, tolerance: Exclude<Tolerance, { kind: 'ignored' }>): Verdict {
  const allowed = tolerance.kind === 'absolute' ? tolerance.amount : tolerance.fraction * Math.abs(baseline);
  if (current - baseline > allowed) return 'regression';
  if (baseline - current > allowed) return 'improved';
  return 'ok';
}
