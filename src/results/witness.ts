// The witness verdict: our exit counts checked against the kernel's own
// per-vCPU counters (the kvm.<name> columns), by rules that hold on the
// run's KVM flavour. docs/witness.md states the rules and why each holds.
import type { KvmFlavour } from '../host/kvm-flavour.js';
import type { RunResult } from '../types.js';

interface WitnessRule {
  /** Short name shown in the verdict: `agree (io, mmio)`. */
  name: string;
  /** Our side: the sum of these statistics. */
  ours: string[];
  /** The kernel's counter (without "kvm."). */
  kernel: string;
  /** equal: ours == kernel. bound: ours <= kernel (the kernel's counter also counts other things). */
  relation: 'equal' | 'bound';
}

/** Every user-space MMIO exit is one kvm.mmio_exits on every flavour; coalesced writes never exit. */
const MMIO: WitnessRule = { name: 'mmio', ours: ['numMMIO'], kernel: 'mmio_exits', relation: 'equal' };
/** VMX and SVM count every port-IO exit, the ones coalesced inside the kernel included. */
const IO: WitnessRule = { name: 'io', ours: ['numIO', 'numCoalescedPIO'], kernel: 'io_exits', relation: 'equal' };
/**
 * PVM sends port IO through KVM's instruction emulator and never counts
 * io_exits; each port access is one insn_emulation, but so is every emulated
 * ring-0 instruction, so the emulation count can only bound ours.
 */
const IO_EMULATED: WitnessRule = { name: 'io<=insn_emulation', ours: ['numIO', 'numCoalescedPIO'], kernel: 'insn_emulation', relation: 'bound' };

/**
 * With the in-kernel irqchip (machine.irqchip: kernel) the kernel serves the
 * PIC, PIT and speaker ports itself: VMX and SVM count those exits in
 * io_exits too, so it can only bound ours.
 */
const IO_WITH_KERNEL_DEVICES: WitnessRule = { ...IO, name: 'io<=io_exits', relation: 'bound' };

export const WITNESS_RULES: Record<KvmFlavour, WitnessRule[]> = {
  vmx: [IO, MMIO],
  svm: [IO, MMIO],
  pvm: [IO_EMULATED, MMIO],
  unknown: [MMIO],
};

/** One line per flavour for doctor: what the witness can check here. */
export function witnessSummary(flavour: KvmFlavour): string {
  const checks = WITNESS_RULES[flavour].map((r) => `${r.ours.join(' + ')} ${r.relation === 'equal' ? '=' : '<='} kvm.${r.kernel}`);
  return `the witness column checks ${checks.join(' and ')}`;
}

/** The rules of a flavour for one run: `kernelIrqchip` when the run had machine.irqchip: kernel. */
export function witnessRules(flavour: KvmFlavour, kernelIrqchip: boolean): WitnessRule[] {
  return WITNESS_RULES[flavour].map((rule) => (kernelIrqchip && rule === IO ? IO_WITH_KERNEL_DEVICES : rule));
}

export function witnessVerdict(flavour: KvmFlavour | undefined, result: Pick<RunResult, 'stats' | 'kvm'>, kernelIrqchip = false): string {
  if (flavour === undefined) return 'none: no /dev/kvm on the host that wrote this row';
  if (Object.keys(result.kvm).length === 0) return "none: the kernel's counters were not read (no KVM_GET_STATS_FD, or the run ended before)";
  const checked: string[] = [];
  const disagreements: string[] = [];
  for (const rule of witnessRules(flavour, kernelIrqchip)) {
    const ourValues = rule.ours.map((name) => result.stats[name]);
    const kernel = result.kvm[rule.kernel];
    if (kernel === undefined || ourValues.some((v) => typeof v !== 'number')) continue;
    const ours = (ourValues as number[]).reduce((a, b) => a + b, 0);
    checked.push(rule.name);
    const holds = rule.relation === 'equal' ? ours === kernel : ours <= kernel;
    if (!holds) disagreements.push(`${rule.ours.join(' + ')} ${ours}, kvm.${rule.kernel} ${kernel}`);
  }
  if (disagreements.length > 0) return `disagree: ${disagreements.join('; ')}`;
  return checked.length > 0 ? `agree (${checked.join(', ')})` : 'none: neither our counts nor the kernel counters the rules need are in this run';
}

export function isDisagreement(verdict: string | undefined): boolean {
  return verdict?.startsWith('disagree') === true;
}
