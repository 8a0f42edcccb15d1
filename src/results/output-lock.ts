// One runner per results file. Two runners appending to one CSV repeat runs
// (each reads the done ids once, when it starts) and interleave their rows,
// so a runner holds <out>/<name>.lock while it writes there: created with
// O_EXCL, saying who holds it, removed when the runner ends. A lock whose
// runner is gone is taken over only when that is certain: same host, and its
// pid no longer runs (or is another process by now).
import { readFileSync } from 'node:fs';
import { link, open, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EnvironmentError } from '../errors.js';
import { storing } from './storing.js';

interface Holder {
  pid: number;
  host: string;
  /** When the runner took the lock (ISO 8601), for people reading the file or an error. */
  started: string;
  /** The kernel's start time of `pid` (clock ticks since boot): tells the runner from a later process given the same pid. */
  pidStart?: string;
}

/** State and start time of a process, from /proc/<pid>/stat; undefined where that cannot be read. */
function procStat(pid: number): { state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may itself hold spaces: state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], start: fields[19] };
  } catch {
    return undefined;
  }
}

function ourselves(): Holder {
  return { pid: process.pid, host: hostname(), started: new Date().toISOString(), pidStart: procStat(process.pid)?.start };
}

/** Whether the holder may still run. Anything we cannot be sure of counts as running, so a live lock is never taken. */
function mayRun(holder: Holder): boolean {
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const stat = procStat(holder.pid);
  if (stat === undefined) return true;
  return stat.state !== 'Z' && (holder.pidStart === undefined || stat.start === holder.pidStart);
}

function parseHolder(text: string): Holder | undefined {
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    // A pid of 0 or less would make kill(pid, 0) probe a process group.
    const ok =
      Number.isInteger(value.pid) &&
      value.pid! > 0 &&
      typeof value.host === 'string' &&
      typeof value.started === 'string' &&
      ['string', 'undefined'].includes(typeof value.pidStart);
    return ok ? (value as Holder) : undefined;
  } catch {
    return undefined;
  }
}

/** Creates `file` holding `text` unless it exists; false when it does. */
async function createExclusive(file: string, text: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(text);
  } catch (error) {
    // An empty lock (a full disk, say) would stop every later runner until removed by hand.
    await unlink(file).catch(() => undefined);
    throw error;
  } finally {
    await handle.close();
  }
  return true;
}

/**
 * The lock's text, undefined when it is gone. A runner writes its lock just
 * after creating it, so an empty one is read again for a moment before it is
 * taken for what it says.
 */
async function readLock(file: string): Promise<string | undefined> {
  for (let attempt = 0; ; attempt++) {
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (text !== '' || attempt === 10) return text;
    await sleep(50);
  }
}

/**
 * Removes the stale lock whose text was `staleText`, never a live one: it is
 * first renamed to a name of our own, so of several runners taking it over
 * at once one moves it and the others find it gone. What was moved may be a
 * lock another runner made after we read the stale one: that is put back
 * with link(), which never replaces a lock made in between (only a third
 * runner starting within that instant could be missed).
 */
async function removeStale(file: string, staleText: string): Promise<void> {
  const aside = join(dirname(file), `.${basename(file)}.${process.pid}.stale`);
  try {
    await rename(file, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if ((await readFile(aside, 'utf8')) !== staleText) {
    await link(aside, file).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  await unlink(aside);
}

function heldElsewhere(file: string, holder: Holder): EnvironmentError {
  const who = `runner pid ${holder.pid} on host ${holder.host} (since ${holder.started})`;
  const message =
    holder.host === hostname()
      ? `${file}: another run-experiments is writing these results: ${who}; wait for it to end, or write to another --out`
      : `${file}: these results are locked by ${who}; a lock from another host is never taken over: if that runner is no longer running, remove ${file}`;
  return new EnvironmentError(message, 'results-locked');
}

export class OutputLock {
  private constructor(
    readonly file: string,
    private readonly text: string,
  ) {}

  /** Takes the lock, or throws naming its holder. `note` hears of a dead runner's lock taken over. */
  static async acquire(file: string, note: (text: string) => void): Promise<OutputLock> {
    const text = `${JSON.stringify(ourselves())}\n`;
    for (;;) {
      if (await createExclusive(file, text)) return new OutputLock(file, text);
      const held = await readLock(file);
      if (held === undefined) continue;
      const holder = parseHolder(held);
      if (holder === undefined) {
        throw new EnvironmentError(
          `${file}: a lock file that does not say who holds it (${JSON.stringify(held.slice(0, 80))}); if no run-experiments writes to this folder, remove it`,
          'results-locked',
        );
      }
      if (mayRun(holder)) throw heldElsewhere(file, holder);
      note(`${file}: taking over the lock of runner pid ${holder.pid} (since ${holder.started}), which no longer runs on this host`);
      await removeStale(file, held);
    }
  }

  /**
   * Removes the lock if it is still ours (had someone removed it by hand, it
   * may be another runner's by now). Best effort: a lock left behind names a
   * pid that no longer runs, and the next runner on this host takes it over.
   */
  async release(): Promise<void> {
    const text = await readFile(this.file, 'utf8').catch(() => undefined);
    if (text === this.text) await unlink(this.file).catch(() => undefined);
  }
}

/** Runs `body` holding the lock of every file in `files`, taken before it starts and released however it ends. */
export async function withOutputLocks<T>(files: string[], note: (text: string) => void, body: () => Promise<T>): Promise<T> {
  const held: OutputLock[] = [];
  try {
    for (const file of files) held.push(await storing(file, () => OutputLock.acquire(file, note)));
    return await body();
  } finally {
    for (const lock of held) await lock.release();
  }
}
