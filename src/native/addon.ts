// The typed face of the native core (native/src/addon.cc). Loaded lazily so
// that commands which never load an image or touch KVM (compare, merge) work
// even where the addon could not be built; validate loads images through it.
import { createRequire } from 'node:module';
import { packagePath } from '../package-root.js';
import { EnvironmentError } from '../errors.js';
import type { MachineSpec, PcSpec, SeSpec } from '../types.js';

export interface NativeRunResult {
  ok: boolean;
  exitCause: string;
  error: string;
  guestStatus: number;
  stats: Record<string, number>;
  statDescriptions: string[];
  dumps: Record<string, number>[];
  series: Record<string, number>[];
  kvmStats: Record<string, number>;
  deviceStats: Record<string, number>;
  tscHz: number;
  tscSource: string;
  timerResolutionNs: number;
  quantumNs: number;
  /** The measured cost of a timer kick, for quanta short enough to ask; 0 otherwise. */
  kickCostNs: number;
  /** stats.dumpEvery snapshots past the time series' bound (100,000), not kept. */
  seriesDropped: number;
  coalescing: string;
  /** The cpt.<tick> folders this run wrote. */
  checkpoints: string[];
  /** stats.memoryDigest: SHA-256 hex of guest memory at the end; else empty. */
  memoryDigest: string;
  /** Host seconds spent writing checkpoints, and restoring guest.restore (0 when none). */
  checkpointSeconds: number;
  restoreSeconds: number;
}

export interface KvmProbe {
  capabilities: Record<string, number>;
  tscKhz: number;
  kvmStatNames: string[];
  /** Capability names (no KVM_CAP_ prefix) the core cannot build a machine without. */
  requiredCapabilities: string[];
}

/** errno 0: a guest-only instruction counter opens on this host. */
export interface PerfProbe {
  errno: number;
  error: string;
  cause: string;
}

/** Errors thrown by the core carry a stable `code` (kvm-unavailable, image-invalid, ...). */
export type NativeError = Error & { code: string };

export interface NativeCore {
  runMachine(spec: MachineSpec): NativeRunResult;
  /** `boot` for a multiboot image: its command line and modules, which are loaded too. */
  checkImage(spec: { imagePath: string; imageFormat: string; memoryBytes: number; boot?: Pick<PcSpec, 'kernelName' | 'append' | 'modules'> }): {
    entry: number;
    lowest: number;
    highest: number;
  };
  probeKvm(device: string): KvmProbe;
  /** devices: a full-system machine's device counters; pc: those and QEMU's legacy devices' (multiboot); se: what an SE run reports instead (exitCode, syscall.<name>, ...). */
  /** vcpu: one vCPU's own statistics, which a machine of several reports per vCPU as cpu<N>.<stat>. */
  statNames(): { cpu: string[]; devices: string[]; se: string[]; pc: string[]; vcpu: string[] };
  /** What an SE run checks before KVM (memory size, the binary and its interpreter, the file layout); throws the run's error. */
  checkSe(spec: { binaryPath: string; exeGuestPath: string; memoryBytes: number; files: SeSpec['files'] }): void;
  /** What the core's MachineConfig holds before the spec is read, in the spec's shape (test/config/parameters.test.ts holds it against the schema). */
  coreDefaults(): Pick<MachineSpec, 'memoryBytes' | 'maxTicks' | 'maxInsts' | 'dumpEveryTicks' | 'unclaimedAccess'> & {
    cpu: Pick<MachineSpec['cpu'], 'hostFactor' | 'clock' | 'alwaysSyncTC' | 'useCoalescedMMIO'> & { timer: { quantum: number } };
  };
  probePerf(): PerfProbe;
  timerResolutionNs(): number;
  measureKickCost(device: string): { medianNs: number; floorNs: number };
  /** Quanta below this have the kick cost measured and may be raised to its floor. */
  measureKickBelowNs: number;
  /** The shortest stats.dumpEvery the core accepts. */
  minDumpEveryNs: number;
}

let core: NativeCore | undefined;

export function nativeCore(): NativeCore {
  if (core) return core;
  try {
    core = createRequire(import.meta.url)(packagePath('build/Release/kvm_core.node')) as NativeCore;
  } catch (error) {
    throw new EnvironmentError(
      `the native KVM core is not built (${(error as Error).message.split('\n')[0]}); run \`npm install\` or \`npm run build:native\``,
      'addon-missing',
    );
  }
  return core;
}

export function isNativeError(error: unknown): error is NativeError {
  // Marked by the addon (throwCoded in addon.cc): a Node system error also has a string `code`.
  return error instanceof Error && error.name === 'CoreError' && typeof (error as NativeError).code === 'string';
}
