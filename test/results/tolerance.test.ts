// Which class a metric falls in decides whether compare checks it exactly,
// at 10%, or not at all; one vCPU's statistic goes with the machine's.
import { describe, expect, it } from 'vitest';
import { metricClass } from '../../src/results/tolerance.js';

describe('metric classes', () => {
  it('puts each vCPU of several in the class of the machine-wide statistic', () => {
    expect(metricClass('cpu1.simTicks')).toBe('time');
    expect(metricClass('cpu0.numExitSignal')).toBe('host');
    expect(metricClass('cpu12.numIO')).toBe('guest');
    expect(metricClass('cpu1.numIO', { coalesced: true })).toBe('host');
  });

  it('leaves names that only look alike to the default', () => {
    expect(metricClass('cpuid.simTicks')).toBe('guest');
    expect(metricClass('kvm.halt_exits')).toBe('host');
  });
});
