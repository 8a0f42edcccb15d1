import { constants } from 'node:os';
import { setTimeout as turnOfEventLoop } from 'node:timers/promises';

// Typed failures. Everything below the CLI throws one of these; only
// src/cli/main.ts turns them into a message and an exit status.

/** A problem with what the user gave us (a file, a flag). Exit status 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly code = 'usage',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

/** One or more located problems in input files, each already "file:line:col: message". Exit status 2. */
export class InputError extends Error {
  readonly exitCode = 2;
  constructor(
    readonly problems: string[],
    readonly code = 'invalid-input',
  ) {
    super(problems.join('\n'));
    this.name = 'InputError';
  }
}

/** The machine cannot run experiments (no usable /dev/kvm, ...). Exit status 3. */
export class EnvironmentError extends Error {
  readonly exitCode = 3;
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

/** The shell's status for a run ended by `signal` (SIGINT 130, SIGTERM 143): the abort reason src/cli/main.ts gives. */
export function signalExitStatus(signal: unknown): number {
  const number = typeof signal === 'string' ? constants.signals[signal as NodeJS.Signals] : undefined;
  return 128 + (number ?? constants.signals.SIGINT);
}

/**
 * After synchronous work (loading a large file), the exit status for a signal
 * that came during it, or undefined. The signal's handler runs only once the
 * event loop has turned past its poll phase: a timer does that, an immediate does not.
 */
export async function signalledDuring(signal: AbortSignal): Promise<number | undefined> {
  await turnOfEventLoop(0);
  return signal.aborted ? signalExitStatus(signal.reason) : undefined;
}
