// An experiment plan into RunSpecs: one per point and repeat, each with its
// stable id, its machine configuration and its output folder. Runs are made
// as they are asked for, so a sweep's runs are never all in memory at once.
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import type { ExperimentPlan, PlannedPoint } from '../config/load-experiment.js';
import { readCheckpointManifest, type CheckpointPart } from '../checkpoint/manifest.js';
import { argsString } from '../config/experiment.js';
import { effectiveParams } from '../config/effective-params.js';
import { packagePath } from '../package-root.js';
import type { MachineSpec, PcSpec, RunSpec, SeSpec } from '../types.js';
import type { CountedRuns } from './counted-runs.js';
import { runId } from './run-id.js';

export interface RunContext {
  outDir: string;
  kvmDevice: string;
  /** How each point counts instructions (decided once per point by preflight). */
  counterFor(point: PlannedPoint): MachineSpec['instructionCounter'];
  /** checkpoint.warmup: the warm-up's checkpoint, which every run starts from. */
  warmupCheckpoint?: string;
}

export function bundledGuestPath(program: string): string {
  return packagePath(`native/guests/build/${program}.elf`);
}

/** A host path the experiment file names, relative to that file. */
export function fromExperimentFile(plan: ExperimentPlan, path: string): string {
  return isAbsolute(path) ? path : resolve(dirname(plan.file), path);
}

/** The file the guest runs from: a bundled program, an image, or an SE binary. */
export function imagePathOf(plan: ExperimentPlan, point: PlannedPoint): string {
  const guest = point.normalized.guest;
  if (guest.program !== undefined) return bundledGuestPath(guest.program);
  return fromExperimentFile(plan, (guest.binary ?? guest.image)!);
}

/** guest.files with host paths resolved against the experiment file. */
export function seFiles(plan: ExperimentPlan, point: PlannedPoint): SeSpec['files'] {
  return Object.entries(point.normalized.guest.files).map(([at, target]) =>
    typeof target === 'string'
      ? { guest: at, host: fromExperimentFile(plan, target), writable: false }
      : { guest: at, host: fromExperimentFile(plan, target.host), writable: target.writable ?? false },
  );
}

/** QEMU's -initrd items: "file [args]", the file relative to the experiment file, the whole item its command line. */
export function multibootModules(plan: ExperimentPlan, point: PlannedPoint): PcSpec['modules'] {
  return point.normalized.guest.modules.map((item) => ({ path: fromExperimentFile(plan, item.split(' ')[0]), cmdline: item }));
}

function pcSpec(plan: ExperimentPlan, point: PlannedPoint): PcSpec {
  const { guest, devices } = point.normalized;
  return {
    kernelName: guest.image!,
    append: guest.cmdline,
    modules: multibootModules(plan, point),
    debugExitPort: devices.isaDebugExit.iobase,
    debugExitSize: devices.isaDebugExit.iosize,
    debugExitSuccess: devices.isaDebugExit.success,
  };
}

/** Where the program finds itself (argv[0], /proc/self/exe): /bin/<its file name>. */
export function seExeGuestPath(binary: string): string {
  return `/bin/${basename(binary)}`;
}

function seSpec(plan: ExperimentPlan, point: PlannedPoint, runDir: string): SeSpec {
  const { guest, se } = point.normalized;
  return {
    exeGuestPath: seExeGuestPath(guest.binary!),
    argv: guest.argv,
    env: Object.entries(guest.env).map(([name, value]) => `${name}=${String(value)}`),
    files: seFiles(plan, point),
    scratchDir: join(runDir, 'scratch'),
    stdinPath: guest.stdin === undefined ? '' : fromExperimentFile(plan, guest.stdin),
    stdoutPath: join(runDir, 'stdout.log'),
    stderrPath: join(runDir, 'stderr.log'),
    seed: se.seed,
    epochSeconds: se.epoch,
    unsupportedSyscall: se.unsupportedSyscall,
    clock: se.clock,
    tracePath: se.trace ? join(runDir, 'syscalls.log') : '',
  };
}

function restoreSpec(folder: string): { dir: string; parts: CheckpointPart[] } {
  const { dir, parts } = readCheckpointManifest(folder);
  return { dir, parts };
}

function machineSpec(plan: ExperimentPlan, point: PlannedPoint, context: RunContext, runDir: string): MachineSpec {
  const { guest, cpu, machine, limits, devices, stats, checkpoint } = point.normalized;
  return {
    kvmDevice: context.kvmDevice,
    imagePath: imagePathOf(plan, point),
    imageFormat: guest.format,
    args: argsString(guest.args),
    memoryBytes: guest.memory,
    cpu,
    machine,
    maxTicks: limits.maxTicks ?? 0,
    maxInsts: limits.maxInsts ?? 0,
    instructionCounter: context.counterFor(point),
    unclaimedAccess: devices.unclaimedAccess,
    dumpEveryTicks: (stats.dumpEvery ?? 0) * 1000,
    memoryDigest: stats.memoryDigest,
    consolePath: guest.binary === undefined ? join(runDir, 'console.log') : '',
    checkpoint: {
      dir: checkpoint.dir === undefined ? join(runDir, 'checkpoints') : fromExperimentFile(plan, checkpoint.dir),
      atTicks: checkpoint.atTicks ?? 0,
      atInsts: checkpoint.atInsts ?? 0,
      onGuestRequest: checkpoint.onGuestRequest,
      stopAfter: false,
    },
    restore:
      guest.restore !== undefined
        ? restoreSpec(fromExperimentFile(plan, guest.restore))
        : context.warmupCheckpoint !== undefined
          ? restoreSpec(context.warmupCheckpoint)
          : undefined,
    se: guest.binary === undefined ? undefined : seSpec(plan, point, runDir),
    pc: guest.format === 'multiboot' ? pcSpec(plan, point) : undefined,
  };
}

/** A run before its machine is configured: enough to name it, list it and shard it. */
export interface PlannedRun {
  point: PlannedPoint;
  repeat: number;
  runId: string;
}

/** Every point's repeats, in order; the duplicate points that would share ids were refused when the plan was made. */
export function plannedRuns(plan: ExperimentPlan): CountedRuns<PlannedRun> {
  return {
    count: plan.pointCount * plan.repeat,
    *[Symbol.iterator]() {
      for (const point of plan.points())
        for (let repeat = 0; repeat < plan.repeat; repeat++) yield { point, repeat, runId: runId(plan.name, point.normalized, repeat) };
    },
  };
}

export function runSpecOf(plan: ExperimentPlan, run: PlannedRun, context: RunContext): RunSpec {
  const runDir = join(context.outDir, plan.name, run.runId);
  return {
    experiment: plan.name,
    experimentFile: plan.file,
    runId: run.runId,
    point: run.point.index,
    repeat: run.repeat,
    params: { ...effectiveParams(run.point.normalized), ...run.point.params },
    machine: machineSpec(plan, run.point, context, runDir),
    runDir,
    wallTimeoutMs: run.point.normalized.limits.wallTimeout / 1e6,
  };
}
