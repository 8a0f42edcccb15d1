// Simulated time as gem5 keeps it, on real /dev/kvm: quantum kicks,
// hostFactor, exact single-step counts, tick and instruction limits, and
// gem5's stats.txt.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeChecksum } from '../guests/compute-reference.js';
import { ROOT } from '../support/cli.js';
import { num, runExperiment } from '../support/experiment-run.js';
import { HAS_KVM, KVM_FLAVOUR, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';
import { parseGem5Stats } from '../support/gem5-stats.js';

/** native/guests/insn-loop.S: 1 + 2 x 1000 + 2 instructions before its exit write. */
const INSN_LOOP_INSTRUCTIONS = 2003;

describe.skipIf(!HAS_KVM)('simulated time on /dev/kvm', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  // Kicks per second of time spent inside KVM_RUN: independent of how long
  // each run waited for a core, so the ratios hold on a loaded host.
  const kickRate = (row: Record<string, string>) => num(row, 'numExitSignal') / (num(row, 'hostCycles') / num(row, 'tscHz'));
  const checksumLine = (count: number) => `crc32=${computeChecksum(count).toString(16).padStart(8, '0')}`;

  it('a quadrupled quantum cuts the timer kicks; the checksum does not change', async () => {
    const { table, runFile } = await runExperiment(
      ['name: quantum', 'guest: { program: compute, args: { count: 40000 } }', 'sweep:', '  cpu.timer.quantum: [1ms, 4ms]'].join('\n'),
    );
    const [q1, q4] = ['1ms', '4ms'].map((q) => table.rows.find((r) => r['cpu.timer.quantum'] === q)!);
    for (const row of [q1, q4]) {
      expect(row.status).toBe('ok');
      expect(await runFile(row, 'console.log')).toContain(checksumLine(40000));
    }
    // 4 when every kick lands on time; a loaded host stretches quanta alike.
    expect(kickRate(q1) / kickRate(q4)).toBeGreaterThan(1.8);
    expect(kickRate(q1) / kickRate(q4)).toBeLessThan(6);
  });

  it('no quantum is too short to finish: short ones are raised to the measured kick floor', async () => {
    const quanta = { '1us': 1e3, '10us': 1e4, '100us': 1e5, '1ms': 1e6 };
    const { table, runFile, output } = await runExperiment(
      ['name: floor', 'guest: { program: compute, args: { count: 2000 } }', 'sweep:', `  cpu.timer.quantum: [${Object.keys(quanta).join(', ')}]`].join('\n'),
    );
    const rows = Object.entries(quanta).map(([text, ns]) => ({ ns, row: table.rows.find((r) => r['cpu.timer.quantum'] === text)! }));
    for (const { ns, row } of rows) {
      expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
      expect(await runFile(row, 'console.log')).toContain(checksumLine(2000));
      // The effective quantum: the request, the kick floor (twice the measured kick cost) or the timer's resolution.
      const floor = row.kickCostNs === '' ? 0 : 2 * num(row, 'kickCostNs');
      expect(num(row, 'quantumNs')).toBe(Math.max(ns, floor, num(row, 'timerResolutionNs')));
    }
    // One located warning per raised quantum, before the runs.
    expect(output).toMatch(/^warning: .*e\.yaml:\d+:\d+: cpu\.timer\.quantum 1\.0 us is shorter than a timer kick allows here/m);
    // Every host here or anywhere takes more than 1 us for a kick.
    expect(num(rows[0].row, 'quantumNs')).toBeGreaterThan(1e3);
    expect(rows[3].row.kickCostNs).toBe(''); // 1 ms is long enough not to measure
    // Kicks per second fall as the effective quantum grows (compared where it at least quadruples).
    for (const a of rows)
      for (const b of rows)
        if (num(b.row, 'quantumNs') >= 4 * num(a.row, 'quantumNs')) expect(kickRate(a.row)).toBeGreaterThan(kickRate(b.row));
  });

  it('numCycles / hostCycles equals hostFactor, and simTicks follows at cpu.clock', async () => {
    const { table } = await runExperiment(
      ['name: factor', 'guest: { program: compute, args: { count: 500 } }', 'cpu: { clock: 2GHz }', 'sweep:', '  cpu.hostFactor: [0.5, 1, 2]'].join('\n'),
    );
    for (const row of table.rows) {
      const factor = Number(row['cpu.hostFactor']);
      expect(row.status).toBe('ok');
      expect(num(row, 'numCycles') / num(row, 'hostCycles')).toBeCloseTo(factor, 6);
      // 2 GHz: 500 ticks (ps) per cycle; no idle time in a compute guest.
      expect(num(row, 'idleTicks')).toBe(0);
      expect(num(row, 'simTicks') / num(row, 'numCycles')).toBeCloseTo(500, 6);
      expect(num(row, 'simSeconds')).toBeCloseTo(num(row, 'simTicks') / 1e12, 12);
    }
  });

  it('single-step counts a known guest exactly, and maxInsts stops on the instruction', async () => {
    const { table } = await runExperiment(
      ['name: steps', 'guest: { program: insn-loop }', 'cpu: { instructionCounter: singlestep }', 'sweep:', '  limits.maxInsts: [0, 1000]'].join('\n'),
    );
    const whole = table.rows.find((r) => r['limits.maxInsts'] === '0')!;
    const limited = table.rows.find((r) => r['limits.maxInsts'] === '1000')!;
    // PVM raises debug exits for ring-0 code only, and the label says so.
    expect(whole).toMatchObject({ status: 'ok', exit_cause: 'guest-exit', instsSource: KVM_FLAVOUR === 'pvm' ? 'singlestep-ring0' : 'singlestep' });
    expect(num(whole, 'committedInsts')).toBe(INSN_LOOP_INSTRUCTIONS);
    expect(limited).toMatchObject({ status: 'ok', exit_cause: 'max-insts' });
    expect(num(limited, 'committedInsts')).toBe(1000);
  });

  it('maxTicks ends a guest that never ends, with its statistics', async () => {
    const { table, runFile } = await runExperiment(
      ['name: ticks', 'guest: { program: spin }', 'limits: { maxTicks: 20ms }', 'cpu: { timer: { quantum: 1ms } }', 'stats: { dumpEvery: 5ms }'].join('\n'),
    );
    const row = table.rows[0];
    expect(row).toMatchObject({ status: 'ok', exit_cause: 'max-ticks' });
    expect(num(row, 'simTicks')).toBeGreaterThanOrEqual(20e9);
    expect(num(row, 'simTicks')).toBeLessThan(22e9); // stops within a tenth of the limit
    expect(num(row, 'numExitSignal')).toBeGreaterThan(0);
    const series = (await runFile(row, 'timeseries.csv')).trim().split('\n');
    expect(series[0].split(',')[0]).toBe('simTicks');
    expect(series.length - 1).toBe(4); // snapshots at 5, 10, 15 and 20 ms
  });

  it('simulated time that would pass 2^63 ticks fails the run instead of saturating', async () => {
    const { table } = await runExperiment(
      ['name: overflow', 'guest: { program: compute, args: { count: 300 } }', 'sweep:', '  cpu.clock: [0.001Hz, 2GHz]'].join('\n'),
    );
    const slow = table.rows.find((r) => r['cpu.clock'] === '0.001Hz')!;
    expect(slow).toMatchObject({ status: 'failed', exit_cause: 'sim-time-overflow' });
    expect(slow.error).toContain('simulated time passed 2^63 ticks (cpu.clock 0.001 Hz, hostFactor 1)');
    expect(table.rows.find((r) => r['cpu.clock'] === '2GHz')).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
  });

  it('a time series has one row per period of simulated time, none repeated', async () => {
    const { table, runFile } = await runExperiment(
      ['name: series', 'guest: { program: compute, args: { count: 3000 } }', 'cpu: { timer: { quantum: 10ms } }', 'stats: { dumpEvery: 1ms }'].join('\n'),
    );
    const row = table.rows[0];
    expect(row.status).toBe('ok');
    const ticks = (await runFile(row, 'timeseries.csv')).trim().split('\n').slice(1).map((line) => Number(line.split(',')[0]));
    expect(ticks.length).toBe(num(row, 'timeseriesRows'));
    expect(num(row, 'timeseriesDropped')).toBe(0);
    // Strictly increasing, at most one row per 1 ms period (1e9 ticks), even when a kick lands late.
    for (let i = 1; i < ticks.length; i++) expect(Math.floor(ticks[i] / 1e9)).toBeGreaterThan(Math.floor(ticks[i - 1] / 1e9));
  });

  it('with two vCPUs, each snapshot is of the whole machine, taken with both stopped at a quantum barrier', async () => {
    const image = join(ROOT, 'native/guests/multiboot/build/smp-work.elf');
    const { table, runFile } = await runExperiment(
      ['name: smp-series', `guest: { image: ${image}, format: multiboot }`, 'machine: { irqchip: kernel, cpus: 2 }', 'stats: { dumpEvery: 2ms }', 'checkpoint: { onGuestRequest: false }'].join('\n'),
    );
    const row = table.rows[0];
    expect(row).toMatchObject({ status: 'ok', exit_cause: 'debug-exit' });
    const [header, ...lines] = (await runFile(row, 'timeseries.csv')).trim().split('\n');
    const column = (name: string) => lines.map((line) => Number(line.split(',')[header.split(',').indexOf(name)]));
    expect(lines.length).toBe(num(row, 'timeseriesRows'));
    // Its INIT and STARTUP waits alone take over 10 ms of simulated time, wherever it runs.
    expect(lines.length).toBeGreaterThanOrEqual(5);
    const ticks = column('simTicks');
    for (let i = 1; i < ticks.length; i++) expect(Math.floor(ticks[i] / 2e9)).toBeGreaterThan(Math.floor(ticks[i - 1] / 2e9));
    // Both vCPUs are kicked every quantum: the last snapshot's sum passes what vCPU 0 alone counted by the end.
    const kicks = column('numExitSignal');
    expect(kicks[kicks.length - 1]).toBeGreaterThan(num(row, 'cpu0.numExitSignal'));
    expect(kicks[kicks.length - 1]).toBeLessThanOrEqual(num(row, 'numExitSignal'));
  });

  it("stats.txt parses as gem5's and holds every CSV statistic with the same value", async () => {
    const { table, runFile } = await runExperiment('name: gem5\nguest: { program: pio-stream, args: { count: 100 } }\n');
    const row = table.rows[0];
    const blocks = parseGem5Stats(await runFile(row, 'stats.txt'));
    const last = blocks[blocks.length - 1];
    const statColumns = table.header.slice(table.header.indexOf('simTicks'), table.header.indexOf('instsSource'));
    expect(statColumns.length).toBeGreaterThan(10);
    // Nothing counts instructions in this run: committedInsts is empty in the CSV and absent from stats.txt.
    expect(row.committedInsts).toBe('');
    expect(last.has('committedInsts')).toBe(false);
    for (const column of statColumns.filter((c) => row[c] !== '')) {
      expect(last.has(column), column).toBe(true);
      expect(last.get(column)!.value).toBeCloseTo(num(row, column), 6);
      expect(last.get(column)!.description.length).toBeGreaterThan(0);
    }
  });
});
