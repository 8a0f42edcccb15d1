// An experiment plan into RunSpecs: one per point and repeat, each with its
// stable id, its machine configuration and its output folder.
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { ExperimentPlan, PlannedPoint } from '../config/load-experiment.js';
import { argsString } from '../config/experiment.js';
import { packagePath } from '../package-root.js';
import type { MachineSpec, RunSpec } from '../types.js';
import { runId } from './run-id.js';
import { InputError } from '../errors.js';

export interface RunContext {
  outDir: string;
  kvmDevice: string;
  /** How each point counts instructions (decided once per point by preflight). */
  counterFor(point: PlannedPoint): MachineSpec['instructionCounter'];
}

export function bundledGuestPath(program: string): string {
  return packagePath(`native/guests/build/${program}.elf`);
}

export function imagePathOf(plan: ExperimentPlan, point: PlannedPoint): string {
  const guest = point.normalized.guest;
  if (guest.program !== undefined) return bundledGuestPath(guest.program);
  const image = guest.image!;
  return isAbsolute(image) ? image : resolve(dirname(plan.file), image);
}

function machineSpec(plan: ExperimentPlan, point: PlannedPoint, context: RunContext, runDir: string): MachineSpec {
  const { guest, cpu, limits, devices, stats } = point.normalized;
  const zones = [...(cpu.coalescedMMIO ?? []).map((z) => ({ ...z, pio: false })), ...(cpu.coalescedPIO ?? []).map((z) => ({ ...z, pio: true }))];
  return {
    kvmDevice: context.kvmDevice,
    imagePath: imagePathOf(plan, point),
    imageFormat: guest.format,
    args: argsString(guest.args),
    memoryBytes: guest.memory,
    hostFactor: cpu.hostFactor,
    clockHz: cpu.clock,
    quantumNs: cpu.timer.quantum,
    maxTicks: limits.maxTicks,
    maxInsts: limits.maxInsts,
    instructionCounter: context.counterFor(point),
    unclaimedAccess: devices.unclaimedAccess,
    alwaysSyncTC: cpu.alwaysSyncTC,
    dumpEveryTicks: stats.dumpEvery * 1000,
    useCoalescedMMIO: cpu.useCoalescedMMIO,
    deviceMmioZones: cpu.coalescedMMIO === undefined,
    devicePioZones: cpu.coalescedPIO === undefined,
    coalescedZones: zones,
    consolePath: join(runDir, 'console.log'),
  };
}

/** A run before its machine is configured: enough to name it, list it and shard it. */
export interface PlannedRun {
  point: PlannedPoint;
  repeat: number;
  runId: string;
}

export function plannedRuns(plan: ExperimentPlan): PlannedRun[] {
  const runs: PlannedRun[] = [];
  const pointById = new Map<string, number>();
  for (const point of plan.points) {
    for (let repeat = 0; repeat < plan.repeat; repeat++) {
      const id = runId(plan.name, point.normalized, repeat);
      const twin = pointById.get(id);
      if (twin !== undefined)
        throw new InputError([`${plan.file}: sweep points ${twin} and ${point.index} are the same configuration (a value listed twice?)`]);
      pointById.set(id, point.index);
      runs.push({ point, repeat, runId: id });
    }
  }
  return runs;
}

export function runSpecOf(plan: ExperimentPlan, run: PlannedRun, context: RunContext): RunSpec {
  const runDir = join(context.outDir, plan.name, run.runId);
  return {
    experiment: plan.name,
    experimentFile: plan.file,
    runId: run.runId,
    point: run.point.index,
    repeat: run.repeat,
    params: run.point.params,
    machine: machineSpec(plan, run.point, context, runDir),
    runDir,
    wallTimeoutMs: run.point.normalized.limits.wallTimeout / 1e6,
  };
}
