// doctor's decisions on faked hosts: this machine is only one of them.
import { describe, expect, it } from 'vitest';
import { diagnose, kvmFlavourText } from '../../src/doctor/diagnose.js';
import type { HostFacts } from '../../src/doctor/facts.js';

const allCaps = { USER_MEMORY: 1, SET_TSS_ADDR: 1, COALESCED_MMIO: 2, COALESCED_PIO: 1, IMMEDIATE_EXIT: 1, SET_GUEST_DEBUG: 1, USER_NMI: 1, BINARY_STATS_FD: 1, GET_TSC_KHZ: 1, NR_VCPUS: 2, EXIT_HYPERCALL: 4096 };
/** What the core's probe reports as required (native/src/machine.hh kRequiredCapabilities). */
const REQUIRED = ['USER_MEMORY', 'SET_TSS_ADDR'];
const noPmu = { errno: 2, error: 'perf_event_open: No such file or directory (errno 2)', cause: 'no hardware PMU' };

function host(overrides: Partial<HostFacts>): HostFacts {
  return {
    cpuFlags: ['constant_tsc', 'nonstop_tsc'],
    pvmModule: true,
    kvmDevice: '/dev/kvm',
    kvm: { ok: true, probe: { capabilities: allCaps, tscKhz: 2_000_000, kvmStatNames: ['exits', 'io_exits'], requiredCapabilities: REQUIRED } },
    perf: noPmu,
    perfEventParanoid: 2,
    timerResolutionNs: 1,
    ...overrides,
  };
}

const finding = (facts: HostFacts, topic: string) => diagnose(facts).findings.find((f) => f.topic === topic);

describe('doctor', () => {
  it('a PVM host without a PMU can run, with a warning about instruction counts', () => {
    const report = diagnose(host({}));
    expect(report.runnable).toBe(true);
    expect(finding(host({}), 'kvm flavour')?.text).toMatch(/^pvm/);
    // PVM never counts io_exits: the witness can only bound port IO there.
    expect(finding(host({}), 'kernel counters')?.text).toContain('numIO + numCoalescedPIO <= kvm.insn_emulation');
    expect(finding(host({ kick: { medianNs: 30_000, floorNs: 60_000 } }), 'timer kick')?.text).toContain('quanta below 60.0 us are raised');
    expect(finding(host({}), 'PMU')).toMatchObject({ level: 'warn' });
    expect(finding(host({}), 'PMU')?.text).toContain('singlestep');
    expect(finding(host({}), 'TSC rate')?.text).toBe('2.000 GHz from KVM_GET_TSC_KHZ');
  });

  it('a VMX host with a PMU is all ok', () => {
    const facts = host({ pvmModule: false, cpuFlags: ['vmx', 'constant_tsc', 'nonstop_tsc'], perf: { errno: 0, error: '', cause: '' } });
    const report = diagnose(facts);
    expect(report.runnable).toBe(true);
    expect(kvmFlavourText(facts)).toMatch(/^vmx/);
    expect(finding(facts, 'kernel counters')?.text).toContain('numIO + numCoalescedPIO = kvm.io_exits');
    expect(report.findings.filter((f) => f.level === 'warn' || f.level === 'fail')).toEqual([]);
  });

  it('no /dev/kvm: cannot run, and says why', () => {
    const facts = host({ kvm: { ok: false, code: 'kvm-unavailable', message: '/dev/kvm does not exist: this host has no KVM' } });
    const report = diagnose(facts);
    expect(report.runnable).toBe(false);
    expect(report.findings.find((f) => f.level === 'fail')?.text).toContain('does not exist');
  });

  it('a missing required capability fails; a missing optional one warns with its cost', () => {
    const facts = host({ kvm: { ok: true, probe: { capabilities: { ...allCaps, SET_TSS_ADDR: 0, COALESCED_PIO: 0 }, tscKhz: 0, kvmStatNames: [], requiredCapabilities: REQUIRED } } });
    const report = diagnose(facts);
    expect(report.runnable).toBe(false);
    expect(finding(facts, 'KVM_CAP_SET_TSS_ADDR')?.level).toBe('fail');
    expect(finding(facts, 'KVM_CAP_COALESCED_PIO')).toMatchObject({ level: 'warn', text: 'missing: coalesced port IO zones are skipped' });
    expect(finding(facts, 'TSC rate')?.level).toBe('warn');
  });

  it('a TSC that is not invariant is flagged', () => {
    expect(finding(host({ cpuFlags: ['svm'], pvmModule: false }), 'TSC invariance')?.level).toBe('warn');
  });
});
