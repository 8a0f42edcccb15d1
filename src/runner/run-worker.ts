// The parent's half of the worker protocol: start a fresh process for one
// run, hand it the RunSpec, and turn whatever happens (a result, a crash, a
// hang, garbage) into a RunResult. Never throws for a worker's misbehaviour;
// throws only when the whole sweep is being cancelled.
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { packagePath } from '../package-root.js';
import type { RunResult, RunSpec, RunStatus } from '../types.js';
import { MAX_RESULT_BYTES, RESULT_FD } from './result-channel.js';

export interface WorkerCommand {
  file: string;
  args: string[];
}

/** The real worker, or a stand-in named by RUN_EXPERIMENTS_WORKER (a Node script; tests and benches use one). */
export function workerCommand(env: NodeJS.ProcessEnv): WorkerCommand {
  const script = env.RUN_EXPERIMENTS_WORKER || packagePath('dist/runner/worker.js');
  return { file: process.execPath, args: [script] };
}

/** Grace between SIGTERM and SIGKILL for a worker past its wall timeout. */
export const KILL_GRACE_MS = 2000;
/**
 * Signals that stop the runner too (src/cli/main.ts). Ctrl-C reaches the whole
 * process group and Slurm signals every process of a job, so a worker killed
 * by one of these was usually stopped along with the runner, which may see
 * the worker's death before its own signal.
 */
const RUNNER_STOP_SIGNALS = ['SIGINT', 'SIGTERM'];
/** How long such a worker's death waits for the sweep to be cancelled before it counts as a crash. */
const SHARED_STOP_GRACE_MS = 500;
const DIAGNOSTIC_BYTES = 2000;

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}

function tail(text: unknown): string {
  const s = typeof text === 'string' ? text.trim() : '';
  return s.length > DIAGNOSTIC_BYTES ? `...${s.slice(-DIAGNOSTIC_BYTES)}` : s;
}

function parseResult(raw: string, spec: RunSpec): RunResult | string {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return `the worker wrote an unreadable result: ${JSON.stringify(raw.slice(0, 200))}`;
  }
  const r = value as Partial<RunResult>;
  const statuses: RunStatus[] = ['ok', 'failed', 'timeout', 'crashed'];
  if (!r || typeof r !== 'object' || r.runId !== spec.runId || !statuses.includes(r.status as RunStatus) || typeof r.stats !== 'object')
    return `the worker wrote a result that is not a RunResult for ${spec.runId}: ${JSON.stringify(raw.slice(0, 200))}`;
  return r as RunResult;
}

async function cancelledWithin(signal: AbortSignal, ms: number): Promise<boolean> {
  return sleep(ms, false, { signal }).catch(() => true);
}

function synthetic(spec: RunSpec, status: RunStatus, exitCause: string, error: string, startTime: string): RunResult {
  return { runId: spec.runId, status, exitCause, error, stats: {}, kvm: {}, devices: {}, measurement: {}, startTime, endTime: new Date().toISOString() };
}

export async function runInWorker(spec: RunSpec, command: WorkerCommand, signal: AbortSignal): Promise<RunResult> {
  const startTime = new Date().toISOString();
  const child = await execa(command.file, command.args, {
    input: JSON.stringify(spec),
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    timeout: spec.wallTimeoutMs,
    killSignal: 'SIGTERM',
    forceKillAfterDelay: KILL_GRACE_MS,
    cancelSignal: signal,
    maxBuffer: { stdout: 1 << 20, stderr: 1 << 20, [`fd${RESULT_FD}`]: MAX_RESULT_BYTES } as never,
    stripFinalNewline: false,
    reject: false,
  });
  if (child.isCanceled) throw new CancelledError();
  const output = tail(child.stderr) || tail(child.stdout);
  const context = output ? `; worker output: ${output}` : '';
  if (child.timedOut)
    return synthetic(spec, 'timeout', 'wall-timeout', `no result within limits.wallTimeout (${spec.wallTimeoutMs / 1000} s): the worker was killed${context}`, startTime);
  const raw = String(child.stdio[RESULT_FD] ?? '');
  if (raw.trim() !== '') {
    const parsed = parseResult(raw, spec);
    return typeof parsed === 'string' ? synthetic(spec, 'crashed', 'worker-garbage', parsed + context, startTime) : parsed;
  }
  // An interrupted run is not a crashed one: it gets no row, so --resume runs it again.
  if (child.signal && RUNNER_STOP_SIGNALS.includes(child.signal) && (await cancelledWithin(signal, SHARED_STOP_GRACE_MS))) throw new CancelledError();
  if (child.signal) return synthetic(spec, 'crashed', 'worker-signal', `the worker was killed by ${child.signal} before it reported${context}`, startTime);
  return synthetic(spec, 'crashed', 'worker-exit', `the worker exited with status ${child.exitCode} without a result${context}`, startTime);
}
