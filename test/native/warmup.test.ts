// checkpoint.warmup: the guest runs once to its checkpoint, and every run of
// the sweep starts there; later invocations and concurrent shards reuse that
// one checkpoint instead of warming up again.
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsCsv } from '../../src/results/read-csv.js';
import { cli, workspace } from '../support/cli.js';
import { HAS_KVM, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';
import { seBinary } from '../support/se.js';

const EXPERIMENT = [
  'name: roi',
  `guest: { binary: ${seBinary('m5ops-roi', 'glibc-static')}, argv: [checkpoint, "1000"], memory: 32MiB }`,
  'se: { clock: calls }',
  'checkpoint: { warmup: true }',
  'sweep:',
  '  cpu.hostFactor: [0.5, 1, 2]',
].join('\n');

/** The cpt.<tick> folders under every warm-up folder of `roi` in `base`. */
async function warmupCheckpoints(base: string): Promise<string[]> {
  const root = join(base, 'roi.warmup');
  const found: string[] = [];
  for (const key of await readdir(root)) for (const f of await readdir(join(root, key))) if (f.startsWith('cpt.')) found.push(join(key, f));
  return found;
}

describe.skipIf(!HAS_KVM)('checkpoint.warmup', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it('runs the guest once to its m5 checkpoint; every run starts there, and a second invocation reuses it', async () => {
    const dir = await workspace({ 'e.yaml': EXPERIMENT });
    const first = await cli(['run', 'e.yaml', '-o', 'out'], { cwd: dir });
    expect(first.exitCode, String(first.all)).toBe(0);
    expect(String(first.all)).toContain('roi: warm-up run to the first checkpoint');
    const { rows } = await readResultsCsv(join(dir, 'out/roi.csv'));
    expect(rows).toHaveLength(3);
    const outputs = await Promise.all(rows.map((r) => readFile(join(dir, 'out/roi', r.run_id, 'stdout.log'), 'utf8')));
    for (const row of rows) expect(row).toMatchObject({ status: 'ok', exit_cause: 'm5-exit' });
    // Restored past "start": each run prints the region's lines only after the checkpoint's copy of what came before.
    for (const out of outputs) expect(out).toMatch(/^m5ops-roi: start\nm5ops-roi: units=1000 checksum=[0-9a-f]{8}\nm5ops-roi: done\n$/);
    expect(new Set(outputs).size).toBe(1);
    // No run took a checkpoint of its own: they started after the call.
    for (const row of rows) expect(row.checkpoints).toBe('0');
    expect(await warmupCheckpoints(join(dir, 'out'))).toHaveLength(1);

    const second = await cli(['run', 'e.yaml', '-o', 'out'], { cwd: dir });
    expect(second.exitCode).toBe(0);
    expect(String(second.all)).toContain('roi: every run starts from the warm-up checkpoint');
    expect(String(second.all)).not.toContain('warm-up run to');
    expect(await warmupCheckpoints(join(dir, 'out'))).toHaveLength(1);
  });

  it('two shards started together warm up once between them, through the shared --warmup-dir', async () => {
    const dir = await workspace({ 'e.yaml': EXPERIMENT });
    const shards = await Promise.all(
      ['1/2', '2/2'].map((shard, i) => cli(['run', 'e.yaml', '-o', `shard-${i}`, '--shard', shard, '--warmup-dir', 'shared', '--quiet'], { cwd: dir })),
    );
    for (const s of shards) expect(s.exitCode, String(s.all)).toBe(0);
    const said = shards.map((s) => String(s.all));
    expect(said.filter((t) => t.includes('warm-up run to the first checkpoint'))).toHaveLength(1);
    expect(said.filter((t) => t.includes('every run starts from the warm-up checkpoint'))).toHaveLength(1);
    expect(await warmupCheckpoints(join(dir, 'shared'))).toHaveLength(1);
    const rows = (await Promise.all([0, 1].map((i) => readResultsCsv(join(dir, `shard-${i}/roi.csv`))))).flatMap((t) => t.rows);
    expect(rows.map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
  });

  it('refuses a sweep that would change what the checkpoint holds, at the swept key', async () => {
    const dir = await workspace({ 'e.yaml': EXPERIMENT.replace('  cpu.hostFactor: [0.5, 1, 2]', '  guest.argv: [[checkpoint, "10"], [checkpoint, "20"]]') });
    const result = await cli(['validate', 'e.yaml'], { cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(String(result.all)).toMatch(/e\.yaml:6:3: checkpoint\.warmup starts every run from one checkpoint, so the sweep may vary only cpu, limits and stats; guest\.argv would change the machine the checkpoint holds/);
  });

  it('a rebuilt program makes a new warm-up instead of restoring the old one', async () => {
    const dir = await workspace({});
    await copyFile(seBinary('m5ops-roi', 'glibc-static'), join(dir, 'prog'));
    await writeFile(join(dir, 'e.yaml'), EXPERIMENT.replace(seBinary('m5ops-roi', 'glibc-static'), 'prog'));
    expect((await cli(['run', 'e.yaml', '-o', 'out', '--quiet'], { cwd: dir })).exitCode).toBe(0);
    // Another build of the same program at the same path.
    await copyFile(seBinary('m5ops-roi', 'glibc-dynamic'), join(dir, 'prog'));
    const again = await cli(['run', 'e.yaml', '-o', 'out'], { cwd: dir });
    expect(again.exitCode, String(again.all)).toBe(0);
    expect(String(again.all)).toContain('warm-up run to the first checkpoint');
    expect(await warmupCheckpoints(join(dir, 'out'))).toHaveLength(2);
  });
});
