// What the YAML walk and the sweep bounds refuse, each as one located line,
// and how fast the largest files that pass are loaded.
import { describe, expect, it } from 'vitest';
import { planExperiment } from '../../src/config/load-experiment.js';
import { InputError } from '../../src/errors.js';

const HEAD = 'name: e\nguest: { program: hello }\n';

function problems(text: string): string[] {
  try {
    planExperiment('e.yaml', text);
  } catch (error) {
    if (error instanceof InputError) return error.problems;
    throw error;
  }
  return [];
}

describe('the YAML walk', () => {
  it('refuses a duplicate key at its second occurrence, also when one is quoted (both become one property)', () => {
    expect(problems(`${HEAD}name: f\n`)).toEqual(['e.yaml:3:1: duplicate key "name"']);
    expect(problems(`${HEAD}cpu: { hostFactor: 1, "hostFactor": 2 }\n`)).toEqual(['e.yaml:3:23: duplicate key "hostFactor"']);
  });

  it('refuses an alias with no anchor before it, and one inside the value it names (circular data)', () => {
    expect(problems(`${HEAD}description: *d\n`)).toEqual(['e.yaml:3:14: alias *d has no anchor &d before it']);
    expect(problems(`${HEAD}sweep:\n  guest.args.n: [1, 2]\n  exclude:\n    - { guest.args.n: &n [*n] }\n`)).toEqual([
      'e.yaml:6:27: alias *n stands inside the value it names',
    ]);
  });

  it('refuses more than 1000 aliases, and takes an anchor named many times that expands to little', () => {
    // The 1001st alias: 17 characters of "  guest.args.n: [", then 4 per alias.
    expect(problems(`${HEAD}description: &d x\nsweep:\n  guest.args.n: [${Array(1001).fill('*d').join(', ')}]\n`)).toEqual([
      'e.yaml:5:4018: more than 1000 aliases in one file',
    ]);
    const zipped = `{ guest.args.n: { from: 1, to: 500, step: 1 }, guest.args.m: [${Array(500).fill('*d').join(', ')}] }`;
    expect(planExperiment('e.yaml', `${HEAD}description: &d x\nsweep:\n  zip:\n    - ${zipped}\n`).pointCount).toBe(500);
  });

  it('reports a syntax error where it is, not at 1:1', () => {
    expect(problems(`${HEAD}cpu: { hostFactor: 1\n`)[0]).toMatch(/^e\.yaml:4:1: YAML syntax error: /);
  });
});

describe('sweep bounds, before any point is made', () => {
  it('refuses more than 64 swept paths at sweep:', () => {
    const zipped = Array.from({ length: 65 }, (_, i) => `      guest.args.k${i}: [1]`).join('\n');
    expect(problems(`${HEAD}sweep:\n  zip:\n    -\n${zipped}\n`)).toEqual(['e.yaml:3:1: the sweep has 65 swept paths; at most 64 are allowed per experiment']);
  });

  it('counts a zip group as one axis', () => {
    const text = `${HEAD}sweep:\n  guest.args.a: { from: 1, to: 1000, step: 1 }\n  zip:\n    - { guest.args.b: { from: 1, to: 101, step: 1 }, guest.args.c: { from: 1, to: 101, step: 1 } }\n`;
    expect(problems(text)).toEqual(['e.yaml:3:1: the sweep has 101000 points (before exclude); at most 100000 are allowed per experiment']);
  });

  it('refuses more than 100 exclusions and a description over 10,000 characters (every point copies it)', () => {
    const exclusions = Array.from({ length: 101 }, (_, i) => `    - { guest.args.n: ${i} }`).join('\n');
    expect(problems(`${HEAD}sweep:\n  guest.args.n: [1, 2]\n  exclude:\n${exclusions}\n`)).toEqual(['e.yaml:6:5: sweep.exclude must NOT have more than 100 items']);
    expect(problems(`${HEAD}description: ${'x'.repeat(10_001)}\n`)).toEqual(['e.yaml:3:14: description must NOT have more than 10000 characters']);
  });
});

describe('the largest files that pass load in seconds', () => {
  it('100,000 points with 64 guest args and a 10,000-character description', () => {
    const args = Array.from({ length: 63 }, (_, i) => `k${i}: ${i}`).join(', ');
    const text = `name: e\ndescription: ${'x'.repeat(10_000)}\nguest: { program: hello, args: { ${args} } }\nsweep:\n  guest.args.n: { from: 1, to: 100000, step: 1 }\n`;
    const start = performance.now();
    expect(planExperiment('e.yaml', text).pointCount).toBe(100_000);
    expect(performance.now() - start).toBeLessThan(20_000);
  });
});
