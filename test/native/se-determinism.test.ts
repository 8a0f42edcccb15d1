// SE mode is repeatable: with the same se.seed and se.clock: calls (the
// program's clocks advance per system call, not with host time), two runs
// of time-random show print the same bytes and make the same system calls
// (syscalls.log, from se.trace), and another seed gives other random bytes. One experiment:
// every flavour x two seeds x two repeats, plus one run with se.epoch set.
import { beforeAll, describe, expect, it } from 'vitest';
import { num } from '../support/experiment-run.js';
import { HAS_KVM, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';
import { FLAVOURS, runSe, SE_BUILD, seWorkspace, type Flavour, type SeRun } from '../support/se.js';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';

const SEEDS = [1, 7];
const EPOCH = '2030-06-01T00:00:00Z';
const EPOCH_SECONDS = 1906502400;

let se: SeRun;
const binary = (flavour: Flavour) => `build/time-random.${flavour}`;

function runs(flavour: Flavour, seed: number, epoch = '1704067200') {
  return se.table.rows
    .filter((r) => r['guest.binary'] === binary(flavour) && r['se.seed'] === String(seed) && r['se.epoch_unix_s'] === epoch)
    .sort((a, b) => Number(a.repeat) - Number(b.repeat));
}
const text = async (row: Record<string, string>, file: string) => (await se.runFile(row, file)).toString();
/** The lines of time-random show that hold random bytes. */
const randomLines = (stdout: string) => stdout.split('\n').filter((line) => /^(getrandom1|getrandom2|urandom)=/.test(line));
/** The seconds of time-random's realtime line, checking that gettimeofday and time() agree with it. */
function realtimeSeconds(stdout: string): number {
  const m = /^realtime=(\d+)\.\d{9} gettimeofday=(\d+)\.\d{6} time=(\d+)$/m.exec(stdout);
  if (!m) throw new Error(`no realtime line in:\n${stdout}`);
  expect(Number(m[2]) - Number(m[1])).toBeLessThanOrEqual(1);
  expect(Number(m[3]) - Number(m[1])).toBeLessThanOrEqual(1);
  return Number(m[1]);
}
/** stdout with the clock readings (simulated time) blanked. */
const withoutClocks = (stdout: string) => stdout.replace(/\d+\.\d{6,9}|slept_ns=\d+|\btime=\d+/g, '<t>');

describe.skipIf(!HAS_KVM)('SE mode: the same seed gives the same run', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    const dir = await seWorkspace();
    await symlink(SE_BUILD, join(dir, 'build'));
    se = await runSe(dir, {
      name: 'se-determinism',
      guest: { binary: binary(FLAVOURS[0]), argv: ['show'] },
      se: { trace: true, clock: 'calls' },
      repeat: 2,
      sweep: {
        'guest.binary': FLAVOURS.map(binary),
        'se.seed': SEEDS,
        'se.epoch': ['2024-01-01T00:00:00Z', EPOCH],
        exclude: [{ 'se.seed': 7, 'se.epoch': EPOCH }],
      },
    });
  }, KVM_TEST_TIMEOUT_MS);

  it('every run passed its checks', async () => {
    expect(se.table.rows).toHaveLength(FLAVOURS.length * 3 * 2);
    for (const row of se.table.rows) {
      expect(row, row.run_id).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
      expect(await text(row, 'stdout.log')).toMatch(/^time ok\nrandom ok\n/);
    }
  });

  describe.each(FLAVOURS)('%s', (flavour) => {
    it.each(SEEDS)('seed %i: both runs print the same stdout.log, byte for byte', async (seed) => {
      const [a, b] = runs(flavour, seed);
      expect(await text(b, 'stdout.log')).toBe(await text(a, 'stdout.log'));
    });

    it.each(SEEDS)('seed %i: both runs make the same system calls (syscalls.log), one line each', async (seed) => {
      const [a, b] = runs(flavour, seed);
      const trace = await text(a, 'syscalls.log');
      expect(await text(b, 'syscalls.log')).toBe(trace);
      expect(trace.split('\n').filter(Boolean)).toHaveLength(num(a, 'numSyscalls'));
      expect(trace).toMatch(/^getrandom\(0x[0-9a-f]+, 32, 0(x0)?\) = 32$/m);
      expect(trace).toMatch(/exit_group\(0\) = \? <exit 0>\n$/);
    });

    it.each(SEEDS)('seed %i: both runs print the same random bytes, and the same output but for the clock values', async (seed) => {
      const [a, b] = runs(flavour, seed);
      const [outA, outB] = [await text(a, 'stdout.log'), await text(b, 'stdout.log')];
      expect(randomLines(outA)).toHaveLength(3);
      expect(randomLines(outB)).toEqual(randomLines(outA));
      expect(withoutClocks(outB)).toBe(withoutClocks(outA));
    });

    it('another seed gives other bytes from getrandom and /dev/urandom', async () => {
      const one = randomLines(await text(runs(flavour, SEEDS[0])[0], 'stdout.log'));
      const other = randomLines(await text(runs(flavour, SEEDS[1])[0], 'stdout.log'));
      for (let i = 0; i < 3; i++) expect(other[i]).not.toBe(one[i]);
    });

    it('se.epoch sets CLOCK_REALTIME at simulated time 0, and changes neither the random bytes nor the calls', async () => {
      const [epoch] = runs(flavour, SEEDS[0], String(EPOCH_SECONDS));
      const [plain] = runs(flavour, SEEDS[0]);
      const out = await text(epoch, 'stdout.log');
      // The run is well under a minute of simulated time (a few ms on KVM; slower under nested TCG).
      expect(realtimeSeconds(out)).toBeGreaterThanOrEqual(EPOCH_SECONDS);
      expect(realtimeSeconds(out)).toBeLessThan(EPOCH_SECONDS + 60);
      expect(realtimeSeconds(await text(plain, 'stdout.log'))).toBeGreaterThanOrEqual(1704067200);
      expect(realtimeSeconds(await text(plain, 'stdout.log'))).toBeLessThan(1704067200 + 60);
      expect(randomLines(out)).toEqual(randomLines(await text(plain, 'stdout.log')));
      // time() is the only call whose traced result is the clock.
      const masked = (trace: string) => trace.replace(/^time\(NULL\) = \d+$/gm, 'time(NULL) = <t>');
      expect(masked(await text(epoch, 'syscalls.log'))).toBe(masked(await text(plain, 'syscalls.log')));
    });
  });
});
