// An append-only results CSV that survives the parent being killed at any
// moment: each row is one write() of one line followed by fdatasync, and on
// resume a torn last line (a write cut short) is cut off before appending.
// A file that resume does not recognise as a results file is never changed.
import { open, readFile, stat, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../errors.js';
import { LEAD_COLUMNS } from './columns.js';
import { parseResultsCsv, type ResultsTable } from './read-csv.js';

export interface OpenedCsv {
  csv: DurableCsv;
  /** Run ids already in the file (resume only). */
  done: Set<string>;
}

export async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** Makes the entries created in, or renamed into, `dir` survive a crash. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  await handle.sync().finally(() => handle.close());
}

/** The file's complete lines, and the torn last line (no newline yet) after them, if any. */
async function readLines(file: string): Promise<{ complete: string; completeBytes: number; torn: string }> {
  const data = await readFile(file);
  const end = data.lastIndexOf(0x0a) + 1;
  return { complete: data.toString('utf8', 0, end), completeBytes: end, torn: data.toString('utf8', end) };
}

/**
 * Refuses a file --resume would otherwise append to, or start over, without
 * it being one of ours. The problem may quote the file, which can be binary:
 * the message is kept to one short line, free of control characters and
 * undecodable bytes.
 */
function notOurs(problem: string): InputError {
  const shown = problem.length > 240 ? `${problem.slice(0, 240)}...` : problem;
  return new InputError([`${shown.replace(/[\p{C}\uFFFD]/gu, '?')}; --resume leaves it untouched: move it away or choose another --out`], 'not-results');
}

/** The results table in `text`: parseable as CSV, and led by the columns every results file starts with. */
function parseOurs(file: string, text: string): ResultsTable {
  let table: ResultsTable;
  try {
    table = parseResultsCsv(file, text);
  } catch (error) {
    throw error instanceof InputError ? notOurs(error.message) : error;
  }
  const lead = table.header.slice(0, LEAD_COLUMNS.length).join(',');
  if (lead !== LEAD_COLUMNS.join(',')) {
    throw notOurs(`${file}:1: not a results file: its first columns are "${lead}", not "${LEAD_COLUMNS.join(',')}"`);
  }
  return table;
}

export class DurableCsv {
  private constructor(
    private readonly handle: FileHandle,
    readonly file: string,
    private readonly header: string[],
  ) {}

  /** Without `resume` the file must not exist: the caller moves earlier results away first, and nothing is overwritten. */
  static async open(file: string, header: string[], resume: boolean): Promise<OpenedCsv> {
    if (resume && (await exists(file))) return DurableCsv.resume(file, header);
    return { csv: await DurableCsv.start(file, header, 'wx'), done: new Set() };
  }

  /** Appends to a results file of this experiment, after checking that it is one. */
  private static async resume(file: string, header: string[]): Promise<OpenedCsv> {
    const { complete, completeBytes, torn } = await readLines(file);
    if (complete === '') {
      // A runner killed before its header line was complete left nothing to resume: start the file again.
      if (stringify([header]).startsWith(torn)) return { csv: await DurableCsv.start(file, header, 'w'), done: new Set() };
      throw notOurs(`${file}:1: not a results file: its first line is not a results header`);
    }
    const table = parseOurs(file, complete);
    if (table.header.join(',') !== header.join(',')) {
      const differs = header.find((c, i) => table.header[i] !== c) ?? table.header[header.length];
      throw new InputError([
        `${file}:1: cannot resume: its columns differ from this experiment's (first difference at "${differs}"); write to a new --out`,
      ]);
    }
    if (torn !== '') await truncate(file, completeBytes);
    const handle = await open(file, 'a');
    return { csv: new DurableCsv(handle, file, header), done: new Set(table.rows.map((r) => r.run_id)) };
  }

  /** A file holding only the header, on disk with its directory entry. */
  private static async start(file: string, header: string[], flags: 'w' | 'wx'): Promise<DurableCsv> {
    const handle = await open(file, flags);
    await handle.writeFile(stringify([header]));
    await handle.datasync();
    await syncDirectory(dirname(file));
    return new DurableCsv(handle, file, header);
  }

  /**
   * Returns once the row is on disk. Cells are kept to one line so a row is
   * one line. writeFile goes on after a short write (a disk filling up),
   * where a bare write() would leave the line torn and the next row glued to it.
   */
  async append(row: Record<string, string>): Promise<void> {
    const cells = this.header.map((c) => (row[c] ?? '').replace(/[\r\n]+/g, ' '));
    await this.handle.writeFile(stringify([cells]));
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
