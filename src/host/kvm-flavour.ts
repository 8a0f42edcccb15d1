// Which KVM this host has, decided from facts (the CPU's flags, the kvm_pvm
// module), never assumed. The one detector behind provenance, doctor and the
// witness rules.
import { existsSync, readFileSync } from 'node:fs';

export const KVM_FLAVOURS = ['vmx', 'svm', 'pvm', 'unknown'] as const;
export type KvmFlavour = (typeof KVM_FLAVOURS)[number];

export function isKvmFlavour(text: string): text is KvmFlavour {
  return (KVM_FLAVOURS as readonly string[]).includes(text);
}

/** What each flavour means for a run, for doctor. */
export const FLAVOUR_MEANING: Record<KvmFlavour, string> = {
  vmx: 'Intel VT-x: guest code runs natively in every ring',
  svm: 'AMD-V: guest code runs natively in every ring',
  pvm: 'software virtualisation (kvm_pvm): ring 3 runs natively, ring-0 guest code is emulated instruction by instruction, ring-3 `int n` raises #UD, no PMU',
  unknown: 'no vmx or svm flag and no kvm_pvm module: the flavour cannot be told',
};

export interface CpuInfo {
  flags: string[];
  modelName: string;
}

export function parseCpuInfo(text: string): CpuInfo {
  return {
    flags: /^flags\s*:(.*)$/m.exec(text)?.[1].trim().split(/\s+/) ?? [],
    modelName: /^model name\s*:\s*(.*)$/m.exec(text)?.[1] ?? '',
  };
}

export function readCpuInfo(): CpuInfo {
  try {
    return parseCpuInfo(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return { flags: [], modelName: '' };
  }
}

/** Where the kvm_pvm module is loaded it serves /dev/kvm, whatever the CPU flags say. */
export function kvmFlavourOf(flags: string[], pvmModule: boolean): KvmFlavour {
  if (pvmModule) return 'pvm';
  if (flags.includes('vmx')) return 'vmx';
  if (flags.includes('svm')) return 'svm';
  return 'unknown';
}

export function hasPvmModule(): boolean {
  return existsSync('/sys/module/kvm_pvm');
}

/** This host's flavour (whether or not /dev/kvm is usable). */
export function hostKvmFlavour(): KvmFlavour {
  return kvmFlavourOf(readCpuInfo().flags, hasPvmModule());
}
