import { describe, expect, it } from 'vitest';
import { planExperiment } from '../../src/config/load-experiment.js';
import { InputError } from '../../src/errors.js';

function problems(text: string): string[] {
  try {
    planExperiment('exp.yaml', text);
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  return [];
}

describe('experiment files', () => {
  it('normalizes units and fills defaults', () => {
    const plan = planExperiment('exp.yaml', 'name: a\nguest: { program: hello, memory: 32MiB }\ncpu: { clock: 3GHz, timer: { quantum: 100us } }\nlimits: { maxTicks: 10ms, maxInsts: 1e9 }\n');
    const n = plan.points[0].normalized;
    expect(n.guest.memory).toBe(32 * 2 ** 20);
    expect(n.cpu.clock).toBe(3e9);
    expect(n.cpu.timer.quantum).toBe(100_000);
    expect(n.limits.maxTicks).toBe(10e9);
    expect(n.limits.maxInsts).toBe(1e9);
    expect(n.limits.wallTimeout).toBe(60e9);
    expect(n.cpu.hostFactor).toBe(1);
  });

  it('reports malformed YAML with file:line:col', () => {
    expect(problems('name: a\nguest: { program: hello\n')[0]).toMatch(/^exp\.yaml:\d+:\d+: YAML syntax error/);
  });

  it('reports an unknown key at the key', () => {
    expect(problems('name: a\nguest:\n  program: hello\n  memroy: 1MiB\n')).toEqual(['exp.yaml:4:3: unknown key "memroy" in guest']);
  });

  it('reports a wrong type at the value', () => {
    expect(problems('name: a\nguest: { program: hello }\ncpu:\n  hostFactor: fast\n')).toEqual(['exp.yaml:4:15: cpu.hostFactor must be number']);
  });

  it('reports a bad unit with the units it accepts', () => {
    const [p] = problems('name: a\nguest:\n  program: hello\n  memory: 64 parsecs\n');
    expect(p).toMatch(/^exp\.yaml:4:11: guest\.memory: bad size "64 parsecs": expected a number with one of the units B, KiB/);
  });

  it('needs exactly one of program and image', () => {
    expect(problems('name: a\nguest: { program: hello, image: x.elf }\n')).toEqual([
      'exp.yaml:2:8: guest needs exactly one of "program" (a bundled guest) or "image" (a file)',
    ]);
  });

  it('expands a grid times zip, minus exclusions, with parameter columns', () => {
    const plan = planExperiment(
      'exp.yaml',
      [
        'name: a',
        'guest: { program: pio-stream, args: { count: 10 } }',
        'sweep:',
        '  cpu.useCoalescedMMIO: [true, false]',
        '  cpu.timer.quantum: { from: 10us, to: 1ms, factor: 10 }',
        '  zip:',
        '    - guest.args.count: [1, 2]',
        '      guest.memory: [4MiB, 8MiB]',
        '  exclude:',
        '    - { cpu.useCoalescedMMIO: false, cpu.timer.quantum: 10us }',
      ].join('\n'),
    );
    expect(plan.points).toHaveLength(2 * 3 * 2 - 2);
    expect(plan.paramColumns).toEqual(['guest.program', 'guest.args.count', 'cpu.useCoalescedMMIO', 'cpu.timer.quantum', 'guest.memory']);
    expect(plan.points.map((p) => p.params['cpu.timer.quantum'])).toContain('100us');
    const zipped = plan.points.map((p) => `${p.params['guest.args.count']}/${p.params['guest.memory']}`);
    expect(new Set(zipped)).toEqual(new Set(['1/4MiB', '2/8MiB']));
    expect(plan.points.some((p) => p.params['cpu.useCoalescedMMIO'] === 'false' && p.params['cpu.timer.quantum'] === '10us')).toBe(false);
  });

  it('locates a bad swept value at its entry in the sweep', () => {
    expect(problems('name: a\nguest: { program: hello }\nsweep:\n  cpu.timer.quantum: [1ms, 2 fortnights]\n')[0]).toMatch(
      /^exp\.yaml:4:28: cpu\.timer\.quantum: bad duration "2 fortnights"/,
    );
  });

  it('rejects a swept path that the schema does not know', () => {
    expect(problems('name: a\nguest: { program: hello }\nsweep:\n  cpu.quantum: [1, 2]\n')[0]).toMatch(/^exp\.yaml:4:17: unknown key "quantum" in cpu/);
  });
});
