// Earlier results are never overwritten: a run without --resume first moves
// the experiment's CSV, summary and run folders together into the next free
// numbered generation, <out>/<name>.previous/<n>/, so that each invocation's
// rows stay beside the run folders they describe. Nothing is ever deleted.
import { mkdir, readdir, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { exists, syncDirectory } from './durable-csv.js';
import type { ExperimentOutputs } from './outputs.js';

export interface Generation {
  /** <out>/<name>.previous/<n> */
  dir: string;
  /** What moved there, e.g. ["x.csv", "x.summary.csv", "x/"]. */
  moved: string[];
}

/** Moves the results present at `outputs` into a new generation; undefined when there were none. */
export async function moveToNewGeneration(outputs: ExperimentOutputs): Promise<Generation | undefined> {
  const present: string[] = [];
  for (const path of [outputs.csv, outputs.summary, outputs.runs]) if (await exists(path)) present.push(path);
  if (present.length === 0) return undefined;
  const dir = await claimGeneration(outputs.generations);
  for (const path of present) await rename(path, join(dir, basename(path)));
  await syncDirectory(dir);
  await syncDirectory(dirname(outputs.csv));
  return { dir, moved: present.map((path) => (path === outputs.runs ? `${basename(path)}/` : basename(path))) };
}

/**
 * Makes `dir`, false when it exists. Not recursive: the parent exists, and
 * Node retries a recursive mkdir for ever where the kernel takes no new
 * entries (see src/results/output-dir.ts).
 */
async function madeFolder(dir: string): Promise<boolean> {
  try {
    await mkdir(dir);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

/**
 * Creates the next numbered folder, after the highest there. mkdir fails on
 * an existing folder, so a number is claimed atomically even if something
 * made that one meanwhile.
 */
async function claimGeneration(root: string): Promise<string> {
  await madeFolder(root);
  const numbers = (await readdir(root)).filter((entry) => /^[1-9]\d*$/.test(entry)).map(Number);
  for (let n = Math.max(0, ...numbers) + 1; ; n++) {
    const dir = join(root, String(n));
    if (await madeFolder(dir)) return dir;
  }
}
