import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe as suite, expect, it } from 'vitest';
import { merge } from '../../src/commands/merge.js';
import { InputError, UsageError } from '../../src/errors.js';
import { parseResultsCsv } from '../../src/results/read-csv.js';
import { summarize } from '../../src/results/summary.js';
import { FIXTURE_HEADER, makeTempDir, resultsCsvText, writeResultsFixture, type FixtureRun } from '../support/results-fixture.js';
import { runCommand } from '../support/run-command.js';

// Shards as a Slurm array would write them: points interleaved across files.
const shardA: FixtureRun[] = [
  { point: 10, repeat: 1 },
  { point: 0, repeat: 0 },
  { point: 2, repeat: 0 },
];
const shardB: FixtureRun[] = [
  { point: 10, repeat: 0 },
  { point: 1, repeat: 0 },
  { point: 0, repeat: 1 },
];

async function shards(...contents: FixtureRun[][]): Promise<{ dir: string; files: string[] }> {
  const dir = await makeTempDir();
  const files = await Promise.all(contents.map((runs, i) => writeResultsFixture(dir, `shard-${i}.csv`, runs)));
  return { dir, files };
}

suite('merge of shards written with --shard', () => {
  const inShard = (runs: FixtureRun[], shard: string, expected: number) => runs.map((run) => ({ ...run, metrics: { shard, shard_runs: expected } }));

  it('refuses a shard that lacks some of its runs, naming it, and merges it with --allow-partial', async () => {
    const { dir } = await shards(inShard(shardA, '1/2', 3), inShard(shardB.slice(0, 2), '2/2', 3));
    const attempt = runCommand(merge, ['shard-0.csv', 'shard-1.csv', '-o', 'out.csv'], dir);
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(/^incomplete sweep: shard 2\/2 \(.*shard-1\.csv\) has 2 of its 3 runs/);
    expect((await runCommand(merge, ['shard-0.csv', 'shard-1.csv', '-o', 'out.csv', '--allow-partial'], dir)).code).toBe(0);
  });

  it('refuses shards of different splits', async () => {
    const { dir } = await shards(inShard(shardA, '1/2', 3), inShard(shardB, '2/3', 3));
    await expect(runCommand(merge, ['shard-0.csv', 'shard-1.csv', '-o', 'out.csv'], dir)).rejects.toThrow(/shards of different splits \(1\/2, 2\/3\)/);
  });
});

suite('merge', () => {
  it('writes the union of the shards sorted by point and repeat, and its summary', async () => {
    const { dir, files } = await shards(shardA, shardB);
    const { code, stdout } = await runCommand(merge, [...files, '-o', 'out.csv'], dir);

    expect(code).toBe(0);
    expect(stdout).toBe('merged 6 rows from 2 files into out.csv\n');
    const sorted = [...shardA, ...shardB].sort((a, b) => a.point - b.point || a.repeat - b.repeat);
    const merged = await readFile(join(dir, 'out.csv'), 'utf8');
    expect(merged).toBe(resultsCsvText(sorted));
    const summary = summarize(parseResultsCsv('out.csv', merged));
    const [summaryHeader, ...summaryRows] = parse(await readFile(join(dir, 'out.summary.csv'), 'utf8')) as string[][];
    expect(summaryHeader).toEqual(summary.header);
    expect(summaryRows).toEqual(summary.rows.map((row) => summary.header.map((column) => row[column])));
    expect((await readdir(dir)).sort()).toEqual(['out.csv', 'out.summary.csv', 'shard-0.csv', 'shard-1.csv']);
  });

  it('refuses shards of different experiments, naming both files', async () => {
    const { dir, files } = await shards(shardA, shardB.map((run) => ({ ...run, experiment: 'other' })));
    const attempt = runCommand(merge, [...files, '-o', 'out.csv'], dir);
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(`${files[0]} holds experiment "timer-sweep" but ${files[1]} holds "other"`);
  });

  it('refuses shards with different columns, naming both files', async () => {
    const dir = await makeTempDir();
    const a = await writeResultsFixture(dir, 'a.csv', shardA);
    const b = await writeResultsFixture(dir, 'b.csv', shardB, FIXTURE_HEADER.filter((column) => column !== 'kvm.exits'));
    const attempt = runCommand(merge, [a, b, '-o', 'out.csv'], dir);
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(`${a} and ${b} have different columns (only in ${a}: [kvm.exits]; only in ${b}: [])`);
  });

  it('refuses a run id that appears in two shards, naming it and both files', async () => {
    const { dir, files } = await shards(shardA, [...shardB, { point: 5, repeat: 0, runId: 'p0r0' }]);
    const attempt = runCommand(merge, [...files, '-o', 'out.csv'], dir);
    await expect(attempt).rejects.toThrow(InputError);
    await expect(attempt).rejects.toThrow(`run id "p0r0" appears in both ${files[0]} and ${files[1]}`);
  });

  it('writes nothing when it refuses', async () => {
    const { dir, files } = await shards(shardA, shardA);
    await expect(runCommand(merge, [...files, '-o', 'out.csv'], dir)).rejects.toThrow(/appears in both/);
    expect((await readdir(dir)).sort()).toEqual(['shard-0.csv', 'shard-1.csv']);
  });

  it('needs -o and at least one input', async () => {
    const { dir, files } = await shards(shardA);
    await expect(runCommand(merge, files, dir)).rejects.toThrow(UsageError);
    await expect(runCommand(merge, ['-o', 'out.csv'], dir)).rejects.toThrow(UsageError);
  });
});
