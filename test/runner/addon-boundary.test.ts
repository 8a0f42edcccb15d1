// What crosses into the native core is checked there too: a bad value from
// the TypeScript side is a coded error naming the field, never a cast (NaN to
// an integer, a zone size cut to 32 bits, an unknown enum read as a default).
// The checks run before the core opens /dev/kvm, so no KVM is needed.
import { describe, expect, it } from 'vitest';
import { isNativeError, nativeCore } from '../../src/native/addon.js';
import type { MachineSpec } from '../../src/types.js';
import { normalizePoint } from '../../src/config/experiment.js';

const GOOD: MachineSpec = {
  kvmDevice: '/dev/null-kvm',
  imagePath: '/nonexistent.elf',
  imageFormat: 'elf',
  args: '',
  memoryBytes: 16 << 20,
  cpu: normalizePoint({ guest: { program: 'hello' } }).cpu,
  machine: normalizePoint({ guest: { program: 'hello' } }).machine,
  maxTicks: 0,
  maxInsts: 0,
  instructionCounter: 'none',
  unclaimedAccess: 'count',
  dumpEveryTicks: 0,
  memoryDigest: false,
  consolePath: '',
  checkpoint: { dir: '', atTicks: 0, atInsts: 0, onGuestRequest: true, stopAfter: false },
};

const withCpu = (change: Record<string, unknown>) => ({ cpu: { ...GOOD.cpu, ...change } });

function refusal(spec: Record<string, unknown>): string {
  try {
    nativeCore().runMachine(spec as unknown as MachineSpec);
  } catch (error) {
    if (isNativeError(error) && error.code === 'bad-config') return error.message;
    throw error;
  }
  throw new Error('accepted');
}

describe('the addon boundary', () => {
  it.each([
    ['NaN', withCpu({ timer: { quantum: Number.NaN } }), 'quantum must be finite'],
    ['a fraction where a count is meant', { memoryBytes: 1.5 }, 'memoryBytes must be a whole number'],
    ['a count past 2^53', { maxInsts: 2 ** 60 }, 'maxInsts must be a whole number from 0 to 9007199254740991'],
    ['an unknown enum value', { unclaimedAccess: 'ignore' }, 'unclaimedAccess must be one of count, fail, not "ignore"'],
    ['a string where a flag is meant', withCpu({ alwaysSyncTC: 'yes' }), 'alwaysSyncTC must be true or false'],
    ['a zone wider than KVM can hold', withCpu({ coalescedMMIO: [{ base: 0, size: 2 ** 33 }] }), 'size must be a whole number from 0 to 4294967295'],
    ['a zone that is not an object', withCpu({ coalescedPIO: [7] }), 'coalescedPIO[0] must be an object'],
    ['a missing CPU parameter', withCpu({ clock: undefined }), 'missing field clock'],
    ['more vCPUs than a machine may have', { machine: { cpus: 65, irqchip: 'kernel' } }, 'cpus must be a whole number from 0 to 64'],
    ['an unknown interrupt controller', { machine: { cpus: 1, irqchip: 'qemu' } }, 'irqchip must be one of user, kernel, not "qemu"'],
  ])('refuses %s, naming the field', (_, change, message) => {
    expect(refusal({ ...GOOD, ...change })).toContain(message);
  });

  it('tells its own errors from system errors that also carry a code', () => {
    const system = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    expect(isNativeError(system)).toBe(false);
    let thrown: unknown;
    try {
      nativeCore().runMachine({ ...GOOD, ...withCpu({ timer: { quantum: Number.NaN } }) } as MachineSpec);
    } catch (error) {
      thrown = error;
    }
    expect(isNativeError(thrown)).toBe(true);
  });
});
