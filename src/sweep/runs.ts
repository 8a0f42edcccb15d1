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

function machineSpec(plan: ExperimentPlan, point: PlannedPoint, kvmDevice: string, runDir: string): MachineSpec {
  const { guest, cpu, limits, devices } = point.normalized;
  const zones = [...(cpu.coalescedMMIO ?? []).map((z) => ({ ...z, pio: false })), ...(cpu.coalescedPIO ?? []).map((z) => ({ ...z, pio: true }))];
  return {
    kvmDevice,
    imagePath: imagePathOf(plan, point),
    imageFormat: guest.format,
    args: argsString(guest.args),
    memoryBytes: guest.memory,
    hostFactor: cpu.hostFactor,
    clockHz: cpu.clock,
    quantumNs: cpu.timer.quantum,
    maxTicks: limits.maxTicks,
    unclaimedAccess: devices.unclaimedAccess,
    useCoalescedMMIO: cpu.useCoalescedMMIO,
    deviceMmioZones: cpu.coalescedMMIO === undefined,
    devicePioZones: cpu.coalescedPIO === undefined,
    coalescedZones: zones,
    consolePath: join(runDir, 'console.log'),
  };
}

export function runsOf(plan: ExperimentPlan, context: RunContext): RunSpec[] {
  const runs: RunSpec[] = [];
  const pointById = new Map<string, number>();
  for (const point of plan.points) {
    for (let repeat = 0; repeat < plan.repeat; repeat++) {
      const id = runId(plan.name, point.normalized, repeat);
      const twin = pointById.get(id);
      if (twin !== undefined)
        throw new InputError([`${plan.file}: sweep points ${twin} and ${point.index} are the same configuration (a value listed twice?)`]);
      pointById.set(id, point.index);
      const runDir = join(context.outDir, plan.name, id);
      runs.push({
        experiment: plan.name,
        experimentFile: plan.file,
        runId: id,
        point: point.index,
        repeat,
        params: point.params,
        machine: machineSpec(plan, point, context.kvmDevice, runDir),
        runDir,
        wallTimeoutMs: point.normalized.limits.wallTimeout / 1e6,
      });
    }
  }
  return runs;
}
