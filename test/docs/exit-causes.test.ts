// Every exit cause a run can produce is explained in docs/exit-causes.md.
// The causes are read from the code that sets them (the C++ core's fail(),
// RunOutcome and CoreError codes; the worker's and the parent's synthetic
// rows), so a new cause without a line in the doc fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

function sources(dir: string, extensions: RegExp): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => extensions.test(file))
    .map((file) => readFileSync(join(dir, file), 'utf8'));
}

const CAUSE = '"([a-z0-9-]+)"';
const NATIVE_PATTERNS = [
  new RegExp(`\\bfail\\(${CAUSE}`, 'g'),
  new RegExp(`RunOutcome\\{[^,]+, ${CAUSE}`, 'g'),
  new RegExp(`CoreError\\(${CAUSE}`, 'g'),
  /"(unclaimed-(?:io|mmio))"/g,
];
const TS_PATTERNS = [/synthetic\(spec, '[a-z]+', '([a-z0-9-]+)'/g, /exitCause: [^\n]*'([a-z0-9-]+)'/g];

function causesIn(texts: string[], patterns: RegExp[]): Set<string> {
  const causes = new Set<string>();
  for (const text of texts) for (const pattern of patterns) for (const match of text.matchAll(pattern)) causes.add(match[1]);
  return causes;
}

describe('docs/exit-causes.md', () => {
  it('documents every exit cause the code can set', () => {
    const causes = new Set([
      ...causesIn(sources(join(ROOT, 'native/src'), /\.(cc|hh)$/), NATIVE_PATTERNS),
      ...causesIn(sources(join(ROOT, 'src'), /\.ts$/), TS_PATTERNS),
    ]);
    // The patterns must keep finding the causes, or this test would pass on nothing.
    for (const known of ['guest-exit', 'shutdown', 'unclaimed-io', 'kvm-unavailable', 'wall-timeout', 'worker-error']) expect(causes).toContain(known);

    const doc = readFileSync(join(ROOT, 'docs/exit-causes.md'), 'utf8');
    const documented = [...doc.matchAll(/^\| (.+?) \|/gm)].flatMap((row) => [...row[1].matchAll(/`([a-z0-9*-]+)`/g)].map((m) => m[1]));
    const covers = (cause: string) => documented.some((entry) => (entry.endsWith('*') ? cause.startsWith(entry.slice(0, -1)) : entry === cause));
    expect([...causes].filter((cause) => !covers(cause)).sort()).toEqual([]);
  });
});
