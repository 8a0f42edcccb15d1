// Values that used to pass and then run silently wrong: each is now refused
// before any run, with its location. Runs through the real CLI.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResultsCsv } from '../../src/results/read-csv.js';
import { cli, STAND_IN_WORKER, workspace } from '../support/cli.js';

async function run(yaml: string) {
  const dir = await workspace({ 'e.yaml': yaml });
  const validate = await cli(['validate', 'e.yaml'], { cwd: dir });
  const result = await cli(['run', 'e.yaml', '--out', 'out'], { cwd: dir });
  return { validate, result, wroteCsv: existsSync(join(dir, 'out', 'e.csv')) };
}

const withArg = (value: string) => `name: e\nguest: { program: hello, args: { n: ${value} } }\n`;

describe('guest.args values follow the guest-args grammar', () => {
  it.each([
    ['a value with spaces cannot inject keys', '"1 loops=5 evil=1"', 'must be printable ASCII without spaces'],
    ['a NUL cannot cut the string short', '"a\\0b"', 'must be printable ASCII without spaces'],
    ['an integer past 2^53 cannot lose digits', '12345678901234567890', 'is beyond 2\\^53 and cannot be read back exactly'],
  ])('%s', async (_, value, message) => {
    const { validate, result, wroteCsv } = await run(withArg(value));
    for (const r of [validate, result]) {
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`e\\.yaml:2:\\d+: guest\\.args\\.n ${message}`));
    }
    expect(wroteCsv).toBe(false);
  });
});

describe('stats.dumpEvery has a minimum', () => {
  it('a period below 1 ms is refused before any run, where it is written', async () => {
    const { result, wroteCsv } = await run('name: e\nguest: { program: hello }\nstats: { dumpEvery: 1ns }\n');
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/e\.yaml:3:21: stats\.dumpEvery: duration "1ns" must be at least 1ms/);
    expect(wroteCsv).toBe(false);
  });
});

describe('every effective parameter is a column', () => {
  it('defaults included, with numbers in canonical units beside the text as written', async () => {
    const dir = await workspace({ 'e.yaml': 'name: e\nguest: { program: hello }\nsweep:\n  cpu.timer.quantum: [500us, 2ms]\n' });
    const run = await cli(['run', 'e.yaml', '--out', 'out', '--quiet'], { cwd: dir, env: { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER } });
    expect(run.exitCode).toBe(0);
    const rows = (await readResultsCsv(join(dir, 'out', 'e.csv'))).rows;
    const byQuantum = Object.fromEntries(rows.map((r) => [r['cpu.timer.quantum'], r]));
    expect(byQuantum['500us']['cpu.timer.quantum_ns']).toBe('500000');
    expect(byQuantum['2ms']['cpu.timer.quantum_ns']).toBe('2000000');
    for (const row of rows) {
      // Left out of the file, still recorded: the defaults this run used.
      expect(row).toMatchObject({ 'guest.memory_bytes': '67108864', 'limits.wallTimeout_ns': '60000000000', 'cpu.clock_hz': '2000000000', 'limits.maxTicks_ps': '' });
    }
  });
});
