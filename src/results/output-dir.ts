// The output folder (--out), made and checked before the first run, so that
// a bad one is one line naming it rather than a hang or a stack trace.
// Not mkdir({ recursive: true }): Node's retries for ever, at full CPU in a
// thread the process cannot end without, when a folder exists but the
// kernel answers ENOENT for a new entry in it (anything under /proc).
// Exit statuses follow the results writes (src/results/storing.ts): a path
// that is not a folder is the user's to fix (2); a folder the system will
// not create or let us write in is the machine's (3).
import type { Stats } from 'node:fs';
import { lstat, mkdir, mkdtemp, readlink, rmdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { kindOf } from '../config/file-kind.js';
import { EnvironmentError, UsageError } from '../errors.js';

function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  // From mkdir in a folder that exists, ENOENT means the file system takes no new entries (procfs).
  return code === 'ENOENT' ? 'ENOENT: the file system takes no new entries there' : code;
}

/** `folder` as a message names it: "it" when it is the output folder itself. */
function named(out: string, folder: string): string {
  return folder === out ? 'it' : folder;
}

function refused(out: string, what: string, error: unknown): EnvironmentError {
  return new EnvironmentError(`--out ${out}: ${what} (${errorCode(error)})`, 'output-unwritable');
}

function notAFolder(out: string, folder: string, problem: string): UsageError {
  return new UsageError(`--out ${out}: ${folder === out ? '' : `${folder} `}${problem}`, 'bad-output');
}

/** What `folder` is, following symbolic links; undefined when nothing is there (ENOTDIR: an ancestor is no folder, which its own check reports). */
async function statOf(out: string, folder: string): Promise<Stats | undefined> {
  try {
    return await stat(folder);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw refused(out, `cannot look at ${named(out, folder)}`, error);
  }
  const link = await lstat(folder).catch(() => undefined);
  if (link?.isSymbolicLink()) throw notAFolder(out, folder, `is a symbolic link to ${await readlink(folder)}, which does not exist`);
  return undefined;
}

/** Makes `folder` and its missing ancestors, outermost first, one mkdir each: a failure is final, never retried. */
async function makeFolder(out: string, folder: string): Promise<void> {
  let stats = await statOf(out, folder);
  if (stats === undefined) {
    const parent = dirname(folder);
    if (parent !== folder) await makeFolder(out, parent);
    try {
      await mkdir(folder);
      return;
    } catch (error) {
      // EEXIST: made meanwhile, by another runner perhaps; what it is is checked below.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw refused(out, `cannot create ${named(out, folder)}`, error);
      stats = await statOf(out, folder);
      if (stats === undefined) throw refused(out, `cannot create ${named(out, folder)}`, error);
    }
  }
  if (!stats.isDirectory()) throw notAFolder(out, folder, `is ${kindOf(stats)}, not a folder`);
}

/** Makes the output folder `out` if need be, and checks that runs can make their folders in it. */
export async function prepareOutputFolder(out: string): Promise<void> {
  await makeFolder(out, out);
  // A real entry, not access(W_OK): that passes for root in /proc, where no entry can be made.
  try {
    await rmdir(await mkdtemp(join(out, '.write-check-')));
  } catch (error) {
    throw refused(out, 'cannot create anything in it', error);
  }
}
