import { EFFECTIVE_COLUMNS } from '../../src/config/effective-params.js';
import { describe, expect, it } from 'vitest';
import { planExperiment } from '../../src/config/load-experiment.js';
import { InputError } from '../../src/errors.js';
import { plannedRuns } from '../../src/sweep/runs.js';
import { shardOf } from '../../src/sweep/shard.js';

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
    const [{ normalized: n }] = plan.points();
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

  it('needs exactly one of program, image and binary', () => {
    expect(problems('name: a\nguest: { program: hello, image: x.elf }\n')).toEqual([
      'exp.yaml:2:8: guest needs exactly one of "program" (a bundled guest), "image" (a guest image file) or "binary" (a Linux program, SE mode)',
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
    const points = [...plan.points()];
    expect(points).toHaveLength(2 * 3 * 2 - 2);
    expect(plan.pointCount).toBe(points.length);
    // As written or swept, then every effective parameter not already there (cpu.useCoalescedMMIO is), units in the name;
    // the se.* ones only for a Linux program (guest.binary), isa-debug-exit's and machine.* only for a multiboot kernel.
    const written = ['guest.program', 'guest.args.count', 'cpu.useCoalescedMMIO', 'cpu.timer.quantum', 'guest.memory'];
    expect(plan.paramColumns).toEqual([
      ...written,
      ...EFFECTIVE_COLUMNS.filter((c) => !written.includes(c) && !c.startsWith('se.') && !c.startsWith('devices.isaDebugExit.') && !c.startsWith('machine.') && c !== 'guest.cmdline'),
    ]);
    expect(plan.platform).toBe('runtime');
    expect(plan.paramColumns).toContain('cpu.timer.quantum_ns');
    expect(plan.paramColumns).toContain('limits.wallTimeout_ns');
    expect(points.map((p) => p.params['cpu.timer.quantum'])).toContain('100us');
    const zipped = points.map((p) => `${p.params['guest.args.count']}/${p.params['guest.memory']}`);
    expect(new Set(zipped)).toEqual(new Set(['1/4MiB', '2/8MiB']));
    expect(points.some((p) => p.params['cpu.useCoalescedMMIO'] === 'false' && p.params['cpu.timer.quantum'] === '10us')).toBe(false);
  });

  it('locates a bad swept value at its entry in the sweep', () => {
    expect(problems('name: a\nguest: { program: hello }\nsweep:\n  cpu.timer.quantum: [1ms, 2 fortnights]\n')[0]).toMatch(
      /^exp\.yaml:4:28: cpu\.timer\.quantum: bad duration "2 fortnights"/,
    );
  });

  it('rejects a swept path that the schema does not know', () => {
    expect(problems('name: a\nguest: { program: hello }\nsweep:\n  cpu.quantum: [1, 2]\n')[0]).toMatch(/^exp\.yaml:4:17: unknown key "quantum" in cpu/);
  });

  it('refuses a sweep whose every combination is excluded, at its exclude list', () => {
    const text = 'name: a\nguest: { program: hello }\nsweep:\n  guest.args.count: [1, 2]\n  exclude:\n    - { guest.args.count: 1 }\n    - { guest.args.count: 2 }\n';
    expect(problems(text)).toEqual(['exp.yaml:6:5: every combination of the sweep is excluded']);
  });

  it('refuses two points with the same configuration, at the value listed again', () => {
    expect(problems('name: a\nguest: { program: hello }\nsweep:\n  guest.args.count: [1, 2, 1]\n')).toEqual([
      'exp.yaml:4:28: sweep guest.args.count: 1 comes twice (sweep points 0 and 2 would be the same configuration)',
    ]);
  });
});

describe('sweeps made as they are walked', () => {
  const plan = planExperiment('exp.yaml', 'name: a\nguest: { program: hello }\nrepeat: 3\nsweep:\n  guest.args.count: { from: 1, to: 7, step: 1 }\n');

  it('makes the points afresh, in the same order, on every walk', () => {
    const [first, second] = [[...plan.points()], [...plan.points()]];
    expect(first.map((p) => p.params['guest.args.count'])).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    expect(second.map((p) => p.params)).toEqual(first.map((p) => p.params));
    expect(second[0]).not.toBe(first[0]);
  });

  it('counts the runs of every shard without walking them, and the shards partition the runs', () => {
    const runs = plannedRuns(plan);
    const all = [...runs].map((r) => r.runId);
    expect(runs.count).toBe(all.length);
    for (const n of [1, 2, 4, 21, 25]) {
      const shards = Array.from({ length: n }, (_, i) => shardOf(runs, { index: i + 1, count: n }));
      for (const shard of shards) expect(shard.count).toBe([...shard].length);
      expect(shards.flatMap((shard) => [...shard].map((r) => r.runId)).toSorted()).toEqual(all.toSorted());
    }
  });
});
