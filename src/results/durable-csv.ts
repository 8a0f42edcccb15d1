// An append-only results CSV that survives the parent being killed at any
// moment: each row is one write() of one line followed by fdatasync, and on
// resume a torn last line (a write cut short) is cut off before appending.
import { open, readFile, rename, stat, truncate, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { InputError } from '../errors.js';
import { parseResultsCsv } from './read-csv.js';

export interface OpenedCsv {
  csv: DurableCsv;
  /** Run ids already in the file (resume only). */
  done: Set<string>;
  /** Set when an older file was moved aside instead of being appended to. */
  movedAside?: string;
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  await handle.sync().finally(() => handle.close());
}

/** Drops an incomplete last line (no newline yet) and returns the complete text. */
async function repairTail(file: string): Promise<string> {
  const text = await readFile(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  if (end === text.length) return text;
  await truncate(file, Buffer.byteLength(text.slice(0, end)));
  return text.slice(0, end);
}

export class DurableCsv {
  private constructor(
    private readonly handle: FileHandle,
    readonly file: string,
    private readonly header: string[],
  ) {}

  static async open(file: string, header: string[], resume: boolean): Promise<OpenedCsv> {
    if (resume && (await exists(file))) {
      const text = await repairTail(file);
      // A runner killed before its header line was complete left nothing to resume: start the file again.
      if (text === '') return { csv: await DurableCsv.start(file, header, 'w'), done: new Set() };
      const table = parseResultsCsv(file, text);
      if (table.header.join(',') !== header.join(',')) {
        const differs = header.find((c, i) => table.header[i] !== c) ?? table.header[header.length];
        throw new InputError([
          `${file}:1: cannot resume: its columns differ from this experiment's (first difference at "${differs}"); write to a new --out`,
        ]);
      }
      const handle = await open(file, 'a');
      return { csv: new DurableCsv(handle, file, header), done: new Set(table.rows.map((r) => r.run_id)) };
    }
    let movedAside: string | undefined;
    if (await exists(file)) {
      movedAside = file.replace(/\.csv$/, '') + '.previous.csv';
      await rename(file, movedAside);
    }
    return { csv: await DurableCsv.start(file, header, 'wx'), done: new Set(), movedAside };
  }

  /** A file holding only the header, on disk with its directory entry. */
  private static async start(file: string, header: string[], flags: 'w' | 'wx'): Promise<DurableCsv> {
    const handle = await open(file, flags);
    await handle.write(stringify([header]));
    await handle.datasync();
    await syncDirectory(dirname(file));
    return new DurableCsv(handle, file, header);
  }

  /** Returns once the row is on disk. Cells are kept to one line so a row is one line. */
  async append(row: Record<string, string>): Promise<void> {
    const cells = this.header.map((c) => (row[c] ?? '').replace(/[\r\n]+/g, ' '));
    await this.handle.write(stringify([cells]));
    await this.handle.datasync();
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
