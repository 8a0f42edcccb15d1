// The witness verdict's rules on each flavour, from numbers alone: what must
// agree, what may only bound ours, and what a disagreement row says.
import { describe, expect, it } from 'vitest';
import { witnessVerdict } from '../../src/results/witness.js';

const run = (stats: Record<string, number>, kvm: Record<string, number>) => ({ stats, kvm });
const counts = { numIO: 10, numCoalescedPIO: 2, numMMIO: 5 };

describe('the witness verdict', () => {
  it('holds VMX and SVM to equal port-IO and MMIO counts', () => {
    expect(witnessVerdict('svm', run(counts, { io_exits: 12, mmio_exits: 5 }))).toBe('agree (io, mmio)');
    expect(witnessVerdict('vmx', run(counts, { io_exits: 13, mmio_exits: 5 }))).toBe('disagree: numIO + numCoalescedPIO 12, kvm.io_exits 13');
  });

  it('with the in-kernel irqchip, lets io_exits count the ports the kernel serves itself, but never fewer than ours', () => {
    expect(witnessVerdict('svm', run(counts, { io_exits: 40, mmio_exits: 5 }), true)).toBe('agree (io<=io_exits, mmio)');
    expect(witnessVerdict('svm', run(counts, { io_exits: 11, mmio_exits: 5 }), true)).toBe('disagree: numIO + numCoalescedPIO 12, kvm.io_exits 11');
    expect(witnessVerdict('svm', run(counts, { io_exits: 40, mmio_exits: 6 }), true)).toBe('disagree: numMMIO 5, kvm.mmio_exits 6');
  });

  it('on PVM, bounds port IO by the emulated instructions with or without the irqchip', () => {
    expect(witnessVerdict('pvm', run(counts, { insn_emulation: 900, mmio_exits: 5 }), true)).toBe('agree (io<=insn_emulation, mmio)');
  });

  it('says why nothing was checked', () => {
    expect(witnessVerdict(undefined, run(counts, {}))).toMatch(/^none: no \/dev\/kvm/);
    expect(witnessVerdict('svm', run(counts, {}))).toMatch(/^none: the kernel's counters were not read/);
  });
});
