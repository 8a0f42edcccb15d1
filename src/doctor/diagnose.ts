// doctor's judgement: from a host's facts, a report line per concern and
// whether runs can work here at all.
import { FLAVOUR_MEANING, kvmFlavourOf } from '../host/kvm-flavour.js';
import { witnessSummary } from '../results/witness.js';
import type { HostFacts } from './facts.js';

export interface Finding {
  level: 'ok' | 'warn' | 'fail' | 'info';
  topic: string;
  text: string;
}

/** What the absence of each optional capability costs (the required ones come from the core's probe). */
const OPTIONAL: Record<string, string> = {
  COALESCED_MMIO: 'coalesced MMIO (cpu.useCoalescedMMIO) falls back to ordinary exits',
  COALESCED_PIO: 'coalesced port IO zones are skipped',
  IMMEDIATE_EXIT: 'a pending IO cannot be completed without a full entry at the end of a run',
  SET_GUEST_DEBUG: 'cpu.instructionCounter: singlestep cannot count',
  USER_NMI: 'NMIs cannot be injected',
  BINARY_STATS_FD: "the kvm.<name> columns (the kernel's own counters) stay empty",
  GET_TSC_KHZ: 'the TSC frequency is calibrated instead of read from KVM',
};

export function kvmFlavourText(facts: Pick<HostFacts, 'cpuFlags' | 'pvmModule'>): string {
  const flavour = kvmFlavourOf(facts.cpuFlags, facts.pvmModule);
  return `${flavour} (${FLAVOUR_MEANING[flavour]})`;
}

function capabilityFindings(caps: Record<string, number>, required: string[]): { findings: Finding[]; missingRequired: boolean } {
  const findings: Finding[] = [];
  let missingRequired = false;
  for (const cap of required) {
    const present = caps[cap] > 0;
    missingRequired ||= !present;
    findings.push(present ? { level: 'ok', topic: `KVM_CAP_${cap}`, text: `present (${caps[cap]})` } : { level: 'fail', topic: `KVM_CAP_${cap}`, text: 'missing, and the core needs it' });
  }
  for (const [cap, cost] of Object.entries(OPTIONAL))
    findings.push(caps[cap] > 0 ? { level: 'ok', topic: `KVM_CAP_${cap}`, text: `present (${caps[cap]})` } : { level: 'warn', topic: `KVM_CAP_${cap}`, text: `missing: ${cost}` });
  const mask = caps.EXIT_HYPERCALL ?? 0;
  findings.push({ level: 'info', topic: 'KVM_CAP_EXIT_HYPERCALL', text: mask > 0 ? `mask ${mask}` : 'absent: hypercalls use the port interface only' });
  return { findings, missingRequired };
}

export function diagnose(facts: HostFacts): { findings: Finding[]; runnable: boolean } {
  const findings: Finding[] = [{ level: 'info', topic: 'kvm flavour', text: kvmFlavourText(facts) }];
  let runnable = facts.kvm.ok;
  if (!facts.kvm.ok) {
    findings.push({ level: 'fail', topic: facts.kvmDevice, text: facts.kvm.message });
  } else {
    const { probe } = facts.kvm;
    findings.push({ level: 'ok', topic: facts.kvmDevice, text: `opens; API version 12; a VM and a vCPU were created (NR_VCPUS ${probe.capabilities.NR_VCPUS ?? '?'})` });
    const caps = capabilityFindings(probe.capabilities, probe.requiredCapabilities);
    findings.push(...caps.findings);
    runnable &&= !caps.missingRequired;
    findings.push(
      probe.tscKhz > 0
        ? { level: 'ok', topic: 'TSC rate', text: `${(probe.tscKhz / 1e6).toFixed(3)} GHz from KVM_GET_TSC_KHZ` }
        : { level: 'warn', topic: 'TSC rate', text: 'KVM does not report it; each run calibrates it' },
    );
    const flavour = kvmFlavourOf(facts.cpuFlags, facts.pvmModule);
    findings.push({ level: 'info', topic: 'kernel counters', text: `${probe.kvmStatNames.length} per-vCPU counters become kvm.<name> columns; ${witnessSummary(flavour)}` });
    if (facts.kick) {
      const us = (ns: number) => (ns / 1000).toFixed(1);
      findings.push({ level: 'info', topic: 'timer kick', text: `${us(facts.kick.medianNs)} us from arming to KVM_RUN's return (measured); quanta below ${us(facts.kick.floorNs)} us are raised to that` });
    }
  }
  const invariant = facts.cpuFlags.includes('constant_tsc') && facts.cpuFlags.includes('nonstop_tsc');
  findings.push(
    invariant
      ? { level: 'ok', topic: 'TSC invariance', text: 'constant_tsc and nonstop_tsc' }
      : { level: 'warn', topic: 'TSC invariance', text: 'constant_tsc or nonstop_tsc missing: hostCycles may not track time' },
  );
  findings.push(
    facts.perf.errno === 0
      ? { level: 'ok', topic: 'PMU', text: 'guest-only cycle and instruction counters open: instructionCounter auto uses perf' }
      : { level: 'warn', topic: 'PMU', text: `${facts.perf.error}: ${facts.perf.cause}. Runs work; committedInsts is counted only with instructionCounter: singlestep` },
  );
  if (facts.perfEventParanoid !== undefined) findings.push({ level: 'info', topic: 'perf_event_paranoid', text: String(facts.perfEventParanoid) });
  findings.push({ level: 'info', topic: 'timer resolution', text: `${facts.timerResolutionNs} ns (CLOCK_MONOTONIC); shorter quanta are raised to it` });
  return { findings, runnable };
}
