// The core's layers, as DESIGN.md draws them: device models see bus accesses
// and the simulation layer (events, interrupt lines, the core's error type),
// never the CPU model or KVM. Checked on the include graph, transitively.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const SRC = join(ROOT, 'native/src');

function includesOf(file: string): string[] {
  return [...readFileSync(join(SRC, file), 'utf8').matchAll(/^#include "([^"]+)"/gm)].map((m) => m[1]);
}

/** Every project header `file` reaches through its includes, with the chain that reaches it. */
function reachable(file: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (current: string, chain: string[]) => {
    for (const header of includesOf(current)) {
      if (seen.has(header)) continue;
      seen.set(header, [...chain, header]);
      visit(header, [...chain, header]);
    }
  };
  visit(file, [file]);
  return seen;
}

describe('native layering', () => {
  it('no file of devices/ reaches cpu/ or kvm/, directly or through another header', () => {
    const devices = readdirSync(join(SRC, 'devices')).map((f) => `devices/${f}`);
    expect(devices.length).toBeGreaterThan(5);
    const violations = devices.flatMap((file) =>
      [...reachable(file)].filter(([header]) => /^(cpu|kvm)\//.test(header)).map(([, chain]) => chain.join(' -> ')),
    );
    expect(violations).toEqual([]);
  });
});
