// Every way a guest talks to the machine, counted twice: by us and by an
// independent witness (the kernel's counters, the sink device, the guest).
import { describe, expect, it } from 'vitest';
import { computeChecksum } from '../guests/compute-reference.js';
import { num, runExperiment } from '../support/experiment-run.js';
import { join } from 'node:path';
import { readResultsCsv } from '../../src/results/read-csv.js';
import { cli, ROOT, workspace } from '../support/cli.js';
import { HAS_KVM, KVM_FLAVOUR, KVM_TEST_TIMEOUT_MS, UNDER_QEMU_TCG } from '../support/kvm.js';

const MISCOUNTING_WORKER = join(ROOT, 'test/support/miscounting-worker.mjs');

const COUNT = 5000;
const RUNTIME_EXIT_WRITES = 1; // docs/guest-abi.md

describe.skipIf(!HAS_KVM)('guest IO on /dev/kvm', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it('coalescing leaves at most 1% of the exits, loses no write and keeps their order (MMIO and PIO)', async () => {
    const { table } = await runExperiment(
      [
        'name: coalesce',
        `guest: { program: mmio-stream, args: { count: ${COUNT} } }`,
        'sweep:',
        '  cpu.useCoalescedMMIO: [true, false]',
        '  guest.program: [mmio-stream, pio-stream]',
      ].join('\n'),
    );
    const find = (program: string, on: string) => table.rows.find((r) => r['guest.program'] === program && r['cpu.useCoalescedMMIO'] === on)!;
    const mmioOn = find('mmio-stream', 'true');
    const mmioOff = find('mmio-stream', 'false');
    expect(mmioOn.coalescing).toBe('on');
    expect(num(mmioOn, 'numMMIO')).toBeLessThanOrEqual(num(mmioOff, 'numMMIO') / 100);
    expect(num(mmioOn, 'numMMIO') + num(mmioOn, 'numCoalescedMMIO')).toBe(COUNT);
    expect(num(mmioOn, 'mmioSink.writes')).toBe(COUNT);
    expect(num(mmioOn, 'mmioSink.outOfOrder')).toBe(0);

    const pioOn = find('pio-stream', 'true');
    const pioOff = find('pio-stream', 'false');
    expect(pioOn.coalescing).toBe('on');
    const guestPortWrites = COUNT + RUNTIME_EXIT_WRITES;
    expect(num(pioOn, 'numIO')).toBeLessThanOrEqual(num(pioOff, 'numIO') / 100);
    expect(num(pioOn, 'numIO') + num(pioOn, 'numCoalescedPIO')).toBe(guestPortWrites);
    expect(num(pioOn, 'numCoalescedMMIO')).toBe(0);
    expect(num(pioOn, 'pioSink.writes')).toBe(COUNT);
    expect(num(pioOn, 'pioSink.outOfOrder')).toBe(0);
  });

  it("the witness column checks our counts against the kernel's, by the rules of this host's flavour", async () => {
    const { table } = await runExperiment(
      ['name: witness', `guest: { program: pio-stream, args: { count: ${COUNT} } }`, 'sweep:', '  guest.program: [pio-stream, mmio-stream, hello]'].join('\n'),
    );
    for (const row of table.rows) {
      expect(row.status).toBe('ok');
      // MMIO exits are exact on every flavour.
      expect(num(row, 'numMMIO')).toBe(num(row, 'kvm.mmio_exits'));
      if (KVM_FLAVOUR === 'pvm') {
        // PVM emulates port IO and never counts io_exits; each access is one insn_emulation.
        expect(num(row, 'kvm.io_exits')).toBe(0);
        expect(num(row, 'numIO')).toBeLessThanOrEqual(num(row, 'kvm.insn_emulation'));
        expect(row.witness).toBe('agree (io<=insn_emulation, mmio)');
      } else if (KVM_FLAVOUR === 'vmx' || KVM_FLAVOUR === 'svm') {
        expect(num(row, 'numIO')).toBe(num(row, 'kvm.io_exits'));
        expect(row.witness).toBe('agree (io, mmio)');
      } else {
        expect(row.witness).toBe('agree (mmio)');
      }
    }
  });

  it('a row whose count is one too high disagrees with the kernel, and compare fails it', async () => {
    const yaml = 'name: miscount\nguest: { program: mmio-stream, args: { count: 100 } }\n';
    const dir = await workspace({ 'e.yaml': yaml });
    await cli(['run', 'e.yaml', '--out', 'good', '--quiet'], { cwd: dir });
    await cli(['run', 'e.yaml', '--out', 'bad', '--quiet'], { cwd: dir, env: { RUN_EXPERIMENTS_WORKER: MISCOUNTING_WORKER } });
    const bad = (await readResultsCsv(join(dir, 'bad', 'miscount.csv'))).rows[0];
    expect(bad.status).toBe('ok');
    expect(bad.witness).toBe('disagree: numMMIO 101, kvm.mmio_exits 100');
    // numIO did not move, so only the witness can fail this comparison.
    const compare = await cli(['compare', 'good/miscount.csv', 'bad/miscount.csv', '--metrics', 'numIO'], { cwd: dir });
    expect(compare.exitCode).toBe(1);
    expect(compare.all).toContain('witness disagrees in');
    expect(compare.all).toContain('disagree: numMMIO 101, kvm.mmio_exits 100');
    const clean = await cli(['compare', 'good/miscount.csv', 'good/miscount.csv', '--metrics', 'numIO'], { cwd: dir });
    expect(clean.exitCode).toBe(0);
  });

  // Writing the special registers back after every exit rewrites TR as busy (see UNDER_QEMU_TCG).
  it.skipIf(UNDER_QEMU_TCG)('alwaysSyncTC copies the vCPU state around every entry and changes no count', async () => {
    const { table } = await runExperiment(
      ['name: sync', 'guest: { program: pio-stream, args: { count: 500 } }', 'sweep:', '  cpu.alwaysSyncTC: [true, false]'].join('\n'),
    );
    for (const row of table.rows) {
      expect(row.status).toBe('ok');
      expect(num(row, 'numIO')).toBe(500 + RUNTIME_EXIT_WRITES);
      expect(num(row, 'pioSink.outOfOrder')).toBe(0);
    }
  });

  // A kick (signal exit) is a way out of KVM_RUN too: state must be synced
  // there as well, or the next entry rewinds the guest to stale registers.
  it.skipIf(UNDER_QEMU_TCG)('alwaysSyncTC survives timer kicks: the guest neither rewinds nor faults', async () => {
    const count = 300;
    const { table, runFile } = await runExperiment(
      ['name: sync-kicks', `guest: { program: compute, args: { count: ${count} } }`, 'cpu: { alwaysSyncTC: true, timer: { quantum: 200us } }'].join('\n'),
    );
    const row = table.rows[0];
    expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
    expect(num(row, 'numExitSignal')).toBeGreaterThan(0);
    expect(await runFile(row, 'console.log')).toContain(`crc32=${computeChecksum(count).toString(16).padStart(8, '0')}`);
  });

  // gem5's useXSave: the synced copy includes the vector registers, through
  // XSAVE or the legacy FPU ioctls. vector-loop keeps its sums in %xmm0 and
  // never spills them, so a copy that lost or zeroed them shows in its output.
  it.skipIf(UNDER_QEMU_TCG)('alwaysSyncTC keeps the vector registers across kicks, with useXSave on and off', async () => {
    const rounds = 50_000_000;
    const { table, runFile } = await runExperiment(
      [`name: sync-vector`, `guest: { program: vector-loop, args: { count: ${rounds} } }`, 'cpu: { alwaysSyncTC: true, timer: { quantum: 200us } }', 'sweep:', '  cpu.useXSave: [true, false]'].join('\n'),
    );
    expect(table.rows.map((row) => row['cpu.useXSave']).sort()).toEqual(['false', 'true']);
    for (const row of table.rows) {
      expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
      expect(num(row, 'numExitSignal')).toBeGreaterThan(0);
      expect(await runFile(row, 'console.log')).toContain(`vector-loop: lanes=${rounds},${3 * rounds}`);
    }
  });

  it('irq: every interrupt counted by both sides; halted time is skipped, not waited', async () => {
    const { table, runFile } = await runExperiment('name: irq\nguest: { program: irq, args: { count: 100, period_us: 10000 } }\n');
    const row = table.rows[0];
    expect(row.status).toBe('ok');
    const guest = /irq: interrupts=(\d+) halts=(\d+)/.exec(await runFile(row, 'console.log'))!;
    expect(num(row, 'numInterrupts')).toBe(Number(guest[1]));
    expect(num(row, 'numInterrupts')).toBe(100);
    expect(num(row, 'numHalt')).toBeGreaterThanOrEqual(num(row, 'numInterrupts'));
    expect(num(row, 'timer.fired')).toBe(100);
    expect(num(row, 'simSeconds')).toBeGreaterThan(0.99);
    expect(num(row, 'simSeconds')).toBeLessThan(1.3);
    expect(num(row, 'idleTicks') / num(row, 'simTicks')).toBeGreaterThan(0.7);
    expect(num(row, 'hostSeconds')).toBeLessThan(0.5);
  });

  it('an NMI from the timer reaches the guest through KVM_NMI and vector 2', async () => {
    const { table } = await runExperiment('name: nmi\nguest: { program: irq, args: { count: 1, period_us: 1000, vector: 2 } }\n');
    const row = table.rows[0];
    // The runtime has no NMI handler: its exception gate for vector 2 reports the NMI as a fault.
    expect(row).toMatchObject({ status: 'failed', exit_cause: 'guest-exception' });
    expect(row.error).toContain('guest exception 2 (NMI)');
    expect(num(row, 'numInterrupts')).toBe(1);
    expect(num(row, 'timer.fired')).toBe(1);
  });

  it('hypercall count=N: numHypercalls is N, and the host answered every call', async () => {
    const { table, runFile } = await runExperiment('name: hc\nguest: { program: hypercall, args: { count: 700 } }\n');
    const row = table.rows[0];
    expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
    expect(num(row, 'numHypercalls')).toBe(700);
    expect(num(row, 'hypercall.calls')).toBe(700);
    expect(await runFile(row, 'console.log')).toContain('sum=245350 expected=245350');
  });
});
