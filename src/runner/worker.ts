// One run, in its own process: RunSpec JSON on stdin, one RunResult JSON on
// the result channel (fd 3). A fresh process per run means a guest that
// wedges KVM or a crash in the core can only ever take this run down.
import { writeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { stringify } from 'csv-stringify/sync';
import { isNativeError, nativeCore, type NativeRunResult } from '../native/addon.js';
import type { RunResult, RunSpec } from '../types.js';
import { RESULT_FD } from './result-channel.js';
import { statsTxt } from './stats-txt.js';

function fromNative(spec: RunSpec, r: NativeRunResult, startTime: string): RunResult {
  return {
    runId: spec.runId,
    status: r.ok ? 'ok' : 'failed',
    exitCause: r.exitCause,
    error: r.error,
    stats: { ...r.stats, instsSource: spec.machine.instructionCounter },
    kvm: r.kvmStats,
    devices: r.deviceStats,
    measurement: {
      tscHz: String(Math.round(r.tscHz)),
      tscSource: r.tscSource,
      timerResolutionNs: String(r.timerResolutionNs),
      quantumNs: String(r.quantumNs),
      kickCostNs: r.kickCostNs > 0 ? String(r.kickCostNs) : '',
      coalescing: r.coalescing,
    },
    startTime,
    endTime: new Date().toISOString(),
  };
}

async function writeStatsFiles(spec: RunSpec, r: NativeRunResult): Promise<void> {
  const names = Object.keys(r.stats);
  const descriptions = Object.fromEntries(names.map((n, i) => [n, r.statDescriptions[i] ?? '']));
  const blocks = [...r.dumps, r.stats].map((values) => ({ values, descriptions }));
  await writeFile(join(spec.runDir, 'stats.txt'), statsTxt(blocks));
  if (r.series.length > 0) await writeFile(join(spec.runDir, 'timeseries.csv'), stringify(r.series, { header: true, columns: names }));
}

async function main(): Promise<void> {
  const spec = JSON.parse(await text(process.stdin)) as RunSpec;
  await mkdir(spec.runDir, { recursive: true });
  // For people who want to attach a debugger or perf to a running guest, and for tests.
  await writeFile(join(spec.runDir, 'worker.pid'), String(process.pid));
  const startTime = new Date().toISOString();
  let result: RunResult;
  try {
    const native = nativeCore().runMachine(spec.machine);
    await writeStatsFiles(spec, native);
    result = fromNative(spec, native, startTime);
  } catch (error) {
    result = {
      runId: spec.runId,
      status: 'failed',
      exitCause: isNativeError(error) ? error.code : 'worker-error',
      error: (error as Error).message,
      stats: {},
      kvm: {},
      devices: {},
      measurement: {},
      startTime,
      endTime: new Date().toISOString(),
    };
  }
  writeSync(RESULT_FD, JSON.stringify(result));
}

await main();
