// Per-point statistics over repeats: what a results file says once the noise
// of single runs is averaged out. Only ok runs count, so a crashed run cannot
// drag a mean; `runs` and `ok_runs` show how many were left out.
import { InputError } from '../errors.js';
import { FIRST_STAT_COLUMN, metricColumnsOf, paramColumnsOf } from './columns.js';
import { readResultsCsv, type ResultsTable } from './read-csv.js';
import { describe, type Description } from './stats.js';
import { writeCsvAtomically } from './write-atomic.js';

export interface PointSummary {
  experiment: string;
  point: string;
  /** Parameter column -> value, as in the results file. */
  params: Record<string, string>;
  runs: number;
  okRuns: number;
  /** Whether a run of this point coalesced writes (the coalescing column): exits and ring entries then split by host timing. */
  coalesced: boolean;
  /** By metric column; undefined when no ok run has a value for it. */
  metrics: Record<string, Description | undefined>;
}

export type SummaryTable = Omit<ResultsTable, 'file'>;

const STATISTICS = ['mean', 'stddev', 'min', 'max', 'ci95'] as const;

export function summarizePoints(table: ResultsTable): PointSummary[] {
  if (!table.header.includes(FIRST_STAT_COLUMN)) {
    throw new InputError([`${table.file}:1: no ${FIRST_STAT_COLUMN} column: not a results file`], 'bad-csv');
  }
  const params = paramColumnsOf(table.header);
  const metrics = metricColumnsOf(table.header);
  return groupByPoint(table.rows).map((rows) => {
    const first = rows[0];
    const ok = rows.filter((row) => row.status === 'ok');
    return {
      experiment: first.experiment,
      point: first.point,
      params: Object.fromEntries(params.map((column) => [column, first[column]])),
      runs: rows.length,
      okRuns: ok.length,
      coalesced: rows.some((row) => row.coalescing === 'on' || row.coalescing === 'mmio-only'),
      metrics: Object.fromEntries(metrics.map((metric) => [metric, describe(numbersIn(ok, metric, table.file))])),
    };
  });
}

export function summarize(table: ResultsTable): SummaryTable {
  const params = paramColumnsOf(table.header);
  const metrics = metricColumnsOf(table.header);
  const header = [
    'experiment',
    'point',
    ...params,
    'runs',
    'ok_runs',
    ...metrics.flatMap((metric) => STATISTICS.map((statistic) => `${metric}.${statistic}`)),
  ];
  const rows = summarizePoints(table).map((summary) => {
    const row: Record<string, string> = {
      experiment: summary.experiment,
      point: summary.point,
      ...summary.params,
      runs: String(summary.runs),
      ok_runs: String(summary.okRuns),
    };
    for (const metric of metrics) {
      for (const statistic of STATISTICS) {
        const value = summary.metrics[metric]?.[statistic];
        row[`${metric}.${statistic}`] = value === undefined ? '' : String(value);
      }
    }
    return row;
  });
  return { header, rows };
}

/** Summarizes `resultsCsv` into `summaryCsv`, leaving out the rows of the runs in `leftOut` (stale rows on resume). */
export async function writeSummaryCsv(resultsCsv: string, summaryCsv: string, leftOut: ReadonlySet<string> = new Set()): Promise<void> {
  const table = await readResultsCsv(resultsCsv);
  const { header, rows } = summarize({ ...table, rows: table.rows.filter((row) => !leftOut.has(row.run_id)) });
  await writeCsvAtomically(summaryCsv, header, rows);
}

/** Where the summary of a results file goes: results.csv -> results.summary.csv. */
export function summaryPathFor(resultsCsv: string): string {
  return resultsCsv.replace(/(\.csv)?$/i, '.summary.csv');
}

function groupByPoint(rows: Record<string, string>[]): Record<string, string>[][] {
  const groups = new Map<string, Record<string, string>[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.experiment, row.point]);
    const group = groups.get(key);
    if (group) group.push(row);
    else groups.set(key, [row]);
  }
  return [...groups.values()].sort(([a], [b]) => compareText(a.experiment, b.experiment) || Number(a.point) - Number(b.point));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The metric's values in these rows; a run that did not report it has an empty cell and is skipped. */
function numbersIn(rows: Record<string, string>[], metric: string, file: string): number[] {
  const values: number[] = [];
  for (const row of rows) {
    const cell = row[metric];
    if (cell === '') continue;
    const value = Number(cell);
    if (cell.trim() === '' || !Number.isFinite(value)) {
      throw new InputError([`${file}: run ${row.run_id}: ${metric} is "${cell}", not a number`], 'bad-csv');
    }
    values.push(value);
  }
  return values;
}
