// What `doctor` looks at, gathered from the real host: /proc, /sys, the
// KVM device and perf. Kept apart from the judgement (diagnose.ts) so the
// judgement can be tested with any host's facts.
import { readFileSync } from 'node:fs';
import { hasPvmModule, readCpuInfo } from '../host/kvm-flavour.js';
import { isNativeError, nativeCore, type KvmProbe, type PerfProbe } from '../native/addon.js';

export interface HostFacts {
  cpuFlags: string[];
  pvmModule: boolean;
  kvmDevice: string;
  kvm: { ok: true; probe: KvmProbe } | { ok: false; code: string; message: string };
  perf: PerfProbe;
  perfEventParanoid: number | undefined;
  timerResolutionNs: number;
  /** What a timer kick costs on this KVM (measured where the device works). */
  kick?: { medianNs: number; floorNs: number };
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function gatherFacts(kvmDevice: string): HostFacts {
  const core = nativeCore();
  let kvm: HostFacts['kvm'];
  try {
    kvm = { ok: true, probe: core.probeKvm(kvmDevice) };
  } catch (error) {
    if (!isNativeError(error)) throw error;
    kvm = { ok: false, code: error.code, message: error.message };
  }
  const paranoid = read('/proc/sys/kernel/perf_event_paranoid');
  const kick = kvm.ok ? core.measureKickCost(kvmDevice) : undefined;
  return {
    cpuFlags: readCpuInfo().flags,
    pvmModule: hasPvmModule(),
    kvmDevice,
    kvm,
    perf: core.probePerf(),
    perfEventParanoid: paranoid === undefined ? undefined : Number(paranoid.trim()),
    timerResolutionNs: core.timerResolutionNs(),
    kick,
  };
}
