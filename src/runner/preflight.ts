// Checks made before the first run, so that a bad image or an unusable
// /dev/kvm stops everything with one clear message and no rows are written.
// checkBeforeRunning is what validate, run --dry-run and run all check
// after loading (which checked the file itself): the experiment names, the
// images the files name, this host's PMU. hostWarnings is what all three say
// about this host's KVM; only run needs KVM to work.
import { existsSync, readdirSync } from 'node:fs';
import type { ExperimentPlan, PlannedPoint } from '../config/load-experiment.js';
import { readCheckpointManifest } from '../checkpoint/manifest.js';
import { decideInstructionCounter, type Counter, type CounterDecision } from './instruction-counter.js';
import { EnvironmentError, InputError } from '../errors.js';
import { isNativeError, nativeCore, type KvmProbe } from '../native/addon.js';
import { bundledGuestPath, fromExperimentFile, imagePathOf, multibootModules, seExeGuestPath, seFiles } from '../sweep/runs.js';
import { packagePath } from '../package-root.js';
import { collidingOutput, RESERVED_NAME_ENDINGS } from '../results/outputs.js';

function bundledPrograms(): string[] {
  const dir = packagePath('native/guests/build');
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.elf')).map((f) => f.slice(0, -4)) : [];
}

/** Names pick the output files: two experiments run together may not share one, or end in what another's outputs use. */
function nameProblems(plans: ExperimentPlan[], outDir: string): string[] {
  const problems: string[] = [];
  const names = new Map<string, string>();
  for (const plan of plans) {
    const other = names.get(plan.name);
    if (other) problems.push(`${plan.file}: experiment name "${plan.name}" is also used by ${other}; names pick the output file, so they must differ`);
    names.set(plan.name, plan.file);
    const collides = collidingOutput(outDir, plan.name);
    if (collides)
      problems.push(`${plan.file}: experiment name "${plan.name}" would mix its results with ${collides}, another experiment's; names may not end in ${RESERVED_NAME_ENDINGS.join(', ')}`);
  }
  return problems;
}

/** Every distinct (image, format, memory) of every point loads into guest memory, as a run would load it. */
function imageProblems(plans: ExperimentPlan[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const plan of plans) {
    for (const point of plan.points()) {
      const { guest } = point.normalized;
      const imagePath = imagePathOf(plan, point);
      const key = JSON.stringify([imagePath, guest.format, guest.memory, guest.files, guest.stdin, guest.cmdline, guest.modules]);
      if (seen.has(key)) continue;
      seen.add(key);
      if (guest.program !== undefined && !existsSync(bundledGuestPath(guest.program))) {
        const available = bundledPrograms();
        problems.push(
          `${point.locate(['guest', 'program'])}: no bundled guest program "${guest.program}"` +
            (available.length ? ` (available: ${available.join(', ')})` : ' (the guests are not built: run `npm run build:guests`)'),
        );
        continue;
      }
      if (guest.binary !== undefined) {
        // Points that differ elsewhere (a swept binary or memory) share the file's mistakes: say each once.
        for (const problem of seProblems(plan, point, imagePath)) if (!problems.includes(problem)) problems.push(problem);
        continue;
      }
      // A module that is not there is named where it is written; the image is checked with the others.
      const modules = guest.format === 'multiboot' ? multibootModules(plan, point) : [];
      const missing = modules.map((m) => !existsSync(m.path));
      const missingModules = modules.flatMap((m, i) =>
        missing[i] ? [`${point.locate(['guest', 'modules', i])}: guest.modules: ${m.path} does not exist`] : [],
      );
      try {
        const present = modules.filter((_, i) => !missing[i]);
        const boot = guest.format === 'multiboot' ? { kernelName: guest.image!, append: guest.cmdline, modules: present } : undefined;
        nativeCore().checkImage({ imagePath, imageFormat: guest.format, memoryBytes: guest.memory, boot });
      } catch (error) {
        if (!isNativeError(error)) throw error;
        // The schema bounds guest.memory as the core does; what is left about memory is an image that does not fit.
        const field = error.code === 'image-too-big' ? 'memory' : guest.program !== undefined ? 'program' : 'image';
        problems.push(`${point.locate(['guest', field])}: guest.${field}: ${error.message}`);
      }
      problems.push(...missingModules);
    }
  }
  return problems;
}

/** An SE point: every host file it names is there, and the core's checks (memory, binary, interpreter, file layout) pass. */
function seProblems(plan: ExperimentPlan, point: PlannedPoint, binaryPath: string): string[] {
  const problems: string[] = [];
  const files = seFiles(plan, point);
  const missing = files.filter((file) => !existsSync(file.host));
  try {
    // The files that are there are checked as a layout; the rest are reported below, in file order.
    const exeGuestPath = seExeGuestPath(binaryPath);
    nativeCore().checkSe({ binaryPath, exeGuestPath, memoryBytes: point.normalized.guest.memory, files: files.filter((f) => !missing.includes(f)) });
  } catch (error) {
    if (!isNativeError(error)) throw error;
    const field = error.code === 'memory-size' ? 'memory' : error.code.startsWith('sandbox-') ? 'files' : 'binary';
    problems.push(`${point.locate(['guest', field])}: guest.${field}: ${error.message}`);
  }
  for (const file of missing) problems.push(`${point.locate(['guest', 'files', file.guest])}: guest.files: ${file.guest} maps ${file.host}, which does not exist`);
  const { stdin } = point.normalized.guest;
  if (stdin !== undefined && !existsSync(fromExperimentFile(plan, stdin)))
    problems.push(`${point.locate(['guest', 'stdin'])}: guest.stdin: ${fromExperimentFile(plan, stdin)} does not exist`);
  return problems;
}

/** Opens the device and builds a VM and vCPU once; a failure ends the command (exit status 3). */
export function probeKvm(device: string): KvmProbe {
  try {
    return nativeCore().probeKvm(device);
  } catch (error) {
    if (isNativeError(error)) throw new EnvironmentError(error.message, error.code);
    throw error;
  }
}

/** How each run counts instructions, and what to tell the user about it (an automatic fallback: one note per sweep). */
export interface CounterPlan {
  counterFor(point: PlannedPoint): Counter;
  notes: string[];
}

/**
 * How each point counts instructions, given this host's PMU; impossible
 * requests are located problems. The decision is pure and cheap, so
 * counterFor makes it again for each run as it starts rather than keeping
 * one per point for the whole sweep.
 */
function decideCounters(plans: ExperimentPlan[]): CounterPlan & { problems: string[] } {
  const perf = nativeCore().probePerf();
  const decide = (point: PlannedPoint) => decideInstructionCounter(point.normalized, perf);
  const problems = new Set<string>();
  const notes = new Set<string>();
  for (const plan of plans) {
    for (const point of plan.points()) {
      const decision = decide(point);
      if (!decision.ok) problems.add(`${point.locate(decision.field)}: ${decision.field.join('.')}: ${decision.message}`);
      else if (decision.note) notes.add(decision.note);
    }
  }
  // Used only when there are no problems: every point was decided ok above, with the same host.
  return { counterFor: (point) => (decide(point) as Extract<CounterDecision, { ok: true }>).counter, notes: [...notes], problems: [...problems] };
}

/**
 * Every guest.restore names a checkpoint this build reads, of a machine like
 * the point's: same platform, same memory. Its parts' checksums are the
 * core's to verify, as it reads them.
 */
function restoreProblems(plans: ExperimentPlan[]): string[] {
  const problems: string[] = [];
  for (const plan of plans) {
    for (const point of plan.points()) {
      const { guest } = point.normalized;
      if (guest.restore === undefined) continue;
      const where = point.locate(['guest', 'restore']);
      let manifest;
      try {
        manifest = readCheckpointManifest(fromExperimentFile(plan, guest.restore));
      } catch (error) {
        problems.push(`${where}: ${(error as Error).message}`);
        continue;
      }
      if (manifest.platform !== plan.platform)
        problems.push(`${where}: the checkpoint is of a ${manifest.platform} machine; this experiment's guest makes a ${plan.platform} one`);
      if (manifest.memoryBytes !== guest.memory)
        problems.push(`${where}: the checkpointed guest had ${manifest.memoryBytes} bytes of memory; guest.memory is ${guest.memory}`);
      if (manifest.cpus !== point.normalized.machine.cpus)
        problems.push(`${where}: the checkpointed machine had ${manifest.cpus} vCPUs; machine.cpus is ${point.normalized.machine.cpus}`);
    }
  }
  return [...new Set(problems)];
}

/**
 * A checkpoint keeps SE mode's scratch folder but not a host folder mapped
 * writable: a run restored from it sees that folder as it is now, with what
 * the rest of the original run (or an earlier restored run) wrote there.
 */
function writableFolderNotes(plans: ExperimentPlan[]): string[] {
  const notes = new Set<string>();
  for (const plan of plans) {
    for (const point of plan.points()) {
      const { guest, checkpoint } = point.normalized;
      if (guest.restore === undefined && !checkpoint.warmup) continue;
      for (const [guestPath, mapping] of Object.entries(guest.files ?? {}))
        if (typeof mapping === 'object' && mapping.writable)
          notes.add(
            `${point.locate(['guest', 'files', guestPath])}: ${guestPath} is writable and a checkpoint does not keep it: ` +
              'runs started from the checkpoint find it as the host has it then, not as it was when the checkpoint was taken',
          );
    }
  }
  return [...notes];
}

/**
 * The checks of every point that validate, run --dry-run and run make alike
 * before any worker starts: every image loads into its guest memory, and
 * every instruction counter asked for is one this host has. Throws one
 * InputError with all their problems, located.
 */
export function checkBeforeRunning(plans: ExperimentPlan[], outDir: string): CounterPlan {
  const { counterFor, notes, problems } = decideCounters(plans);
  const all = [...nameProblems(plans, outDir), ...imageProblems(plans), ...restoreProblems(plans), ...problems];
  if (all.length > 0) throw new InputError(all);
  return { counterFor, notes: [...notes, ...writableFolderNotes(plans)] };
}

/** Whether any point of `plan` turns coalesced MMIO on. */
function usesCoalescedMMIO(plan: ExperimentPlan): boolean {
  for (const point of plan.points()) if (point.normalized.cpu.useCoalescedMMIO) return true;
  return false;
}

/**
 * What validate, run --dry-run and run say about this host's KVM before any
 * run: features the files ask for that it lacks, and quanta it will raise.
 * Where KVM cannot be opened, validate and dry runs say so and go on; run
 * stops (its own probe throws).
 */
export function hostWarnings(plans: ExperimentPlan[], kvmDevice: string): string[] {
  let probe: KvmProbe;
  try {
    probe = probeKvm(kvmDevice);
  } catch (error) {
    if (!(error instanceof EnvironmentError)) throw error;
    return [`KVM's capabilities were not checked: ${error.message}`];
  }
  return [...capabilityWarnings(plans, probe), ...quantumWarnings(plans, kvmDevice)];
}

/** Features an experiment asks for that this host's KVM cannot give; the runs go on without them. */
function capabilityWarnings(plans: ExperimentPlan[], probe: KvmProbe): string[] {
  const warnings: string[] = [];
  const coalesced = plans.filter(usesCoalescedMMIO);
  if (coalesced.length > 0 && !(probe.capabilities.COALESCED_MMIO > 0))
    warnings.push(`${coalesced.map((p) => p.name).join(', ')}: cpu.useCoalescedMMIO is set, but this KVM has no KVM_CAP_COALESCED_MMIO: every write exits (the coalescing column says "unsupported")`);
  else if (coalesced.length > 0 && !(probe.capabilities.COALESCED_PIO > 0))
    warnings.push(`${coalesced.map((p) => p.name).join(', ')}: this KVM has no KVM_CAP_COALESCED_PIO: port writes are not coalesced (the coalescing column says "mmio-only")`);
  return warnings;
}

/**
 * Quanta the core will raise to this host's kick floor (twice what a timer
 * kick costs, measured here once; each run measures again and reports the
 * quantum it used in quantumNs). One line per distinct quantum, located.
 */
function quantumWarnings(plans: ExperimentPlan[], kvmDevice: string): string[] {
  const core = nativeCore();
  const short = new Map<number, string>();
  for (const plan of plans)
    for (const point of plan.points()) {
      const quantum = point.normalized.cpu.timer.quantum;
      if (quantum < core.measureKickBelowNs && !short.has(quantum)) short.set(quantum, point.locate(['cpu', 'timer', 'quantum']));
    }
  if (short.size === 0) return [];
  const kick = core.measureKickCost(kvmDevice);
  const us = (ns: number) => `${(ns / 1000).toFixed(1)} us`;
  return [...short]
    .filter(([quantum]) => quantum < kick.floorNs)
    .map(([quantum, where]) => `${where}: cpu.timer.quantum ${us(quantum)} is shorter than a timer kick allows here (${us(kick.medianNs)} per kick, measured): runs use about ${us(kick.floorNs)} (the quantumNs column)`);
}
