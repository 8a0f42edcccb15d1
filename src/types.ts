// The plain data that flows from one stage to the next (DESIGN.md, "The data
// flow"). Defined once here; every stage imports from this file.
import type { CheckpointPart } from './checkpoint/manifest.js';
import type { NormalizedPoint } from './config/experiment.generated.js';

/** What the native core needs to build and run one machine (mirrors MachineConfig in native/src/machine.hh). */
export interface MachineSpec {
  kvmDevice: string;
  imagePath: string;
  imageFormat: NormalizedPoint['guest']['format'];
  args: string;
  memoryBytes: number;
  /**
   * The point's `cpu` section as normalized (units converted, schema defaults
   * filled in). The core reads each CPU parameter by its YAML name, so a new
   * one is declared in the schema and read in native/src/addon.cc, nowhere else.
   */
  cpu: NormalizedPoint['cpu'];
  /** The point's `machine` section as normalized (cpus, irqchip), read by its YAML names like `cpu`. */
  machine: NormalizedPoint['machine'];
  /** 0: no limit. */
  maxTicks: number;
  maxInsts: number;
  /** Resolved from cpu.usePerf / cpu.instructionCounter and what the host offers (src/runner/instruction-counter.ts). */
  instructionCounter: 'none' | 'perf' | 'singlestep';
  unclaimedAccess: NormalizedPoint['devices']['unclaimedAccess'];
  /** stats.memoryDigest: report a digest of guest memory at the end. */
  memoryDigest: boolean;
  /** stats.dumpEvery in picosecond ticks; 0: none. */
  dumpEveryTicks: number;
  consolePath: string;
  /** SE mode (guest.binary, which imagePath names): what the process sees. Absent for a full-system guest. */
  se?: SeSpec;
  /** Where checkpoints go (a folder of cpt.<tick> folders) and what takes them. */
  checkpoint: { dir: string; atTicks: number; atInsts: number; onGuestRequest: boolean; /** End the run once one is written (a warm-up). */ stopAfter: boolean };
  /** guest.restore: the checkpoint to start from, its manifest checked (src/checkpoint/manifest.ts). */
  restore?: { dir: string; parts: CheckpointPart[] };
  /** imageFormat multiboot: how QEMU's -kernel would boot it (mirrors PcConfig in native/src/machine.hh). */
  pc?: PcSpec;
}

/** A multiboot kernel's boot and QEMU's isa-debug-exit. */
export interface PcSpec {
  /** The kernel as the experiment file names it, and guest.cmdline: the kernel reads "<kernelName> <append>", as with QEMU's -kernel and -append. */
  kernelName: string;
  append: string;
  /** QEMU's -initrd items: the file on the host, and the whole item as its command line. */
  modules: { path: string; cmdline: string }[];
  debugExitPort: number;
  debugExitSize: number;
  debugExitSuccess: number;
}

/** An SE-mode process (mirrors SeConfig in native/src/se_machine.hh); every path is on the host unless it says guest. */
export interface SeSpec {
  /** argv[0], AT_EXECFN and /proc/self/exe: /bin/<the binary's file name>. */
  exeGuestPath: string;
  argv: string[];
  /** NAME=value */
  env: string[];
  files: { guest: string; host: string; writable: boolean }[];
  /** The run's writable scratch folder, which the guest sees at /tmp. */
  scratchDir: string;
  /** '' : stdin is empty. */
  stdinPath: string;
  stdoutPath: string;
  stderrPath: string;
  seed: number;
  epochSeconds: number;
  unsupportedSyscall: 'stop' | 'enosys';
  clock: 'simTicks' | 'calls';
  /** '': no syscalls.log. */
  tracePath: string;
}

/** One run: a sweep point times one repeat. JSON-serialisable; the worker's only input. */
export interface RunSpec {
  experiment: string;
  experimentFile: string;
  runId: string;
  point: number;
  repeat: number;
  /** Dotted YAML path -> value as the CSV shows it, for every parameter set or swept. */
  params: Record<string, string>;
  machine: MachineSpec;
  runDir: string;
  wallTimeoutMs: number;
}

export type RunStatus = 'ok' | 'failed' | 'timeout' | 'crashed';

/** What one run produced. The worker's only output; one CSV row. */
export interface RunResult {
  runId: string;
  status: RunStatus;
  exitCause: string;
  error: string;
  /** gem5-named statistics (simTicks, numVMExits, ...), plus instsSource as a string. */
  stats: Record<string, number | string>;
  /** The kernel's own per-vCPU counters, deltas over the run, by kernel name. */
  kvm: Record<string, number>;
  /** Device counters as "<device>.<stat>". */
  devices: Record<string, number>;
  /** How the numbers were made (timer, TSC, coalescing), as strings. */
  measurement: Record<string, string>;
  startTime: string;
  endTime: string;
}
