// Joins the shards of one experiment (e.g. one file per Slurm array task)
// back into the file a single unsharded run would have written.
import { InputError } from '../errors.js';
import type { ResultsTable } from './read-csv.js';

export interface MergeOptions {
  /** Merge even when shards of the sweep are missing or incomplete. */
  allowPartial?: boolean;
}

export function mergeResults(tables: ResultsTable[], options: MergeOptions = {}): Omit<ResultsTable, 'file'> {
  const [first, ...others] = tables;
  for (const other of others) requireSameColumns(first, other);
  requireOneExperiment(tables);
  requireUniqueRunIds(tables);
  if (!options.allowPartial) requireEveryShard(tables);
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

/**
 * Rows written with --shard I/N say which shard they belong to and how many
 * runs that shard has: every shard 1..N must be there, each with all its runs,
 * or the merged file would pass for the whole sweep while missing part of it.
 */
function requireEveryShard(tables: ResultsTable[]): void {
  const shards = new Map<string, { runs: Set<string>; expected: string; file: string }>();
  for (const table of tables)
    for (const row of table.rows) {
      if (!row.shard) continue;
      const entry = shards.get(row.shard) ?? { runs: new Set<string>(), expected: row.shard_runs, file: table.file };
      entry.runs.add(row.run_id);
      shards.set(row.shard, entry);
    }
  if (shards.size === 0) return;
  const counts = new Set([...shards.keys()].map((shard) => shard.split('/')[1]));
  if (counts.size > 1) throw new InputError([`the files hold shards of different splits (${[...shards.keys()].sort().join(', ')}): not one sharded sweep`], 'mismatched-shards');
  const total = Number([...counts][0]);
  const problems: string[] = [];
  for (let index = 1; index <= total; index++) {
    const entry = shards.get(`${index}/${total}`);
    if (!entry) problems.push(`shard ${index}/${total} is missing`);
    else if (String(entry.runs.size) !== entry.expected) problems.push(`shard ${index}/${total} (${entry.file}) has ${entry.runs.size} of its ${entry.expected} runs`);
  }
  if (problems.length > 0) throw new InputError([`incomplete sweep: ${problems.join('; ')} (--allow-partial merges anyway)`], 'incomplete-shards');
}

function integerIn(row: Record<string, string>, column: 'point' | 'repeat', file: string): number {
  const value = Number(row[column]);
  if (row[column].trim() === '' || !Number.isInteger(value)) {
    throw new InputError([`${file}: run ${row.run_id}: ${column} is "${row[column]}", not an integer`], 'bad-csv');
  }
  return value;
}
