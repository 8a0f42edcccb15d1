// One run, in its own process: RunSpec JSON on stdin, one RunResult JSON on
// the result channel (fd 3). A fresh process per run means a guest that
// wedges KVM or a crash in the core can only ever take this run down.
import { writeSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { stringify } from 'csv-stringify/sync';
import { isNativeError, nativeCore, type NativeRunResult } from '../native/addon.js';
import { hostKvmFlavour } from '../host/kvm-flavour.js';
import type { MachineSpec, RunResult, RunSpec } from '../types.js';
import { RESULT_FD } from './result-channel.js';
import { statsTxt } from './stats-txt.js';

/**
 * What counted committedInsts. On PVM single-stepping sees ring-0 code only
 * (ring-3 instructions raise no debug exit there), and the label says so.
 */
function instsSourceOf(counter: MachineSpec['instructionCounter']): string {
  return counter === 'singlestep' && hostKvmFlavour() === 'pvm' ? 'singlestep-ring0' : counter;
}

/** An uncounted statistic is left out, so its cell stays empty instead of a 0 that averages in. */
function withoutUncounted(r: NativeRunResult, counter: MachineSpec['instructionCounter']): NativeRunResult {
  if (counter !== 'none') return r;
  const drop = (values: Record<string, number>) => Object.fromEntries(Object.entries(values).filter(([name]) => name !== 'committedInsts'));
  const kept = Object.keys(r.stats).map((name, i) => [name, r.statDescriptions[i]] as const).filter(([name]) => name !== 'committedInsts');
  return { ...r, stats: drop(r.stats), statDescriptions: kept.map(([, d]) => d), dumps: r.dumps.map(drop), series: r.series.map(drop) };
}

function fromNative(spec: RunSpec, r: NativeRunResult, startTime: string): RunResult {
  return {
    runId: spec.runId,
    status: r.ok ? 'ok' : 'failed',
    exitCause: r.exitCause,
    error: r.error,
    stats: { ...r.stats, instsSource: instsSourceOf(spec.machine.instructionCounter) },
    kvm: r.kvmStats,
    devices: r.deviceStats,
    measurement: {
      tscHz: String(Math.round(r.tscHz)),
      tscSource: r.tscSource,
      timerResolutionNs: String(r.timerResolutionNs),
      quantumNs: String(r.quantumNs),
      kickCostNs: r.kickCostNs > 0 ? String(r.kickCostNs) : '',
      timeseriesRows: spec.machine.dumpEveryTicks > 0 ? String(r.series.length) : '',
      timeseriesDropped: spec.machine.dumpEveryTicks > 0 ? String(r.seriesDropped) : '',
      coalescing: r.coalescing,
      checkpoints: String(r.checkpoints.length),
      memoryDigest: r.memoryDigest,
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
  if (spec.machine.se) await mkdir(spec.machine.se.scratchDir, { recursive: true });
  const startTime = new Date().toISOString();
  let result: RunResult;
  try {
    const native = withoutUncounted(nativeCore().runMachine(spec.machine), spec.machine.instructionCounter);
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
