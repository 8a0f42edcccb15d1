// Reading an experiment file, bounded before anything is parsed: only a
// regular file (a FIFO or a terminal would block the read for ever, a device
// such as /dev/zero never ends), and at most MAX_FILE_BYTES of it.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { kindOf } from './file-kind.js';

/** 1 MiB: a hand-written experiment is a few hundred bytes; a generated one should say its values as ranges and zip groups. */
const MAX_FILE_BYTES = 1024 * 1024;

/** The file's first `limit` + 1 bytes at most: a file may grow after fstat, and some (in /proc) say they are empty. */
async function readAtMost(handle: FileHandle, limit: number): Promise<Buffer> {
  const buffer = Buffer.alloc(limit + 1);
  let filled = 0;
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buffer.subarray(0, filled);
}

async function readBounded(file: string, handle: FileHandle): Promise<string> {
  const stats = await handle.stat();
  if (!stats.isFile()) throw new InputError([`${file}: is ${kindOf(stats)}; an experiment file must be a regular file`], 'not-a-file');
  const bytes = await readAtMost(handle, MAX_FILE_BYTES);
  if (bytes.length > MAX_FILE_BYTES) throw new InputError([`${file}: larger than 1 MiB (${MAX_FILE_BYTES} bytes), the most an experiment file may be`], 'too-large');
  return bytes.toString('utf8');
}

function unreadable(file: string, error: unknown): InputError {
  return new InputError([`${file}: cannot read experiment file: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`], 'unreadable');
}

/** The text of an experiment file, or an InputError naming it. */
export async function readExperimentFile(file: string): Promise<string> {
  let handle: FileHandle;
  try {
    // Non-blocking: a FIFO's open otherwise waits for a writer, in a thread the process cannot end without.
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw unreadable(file, error);
  }
  try {
    return await readBounded(file, handle);
  } catch (error) {
    throw error instanceof InputError ? error : unreadable(file, error);
  } finally {
    await handle.close();
  }
}
