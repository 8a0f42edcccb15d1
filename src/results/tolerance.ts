// How far a metric may move before compare calls it a change. Event counters
// of a deterministic guest must not move at all; times and cycles depend on
// the host and get a relative margin.
import { UsageError } from '../errors.js';

export type Tolerance = { kind: 'absolute'; amount: number } | { kind: 'relative'; fraction: number };

/** Every metric here is "higher is worse", so only a rise can be a regression. */
export type Verdict = 'regression' | 'improved' | 'ok';

/** Metrics that vary from run to run even for a deterministic guest. */
const HOST_DEPENDENT_METRICS = new Set(['simTicks', 'simSeconds', 'hostSeconds', 'hostCycles', 'numCycles', 'idleTicks']);
const HOST_DEPENDENT_TOLERANCE: Tolerance = { kind: 'relative', fraction: 0.1 };
/** Everything else is an event count (num*, committedInsts, kvm.*, device counters). */
const EXACT: Tolerance = { kind: 'absolute', amount: 0 };

export function defaultTolerance(metric: string): Tolerance {
  return HOST_DEPENDENT_METRICS.has(metric) ? HOST_DEPENDENT_TOLERANCE : EXACT;
}

/** Parses "METRIC=N" (absolute) or "METRIC=N%" (relative to the baseline). */
export function parseToleranceOption(text: string): { metric: string; tolerance: Tolerance } {
  const match = /^([^=\s]+)=(\d+(?:\.\d*)?|\.\d+)(%?)$/.exec(text.trim());
  if (!match) throw new UsageError(`--tolerance "${text}": expected METRIC=N (absolute) or METRIC=N% (relative), N >= 0`);
  const [, metric, number, percent] = match;
  const value = Number(number);
  return { metric, tolerance: percent ? { kind: 'relative', fraction: value / 100 } : { kind: 'absolute', amount: value } };
}

export function verdictFor(baseline: number, current: number, tolerance: Tolerance): Verdict {
  const allowed = tolerance.kind === 'absolute' ? tolerance.amount : tolerance.fraction * Math.abs(baseline);
  if (current - baseline > allowed) return 'regression';
  if (baseline - current > allowed) return 'improved';
  return 'ok';
}
