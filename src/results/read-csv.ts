// Reads a results CSV written by this tool: its header and rows as records.
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { InputError } from '../errors.js';

export interface ResultsTable {
  file: string;
  header: string[];
  rows: Record<string, string>[];
}

export async function readResultsCsv(file: string): Promise<ResultsTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InputError([`${file}: cannot read: ${(error as Error).message}`], 'unreadable');
  }
  return parseResultsCsv(file, text);
}

export function parseResultsCsv(file: string, text: string): ResultsTable {
  let records: string[][];
  try {
    records = parse(text, { relax_column_count: false, skip_empty_lines: true });
  } catch (error) {
    throw new InputError([`${file}: not a valid CSV: ${(error as Error).message}`], 'bad-csv');
  }
  if (records.length === 0) throw new InputError([`${file}: empty file (no header)`], 'bad-csv');
  const [header, ...body] = records;
  if (!header.includes('run_id')) throw new InputError([`${file}:1: no run_id column: not a results file`], 'bad-csv');
  const rows = body.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? ''])));
  return { file, header, rows };
}
