// Runs an experiment YAML through the real CLI in a fresh workspace and
// reads back its CSV and run folders.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readResultsCsv, type ResultsTable } from '../../src/results/read-csv.js';
import { cli, workspace } from './cli.js';

export interface ExperimentRun {
  dir: string;
  table: ResultsTable;
  exitCode: number | undefined;
  output: string;
  runFile(row: Record<string, string>, name: string): Promise<string>;
}

export async function runExperiment(yaml: string, extra: string[] = []): Promise<ExperimentRun> {
  const dir = await workspace({ 'e.yaml': yaml });
  const result = await cli(['run', 'e.yaml', '--out', 'out', '--quiet', ...extra], { cwd: dir });
  const name = /^name: (\S+)/m.exec(yaml)![1];
  const table = await readResultsCsv(join(dir, 'out', `${name}.csv`));
  return {
    dir,
    table,
    exitCode: result.exitCode,
    output: String(result.all ?? ''),
    runFile: (row, file) => readFile(join(dir, 'out', name, row.run_id, file), 'utf8'),
  };
}

/** The numeric value of a CSV cell, failing loudly when it is empty. */
export function num(row: Record<string, string>, column: string): number {
  const text = row[column];
  if (text === undefined || text === '') throw new Error(`column ${column} is empty in run ${row.run_id}`);
  return Number(text);
}
