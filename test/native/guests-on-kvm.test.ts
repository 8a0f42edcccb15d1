// The bundled guests, end to end through the CLI on real /dev/kvm: counts
// that must be exact, a checksum the host recomputes, and guests that fault,
// hang or lose their worker.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readResultsCsv } from '../../src/results/read-csv.js';
import { computeChecksum } from '../guests/compute-reference.js';
import { cli, workspace } from '../support/cli.js';
import { runExperiment } from '../support/experiment-run.js';
import { HAS_KVM, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';

/** The runtime's own port IO after main() returns: one sim-control exit write (docs/guest-abi.md). */
const RUNTIME_EXIT_WRITES = 1;

describe.skipIf(!HAS_KVM)('bundled guests on /dev/kvm', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it('pio-stream and mmio-stream: every write is one exit and reaches the sink in order', async () => {
    const { table } = await runExperiment(
      ['name: streams', 'guest: { program: pio-stream, args: { count: 1000 } }', 'sweep:', '  guest.program: [pio-stream, mmio-stream]'].join('\n'),
    );
    const pio = table.rows.find((r) => r['guest.program'] === 'pio-stream')!;
    const mmio = table.rows.find((r) => r['guest.program'] === 'mmio-stream')!;
    expect(pio.status).toBe('ok');
    expect(Number(pio.numIO)).toBe(1000 + RUNTIME_EXIT_WRITES);
    expect(Number(pio['pioSink.writes'])).toBe(1000);
    expect(Number(pio['pioSink.outOfOrder'])).toBe(0);
    expect(Number(pio.numMMIO)).toBe(0);
    expect(mmio.status).toBe('ok');
    expect(Number(mmio.numMMIO)).toBe(1000);
    expect(Number(mmio['mmioSink.writes'])).toBe(1000);
    expect(Number(mmio['mmioSink.outOfOrder'])).toBe(0);
    expect(Number(mmio.numIO)).toBe(RUNTIME_EXIT_WRITES);
    // The kernel's own counters are the independent witness.
    for (const row of [pio, mmio]) expect(row.witness).toMatch(/^agree \(.*mmio\)$/);
  });

  it('compute prints the checksum the host computes', async () => {
    const { table, runFile } = await runExperiment('name: compute\nguest: { program: compute, args: { count: 300 } }\n');
    const row = table.rows[0];
    expect(row.status).toBe('ok');
    const console = await runFile(row, 'console.log');
    const expected = computeChecksum(300).toString(16).padStart(8, '0');
    expect(console).toContain(`compute: rounds=300 crc32=${expected}`);
    expect(Number(row['serial.txBytes'])).toBe(console.length);
  });

  it('a triple fault, an endless loop and a killed worker each become a row; the rest finish', async () => {
    const dir = await workspace({
      'e.yaml': [
        'name: misbehaving-guests',
        'guest: { program: hello }',
        'sweep:',
        // Only spin must time out; the others get room for a loaded, emulated host (the nested VM).
        '  zip:',
        '    - guest.program: [hello, triple-fault, spin, compute]',
        '      limits.wallTimeout: [120s, 120s, 10s, 120s]',
      ].join('\n'),
    });
    const run = cli(['run', 'e.yaml', '--out', 'out', '-j', '4', '--quiet'], { cwd: dir });
    const result = await run;
    expect(result.exitCode).toBe(1);
    const table = await readResultsCsv(join(dir, 'out/misbehaving-guests.csv'));
    const byProgram = (p: string) => table.rows.filter((r) => r['guest.program'] === p);
    expect(byProgram('hello')[0].status).toBe('ok');
    expect(byProgram('compute')[0].status).toBe('ok');
    expect(byProgram('triple-fault')[0]).toMatchObject({ status: 'failed', exit_cause: 'shutdown' });
    expect(byProgram('triple-fault')[0].error).toMatch(/triple fault.*rip=/);
    expect(byProgram('spin')[0]).toMatchObject({ status: 'timeout', exit_cause: 'wall-timeout' });
  });

  it('a worker killed by a signal while its guest runs becomes a crashed row', async () => {
    const dir = await workspace({
      'e.yaml': ['name: killed', 'guest: { program: spin }', 'limits: { wallTimeout: 20s }', 'sweep:', '  guest.program: [spin, hello]'].join('\n'),
    });
    const run = cli(['run', 'e.yaml', '--out', 'out', '-j', '2', '--quiet'], { cwd: dir });
    const { readdir } = await import('node:fs/promises');
    let pid: number | undefined;
    for (let i = 0; i < 300 && pid === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      for (const id of await readdir(join(dir, 'out/killed')).catch(() => [] as string[])) {
        const console = await readFile(join(dir, 'out/killed', id, 'console.log'), 'utf8').catch(() => '');
        if (console.includes('spin:')) pid = Number(await readFile(join(dir, 'out/killed', id, 'worker.pid'), 'utf8'));
      }
    }
    expect(pid).toBeGreaterThan(0);
    process.kill(pid!, 'SIGKILL');
    await run;
    const table = await readResultsCsv(join(dir, 'out/killed.csv'));
    expect(table.rows.find((r) => r['guest.program'] === 'spin')).toMatchObject({ status: 'crashed', exit_cause: 'worker-signal' });
    expect(table.rows.find((r) => r['guest.program'] === 'hello')?.status).toBe('ok');
  });
});
