// A results write the system refuses (a full disk, a file size limit, a
// read-only mount) is the machine's problem, not a bug in the tool: one line
// naming the file and the errno, exit status 3, never a stack trace.
import { EnvironmentError } from '../errors.js';

/** System errors carry the failing call; programming errors (ERR_*) do not and pass through as they are. */
function isSystemError(error: unknown): error is NodeJS.ErrnoException {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).syscall === 'string';
}

/** Runs `store`; a system error in it becomes an EnvironmentError naming `file`, followed by `advice` when given. */
export async function storing<T>(file: string, store: () => Promise<T>, advice?: string): Promise<T> {
  try {
    return await store();
  } catch (error) {
    if (!isSystemError(error)) throw error;
    throw new EnvironmentError(`${file}: cannot store results: ${error.message}${advice ? `; ${advice}` : ''}`, 'results-unwritable');
  }
}
