// Matches the points of two results files by what was run (experiment and
// parameter values; point numbers shift when a sweep changes) and judges each
// metric's mean over ok repeats against its tolerance.
import { UsageError } from '../errors.js';
import { metricColumnsOf, WITNESS_COLUMN } from './columns.js';
import type { ResultsTable } from './read-csv.js';
import { summarizePoints, type PointSummary } from './summary.js';
import { defaultTolerance, verdictFor, type Tolerance, type Verdict } from './tolerance.js';
import { isDisagreement } from './witness.js';

export interface PointId {
  experiment: string;
  params: Record<string, string>;
}

export interface MetricChange {
  point: PointId;
  metric: string;
  /** Means over the ok repeats. */
  baseline: number;
  current: number;
  tolerance: ComparedTolerance;
  verdict: Verdict;
}

export interface RunCounts {
  runs: number;
  okRuns: number;
}

/** A point whose baseline runs all succeeded but whose current runs did not: a regression whatever the numbers say. */
export interface StatusRegression {
  point: PointId;
  baseline: RunCounts;
  current: RunCounts;
}

/** A row whose own counts disagree with the kernel's: its numbers cannot be trusted, whatever they compare to. */
export interface WitnessDisagreement {
  file: string;
  runId: string;
  verdict: string;
}

/** A metric the defaults (or --metrics) compare that one of the files lacks. */
export interface MissingMetric {
  metric: string;
  missingFrom: string;
}

export type ComparedTolerance = Exclude<Tolerance, { kind: 'ignored' }>;

export interface Comparison {
  pointsCompared: number;
  /** Every compared metric of every matched point, whatever its verdict. */
  changes: MetricChange[];
  statusRegressions: StatusRegression[];
  witnessDisagreements: WitnessDisagreement[];
  missingMetrics: MissingMetric[];
  /** Set when the files ran on different KVM flavours: their kvm.* counters were not compared. */
  kernelCountersLeftOut?: { baseline: string; current: string };
  missingInBaseline: PointId[];
  missingInCurrent: PointId[];
  regressions: number;
  improvements: number;
  /** Whether the comparison should fail a CI job: a regression, no matched point, a disagreeing witness or a missing metric. */
  failed: boolean;
}

export interface CompareOptions {
  /** Overrides of the default tolerance, by metric name as the user gave it. */
  tolerances?: Map<string, Tolerance>;
  /** Compare only these metrics (all shared metrics when absent). */
  metrics?: string[];
  failOnMissing?: boolean;
}

export function compareResults(baseline: ResultsTable, current: ResultsTable, options: CompareOptions = {}): Comparison {
  const shared = sharedMetrics(baseline, current);
  requireKnown(options.metrics ?? [], shared, '--metrics', baseline, current);
  requireKnown([...(options.tolerances?.keys() ?? [])], shared, '--tolerance', baseline, current);
  // A metric named in --metrics is compared even if its class is left out by default.
  const toleranceOf = (metric: string, context?: { coalesced: boolean }): Tolerance =>
    options.tolerances?.get(metric) ?? defaultTolerance(metric, options.metrics?.includes(metric), context);
  // By default every metric of either file that its class says to compare; one
  // that only one file has cannot be compared, and a gate must not skip it silently.
  const wanted = options.metrics ?? [...new Set([...metricColumnsOf(baseline.header), ...metricColumnsOf(current.header)])];
  // The kernel counts differently on each flavour (no io_exits on PVM): its counters compare only like with like.
  const flavours = [baseline, current].map(flavoursOf);
  const sameFlavour = flavours[0] === flavours[1];
  const comparable = (metric: string) => sameFlavour || !metric.startsWith('kvm.') || options.metrics?.includes(metric) === true;
  const compared = wanted.filter((metric) => toleranceOf(metric).kind !== 'ignored' && comparable(metric));
  const missingMetrics = compared.filter((metric) => !shared.includes(metric)).map((metric) => ({ metric, missingFrom: metricColumnsOf(baseline.header).includes(metric) ? current.file : baseline.file }));
  const metrics = compared.filter((metric) => shared.includes(metric));

  const baselinePoints = byPointKey(summarizePoints(baseline));
  const currentPoints = byPointKey(summarizePoints(current));
  const matched = [...baselinePoints].flatMap(([key, before]) => {
    const after = currentPoints.get(key);
    return after ? [{ before, after }] : [];
  });
  const changes: MetricChange[] = [];
  const statusRegressions: StatusRegression[] = [];
  for (const { before, after } of matched) {
    const point = pointIdOf(before);
    if (before.okRuns === before.runs && after.okRuns < after.runs) {
      statusRegressions.push({ point, baseline: countsOf(before), current: countsOf(after) });
    }
    const context = { coalesced: before.coalesced || after.coalesced };
    for (const metric of metrics) {
      const baselineMean = before.metrics[metric]?.mean;
      const currentMean = after.metrics[metric]?.mean;
      // No ok run reported it on one side: nothing to compare (a status regression covers lost runs).
      if (baselineMean === undefined || currentMean === undefined) continue;
      const tolerance = toleranceOf(metric, context);
      if (tolerance.kind === 'ignored') continue;
      changes.push({ point, metric, baseline: baselineMean, current: currentMean, tolerance, verdict: verdictFor(baselineMean, currentMean, tolerance) });
    }
  }
  const missingInCurrent = [...baselinePoints].filter(([key]) => !currentPoints.has(key)).map(([, s]) => pointIdOf(s));
  const missingInBaseline = [...currentPoints].filter(([key]) => !baselinePoints.has(key)).map(([, s]) => pointIdOf(s));
  const regressions = statusRegressions.length + changes.filter((c) => c.verdict === 'regression').length;
  const missing = missingInCurrent.length + missingInBaseline.length;
  const witnessDisagreements = [baseline, current].flatMap(disagreementsIn);
  return {
    pointsCompared: matched.length,
    changes,
    statusRegressions,
    witnessDisagreements,
    missingMetrics,
    kernelCountersLeftOut: sameFlavour ? undefined : { baseline: flavours[0], current: flavours[1] },
    missingInBaseline,
    missingInCurrent,
    regressions,
    improvements: changes.filter((c) => c.verdict === 'improved').length,
    failed:
      regressions > 0 ||
      matched.length === 0 ||
      witnessDisagreements.length > 0 ||
      missingMetrics.length > 0 ||
      (options.failOnMissing === true && missing > 0),
  };
}

function flavoursOf(table: ResultsTable): string {
  return [...new Set(table.rows.map((row) => row.kvm_flavour ?? ''))].sort().join(', ');
}

function disagreementsIn(table: ResultsTable): WitnessDisagreement[] {
  return table.rows.filter((row) => isDisagreement(row[WITNESS_COLUMN])).map((row) => ({ file: table.file, runId: row.run_id, verdict: row[WITNESS_COLUMN] }));
}

function sharedMetrics(baseline: ResultsTable, current: ResultsTable): string[] {
  const inCurrent = new Set(metricColumnsOf(current.header));
  return metricColumnsOf(baseline.header).filter((metric) => inCurrent.has(metric));
}

function requireKnown(names: string[], shared: string[], option: string, baseline: ResultsTable, current: ResultsTable): void {
  const unknown = names.find((name) => !shared.includes(name));
  if (unknown !== undefined) {
    throw new UsageError(`${option}: unknown metric "${unknown}": not a metric column of both ${baseline.file} and ${current.file}`);
  }
}

/** Points keyed by experiment and parameter values, so that renumbered sweeps still match. */
function byPointKey(summaries: PointSummary[]): Map<string, PointSummary> {
  return new Map(summaries.map((s) => [JSON.stringify([s.experiment, Object.entries(s.params).sort(([a], [b]) => (a < b ? -1 : 1))]), s]));
}

function pointIdOf(summary: PointSummary): PointId {
  return { experiment: summary.experiment, params: summary.params };
}

function countsOf(summary: PointSummary): RunCounts {
  return { runs: summary.runs, okRuns: summary.okRuns };
}
