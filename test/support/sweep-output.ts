// Reads what a sweep leaves behind, for tests that check it line by line:
// the ids `--dry-run` promises, the CSV as physical lines, the worker.pid
// files of the run folders.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { cli } from './cli.js';

export interface ListedRun {
  runId: string;
  point: number;
  repeat: number;
  /** "path=value ..." as listed. */
  params: string;
}

/** The runs `run --dry-run` lists for `args` (files and options), in listing order. */
export async function dryRun(cwd: string, args: string[]): Promise<ListedRun[]> {
  const listing = await cli(['run', ...args, '--dry-run'], { cwd });
  if (listing.exitCode !== 0) throw new Error(`--dry-run failed: ${listing.all}`);
  return [...String(listing.stdout).matchAll(/^ {2}([0-9a-f]{16}) {2}point (\d+) repeat (\d+) {2}(.*)$/gm)].map((m) => ({
    runId: m[1],
    point: Number(m[2]),
    repeat: Number(m[3]),
    params: m[4],
  }));
}

export interface CsvLines {
  header: string[];
  rows: Record<string, string>[];
  /** Cells on each complete line after the header: a split or short row shows here. */
  cellCounts: number[];
  /** False when the last line is torn (no newline yet); that line is not in `rows`. */
  endsWithNewline: boolean;
}

/**
 * Parses every complete line on its own, as the durable writer promises one
 * row per line; an unparseable line throws. Safe on a file being appended to.
 */
export async function readCsvLines(file: string): Promise<CsvLines> {
  const text = await readFile(file, 'utf8');
  const [header, ...records] = text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => (parse(line) as string[][])[0] ?? []);
  return {
    header,
    rows: records.map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i] ?? '']))),
    cellCounts: records.map((cells) => cells.length),
    endsWithNewline: text.endsWith('\n'),
  };
}

/** run id -> pid, from the worker.pid every worker (real or stand-in) writes into its run folder. */
export async function workerPids(runsDir: string): Promise<Map<string, number>> {
  const pids = new Map<string, number>();
  for (const runId of await readdir(runsDir)) {
    const text = await readFile(join(runsDir, runId, 'worker.pid'), 'utf8').catch(() => '');
    if (text.trim() !== '') pids.set(runId, Number(text));
  }
  return pids;
}
