import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe as suite, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseResultsCsv } from '../../src/results/read-csv.js';
import { t95 } from '../../src/results/stats.js';
import { summarize, summaryPathFor, writeSummaryCsv } from '../../src/results/summary.js';
import { makeTempDir, resultsCsvText, writeResultsFixture, type FixtureRun } from '../support/results-fixture.js';

const threeRepeats: FixtureRun[] = [
  { point: 0, repeat: 0, metrics: { simTicks: 10 } },
  { point: 0, repeat: 1, metrics: { simTicks: 12 } },
  { point: 0, repeat: 2, metrics: { simTicks: 17 } },
];

function summaryOf(runs: FixtureRun[]) {
  return summarize(parseResultsCsv('results.csv', resultsCsvText(runs)));
}

suite('summarize', () => {
  it('has the point, parameter, run count and per-metric statistic columns, without instsSource', () => {
    const { header } = summaryOf(threeRepeats);
    expect(header.slice(0, 6)).toEqual(['experiment', 'point', 'cpu.timer.quantum', 'guest.args.count', 'runs', 'ok_runs']);
    expect(header.slice(6, 11)).toEqual(['simTicks.mean', 'simTicks.stddev', 'simTicks.min', 'simTicks.max', 'simTicks.ci95']);
    expect(header).toContain('pioSink.writes.mean');
    expect(header).toContain('kvm.exits.ci95');
    expect(header.some((column) => column.startsWith('instsSource'))).toBe(false);
  });

  it('matches hand-computed mean, sample stddev and Student-t ci95 for three repeats', () => {
    // 10, 12, 17: mean 13; squared deviations 9 + 1 + 16 = 26; variance 26 / 2 = 13;
    // ci95 = t(0.975, df 2) * sqrt(13) / sqrt(3) = 4.303 * 2.0816659...
    const [row] = summaryOf(threeRepeats).rows;
    expect(row['runs']).toBe('3');
    expect(row['ok_runs']).toBe('3');
    expect(Number(row['simTicks.mean'])).toBe(13);
    expect(Number(row['simTicks.stddev'])).toBeCloseTo(3.605551275, 8);
    expect(Number(row['simTicks.min'])).toBe(10);
    expect(Number(row['simTicks.max'])).toBe(17);
    expect(Number(row['simTicks.ci95'])).toBeCloseTo(8.957408796, 8);
  });

  it('counts only ok runs toward the numbers but reports all runs', () => {
    const [row] = summaryOf([...threeRepeats, { point: 0, repeat: 3, status: 'crashed', metrics: { simTicks: 9999 } }]).rows;
    expect(row['runs']).toBe('4');
    expect(row['ok_runs']).toBe('3');
    expect(Number(row['simTicks.mean'])).toBe(13);
    expect(Number(row['simTicks.max'])).toBe(17);
  });

  it('leaves stddev and ci95 empty for a single ok run, and every statistic empty for none', () => {
    const { rows } = summaryOf([
      { point: 0, repeat: 0, metrics: { simTicks: 10 } },
      { point: 0, repeat: 1, status: 'timeout' },
      { point: 1, repeat: 0, status: 'failed' },
    ]);
    expect(rows[0]['simTicks.mean']).toBe('10');
    expect(rows[0]['simTicks.stddev']).toBe('');
    expect(rows[0]['simTicks.ci95']).toBe('');
    expect(rows[1]['ok_runs']).toBe('0');
    expect(rows[1]['simTicks.mean']).toBe('');
  });

  it('gives one row per point in point order, with that point parameters', () => {
    const { rows } = summaryOf([
      { point: 10, repeat: 0 },
      { point: 2, repeat: 0 },
      { point: 2, repeat: 1 },
    ]);
    expect(rows.map((row) => [row['point'], row['cpu.timer.quantum'], row['runs']])).toEqual([
      ['2', '3000', '2'],
      ['10', '11000', '1'],
    ]);
  });

  it('rejects a metric cell that is not a number, naming the run and column', () => {
    expect(() => summaryOf([{ point: 0, repeat: 0, runId: 'run-7', metrics: { numVMExits: 'lots' } }])).toThrow(
      /run run-7: numVMExits is "lots", not a number/,
    );
  });

  it('rejects a file without metric columns', () => {
    expect(() => summarize(parseResultsCsv('x.csv', 'experiment,run_id,point\ne,r,0\n'))).toThrow(InputError);
  });
});

suite('t95', () => {
  it('uses the t-table up to 30 samples and 1.96 beyond', () => {
    expect(t95(1)).toBe(12.706);
    expect(t95(2)).toBe(4.303);
    expect(t95(29)).toBe(2.045);
    expect(t95(30)).toBe(1.96);
  });
});

suite('writeSummaryCsv', () => {
  it('writes the summary as CSV and leaves no temporary file behind', async () => {
    const dir = await makeTempDir();
    const results = await writeResultsFixture(dir, 'run.csv', threeRepeats);
    const target = summaryPathFor(results);
    await writeSummaryCsv(results, target);

    const [header, ...rows] = parse(await readFile(target, 'utf8')) as string[][];
    const expected = summaryOf(threeRepeats);
    expect(header).toEqual(expected.header);
    expect(rows).toEqual(expected.rows.map((row) => expected.header.map((column) => row[column])));
    expect((await readdir(dir)).sort()).toEqual(['run.csv', 'run.summary.csv']);
  });

  it('fails with the path when the results file cannot be read', async () => {
    const dir = await makeTempDir();
    await expect(writeSummaryCsv(join(dir, 'absent.csv'), join(dir, 'absent.summary.csv'))).rejects.toThrow(/absent\.csv: cannot read/);
  });
});

suite('summaryPathFor', () => {
  it('puts .summary before the .csv extension', () => {
    expect(summaryPathFor('/data/out.csv')).toBe('/data/out.summary.csv');
    expect(summaryPathFor('out')).toBe('out.summary.csv');
  });
});
