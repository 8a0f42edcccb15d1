// Renders a Comparison for people: an aligned table for the terminal and the
// same rows as GitHub markdown (for --markdown and the job summary). Both are
// built from reportRows, so they cannot disagree.
import type { ComparedTolerance, Comparison, MetricChange, PointId, StatusRegression } from './compare.js';


const COLUMNS = ['experiment', 'point', 'metric', 'baseline', 'current', 'change', 'tolerance', 'verdict'];
/** Right-aligned so that magnitudes line up. */
const NUMERIC_COLUMNS = new Set(['baseline', 'current', 'change']);
const COLUMN_GAP = '  ';

export interface ReportOptions {
  /** Show every compared metric, not only regressions and improvements. */
  all?: boolean;
}

/** The table body: status regressions first, then metric changes. */
function reportRows(comparison: Comparison, options: ReportOptions = {}): string[][] {
  return [
    ...comparison.statusRegressions.map(statusRow),
    ...comparison.changes.filter((change) => options.all || change.verdict !== 'ok').map(changeRow),
  ];
}

export function renderTerminal(comparison: Comparison, options: ReportOptions = {}): string {
  const rows = reportRows(comparison, options);
  const table = rows.length > 0 ? alignedTable([COLUMNS, ...rows]) : [];
  return [...table, ...noteLines(comparison), summaryLine(comparison)].join('\n') + '\n';
}

export function renderMarkdown(comparison: Comparison, options: ReportOptions & { title: string }): string {
  const rows = reportRows(comparison, options);
  const table =
    rows.length > 0
      ? ['', markdownRow(COLUMNS), markdownRow(COLUMNS.map((c) => (NUMERIC_COLUMNS.has(c) ? '---:' : '---'))), ...rows.map(markdownRow)]
      : [];
  const missing = noteLines(comparison).map((line) => `- ${escapeMarkdown(line)}`);
  return [`### ${escapeMarkdown(options.title)}`, '', `**${summaryLine(comparison)}**`, ...table, ...(missing.length > 0 ? ['', ...missing] : [])].join('\n') + '\n';
}

function summaryLine(comparison: Comparison): string {
  const missing = comparison.missingInBaseline.length + comparison.missingInCurrent.length;
  return (
    `${comparison.failed ? 'FAIL' : 'PASS'}: ${plural(comparison.regressions, 'regression')}, ` +
    `${plural(comparison.improvements, 'improvement')} in ${plural(comparison.pointsCompared, 'matched point')}` +
    (missing > 0 ? `; ${plural(missing, 'point')} missing` : '') +
    (comparison.witnessDisagreements.length > 0 ? `; ${plural(comparison.witnessDisagreements.length, 'run')} whose counts the kernel contradicts` : '')
  );
}

/** Six significant digits, without exponent notation for large counters. */
function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 1e6 ? value.toFixed(1) : String(Number(value.toPrecision(6)));
}

function changeRow(change: MetricChange): string[] {
  return [
    change.point.experiment,
    pointLabel(change.point),
    change.metric,
    formatNumber(change.baseline),
    formatNumber(change.current),
    formatChange(change.baseline, change.current),
    formatTolerance(change.tolerance),
    change.verdict,
  ];
}

function statusRow(regression: StatusRegression): string[] {
  const { baseline, current } = regression;
  return [
    regression.point.experiment,
    pointLabel(regression.point),
    'status',
    `${baseline.okRuns}/${baseline.runs} ok`,
    `${current.okRuns}/${current.runs} ok`,
    `${current.runs - current.okRuns} not ok`,
    'all ok',
    'regression',
  ];
}

function noteLines(comparison: Comparison): string[] {
  return [
    ...(comparison.pointsCompared === 0 ? ['no point of one file matches a point of the other: nothing was compared'] : []),
    ...(comparison.kernelCountersLeftOut
      ? [`kvm.* counters not compared: the baseline ran on ${comparison.kernelCountersLeftOut.baseline || 'an unknown flavour'}, the current file on ${comparison.kernelCountersLeftOut.current || 'an unknown flavour'}`]
      : []),
    ...comparison.missingMetrics.map((m) => `metric ${m.metric} is missing from ${m.missingFrom}: it cannot be compared`),
    ...comparison.witnessDisagreements.map((d) => `witness disagrees in ${d.file}, run ${d.runId}: ${d.verdict}`),
    ...comparison.missingInCurrent.map((point) => `missing in current: ${point.experiment} ${pointLabel(point)}`),
    ...comparison.missingInBaseline.map((point) => `missing in baseline: ${point.experiment} ${pointLabel(point)}`),
  ];
}

function pointLabel(point: PointId): string {
  const pairs = Object.entries(point.params).map(([name, value]) => `${name}=${/^\S+$/.test(value) ? value : JSON.stringify(value)}`);
  return pairs.length > 0 ? pairs.join(' ') : '(no parameters)';
}

function formatChange(baseline: number, current: number): string {
  const difference = current - baseline;
  if (difference === 0) return '0';
  const sign = difference > 0 ? '+' : '';
  const absolute = `${sign}${formatNumber(difference)}`;
  return baseline === 0 ? absolute : `${absolute} (${sign}${formatNumber((difference / Math.abs(baseline)) * 100)}%)`;
}

function formatTolerance(tolerance: ComparedTolerance): string {
  return tolerance.kind === 'relative' ? `${formatNumber(tolerance.fraction * 100)}%` : formatNumber(tolerance.amount);
}

function alignedTable(rows: string[][]): string[] {
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (NUMERIC_COLUMNS.has(COLUMNS[i]) ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join(COLUMN_GAP)
      .trimEnd(),
  );
}

function markdownRow(cells: string[]): string {
  return `| ${cells.map(escapeMarkdown).join(' | ')} |`;
}

function escapeMarkdown(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
