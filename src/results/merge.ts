// Joins the shards of one experiment (e.g. one file per Slurm array task)
// back into the file a single unsharded run would have written.
import { InputError } from '../errors.js';
import type { ResultsTable } from './read-csv.js';

export function mergeResults(tables: ResultsTable[]): Omit<ResultsTable, 'file'> {
  const [first, ...others] = tables;
  for (const other of others) requireSameColumns(first, other);
  requireOneExperiment(tables);
  requireUniqueRunIds(tables);
  const rows = tables.flatMap((table) =>
    table.rows.map((row) => ({ row, point: integerIn(row, 'point', table.file), repeat: integerIn(row, 'repeat', table.file) })),
  );
  rows.sort((a, b) => a.point - b.point || a.repeat - b.repeat);
  return { header: first.header, rows: rows.map(({ row }) => row) };
}

function requireSameColumns(a: ResultsTable, b: ResultsTable): void {
  if (a.header.join('\0') === b.header.join('\0')) return;
  const onlyInA = a.header.filter((column) => !b.header.includes(column));
  const onlyInB = b.header.filter((column) => !a.header.includes(column));
  const difference =
    onlyInA.length + onlyInB.length > 0
      ? `only in ${a.file}: [${onlyInA.join(', ')}]; only in ${b.file}: [${onlyInB.join(', ')}]`
      : 'same columns in a different order';
  throw new InputError([`${a.file} and ${b.file} have different columns (${difference})`], 'mismatched-columns');
}

function requireOneExperiment(tables: ResultsTable[]): void {
  let first: { experiment: string; file: string } | undefined;
  for (const table of tables) {
    for (const row of table.rows) {
      first ??= { experiment: row.experiment, file: table.file };
      if (row.experiment !== first.experiment) {
        throw new InputError(
          [`${first.file} holds experiment "${first.experiment}" but ${table.file} holds "${row.experiment}": not shards of one experiment`],
          'mismatched-experiment',
        );
      }
    }
  }
}

function requireUniqueRunIds(tables: ResultsTable[]): void {
  const fileOf = new Map<string, string>();
  for (const table of tables) {
    for (const { run_id: runId } of table.rows) {
      const seenIn = fileOf.get(runId);
      if (seenIn !== undefined) {
        const where = seenIn === table.file ? `twice in ${seenIn}` : `in both ${seenIn} and ${table.file}`;
        throw new InputError([`run id "${runId}" appears ${where}`], 'duplicate-run');
      }
      fileOf.set(runId, table.file);
    }
  }
}

function integerIn(row: Record<string, string>, column: 'point' | 'repeat', file: string): number {
  const value = Number(row[column]);
  if (row[column].trim() === '' || !Number.isInteger(value)) {
    throw new InputError([`${file}: run ${row.run_id}: ${column} is "${row[column]}", not an integer`], 'bad-csv');
  }
  return value;
}
