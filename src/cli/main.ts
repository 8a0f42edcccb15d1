#!/usr/bin/env node
// The executable. The only place that calls process.exit: everything else
// throws typed errors, which become a message and an exit status here.
import { runCli } from './cli.js';
import { EnvironmentError, InputError, signalExitStatus, UsageError } from '../errors.js';

const controller = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // First signal: stop cleanly (workers ended, completed rows kept). Second: leave now.
    if (++interrupts > 1) process.exit(signalExitStatus(signal));
    controller.abort(signal);
  });
}

// The kernel sends SIGXFSZ with each write past a file size limit (ulimit -f). Node ignores it, but execa's exit
// hook (signal-exit) catches it and raises it again unless the process has a listener of its own, which killed the
// runner mid-row. With this one the write fails with EFBIG and is reported like a full disk.
process.on('SIGXFSZ', () => {});

try {
  const status = await runCli(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    signal: controller.signal,
  });
  process.exitCode = status;
} catch (error) {
  if (error instanceof InputError || error instanceof UsageError || error instanceof EnvironmentError) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`run-experiments: internal error: ${(error as Error).stack ?? String(error)}\n`);
    process.exitCode = 70;
  }
}
