// Sharding splits a sweep without changing it: the shards merged equal the
// unsharded run, --dry-run names the ids the CSV will hold, and editing one
// sweep value renames only that point's runs. The stand-in worker
// (RUN_EXPERIMENTS_WORKER) fakes the KVM run only (its statistics are a
// function of guest.args, so they are deterministic); the processes, pipes
// and files are real.
import { beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, STAND_IN_WORKER, workspace } from '../support/cli.js';
import { dryRun, readCsvLines, type CsvLines } from '../support/sweep-output.js';

const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };
/** Columns that measure when or how long, or name the shard: they differ between a shard's row and the unsharded one. */
const TIMING_COLUMNS = new Set(['hostSeconds', 'hostCycles', 'start_time', 'end_time', 'shard', 'shard_runs']);

// 4 x 2 points x 2 repeats = 16 runs: not a multiple of 3, so the shards differ in size.
const experiment = (counts: number[]) =>
  [
    'name: sharded',
    'guest: { program: hello, args: { count: 1, sleepMs: 0 } }',
    'repeat: 2',
    'sweep:',
    `  guest.args.count: [${counts.join(', ')}]`,
    '  guest.args.sleepMs: [0, 10]',
  ].join('\n');
const COUNTS = [10, 20, 30, 40];

async function runInto(dir: string, out: string, extra: string[] = []): Promise<CsvLines> {
  const run = await cli(['run', 'e.yaml', '-o', out, '-j', '2', '--quiet', ...extra], { cwd: dir, env });
  if (run.exitCode !== 0) throw new Error(`run ${extra.join(' ')} failed: ${run.all}`);
  return readCsvLines(join(dir, out, 'sharded.csv'));
}

/** run id -> the row without its timing columns. */
function deterministicRows(csv: CsvLines): Map<string, Record<string, string>> {
  return new Map(csv.rows.map((row) => [row.run_id, Object.fromEntries(Object.entries(row).filter(([column]) => !TIMING_COLUMNS.has(column)))]));
}

describe('shards and run ids', () => {
  let dir: string;
  let whole: CsvLines;
  beforeAll(async () => {
    dir = await workspace({ 'e.yaml': experiment(COUNTS) });
    whole = await runInto(dir, 'whole');
  });

  it('--shard 1/3, 2/3 and 3/3 merged equal the unsharded run, timing columns aside', async () => {
    const shards = await Promise.all([1, 2, 3].map((i) => runInto(dir, `shard${i}`, ['--shard', `${i}/3`])));
    expect(shards.map((s) => s.rows.length)).toEqual([6, 5, 5]);

    const merge = await cli(['merge', 'shard1/sharded.csv', 'shard2/sharded.csv', 'shard3/sharded.csv', '-o', 'all.csv'], { cwd: dir });
    expect(merge.exitCode, String(merge.all)).toBe(0);
    const merged = await readCsvLines(join(dir, 'all.csv'));
    expect(merged.header).toEqual(whole.header);
    expect(deterministicRows(merged)).toEqual(deterministicRows(whole));
    // The comparison covers statistics, not only ids and parameters.
    expect(new Set(merged.rows.map((r) => r.simTicks))).toEqual(new Set(COUNTS.map((c) => String(c * 1000))));

    // Two of the three shards are not the sweep: merge says which is missing, unless told to merge anyway.
    const partial = await cli(['merge', 'shard1/sharded.csv', 'shard3/sharded.csv', '-o', 'part.csv'], { cwd: dir });
    expect(partial.exitCode).toBe(2);
    expect(partial.stderr).toBe('incomplete sweep: shard 2/3 is missing (--allow-partial merges anyway)');
    const allowed = await cli(['merge', 'shard1/sharded.csv', 'shard3/sharded.csv', '-o', 'part.csv', '--allow-partial'], { cwd: dir });
    expect(allowed.exitCode).toBe(0);
    expect((await readCsvLines(join(dir, 'part.csv'))).rows).toHaveLength(11);
  });

  it('--dry-run lists exactly the run ids, points and repeats the CSV holds', async () => {
    const listed = await dryRun(dir, ['e.yaml']);
    const byId = (rows: { runId: string; point: number; repeat: number }[]) => rows.map((r) => `${r.runId} ${r.point} ${r.repeat}`).toSorted();
    expect(byId(listed)).toEqual(byId(whole.rows.map((r) => ({ runId: r.run_id, point: Number(r.point), repeat: Number(r.repeat) }))));
  });

  it('editing one sweep value renames only the runs of the points holding it', async () => {
    const edited = await workspace({ 'e.yaml': experiment([10, 20, 35, 40]) });
    const key = (r: { params: string; repeat: number }) => `${r.params} repeat ${r.repeat}`;
    const before = new Map((await dryRun(dir, ['e.yaml'])).map((r) => [key(r), r.runId]));
    const after = new Map((await dryRun(edited, ['e.yaml'])).map((r) => [key(r), r.runId]));

    const kept = [...after].filter(([k]) => !k.includes('count=35'));
    expect(kept).toHaveLength(12);
    for (const [k, id] of kept) expect(id, k).toBe(before.get(k));
    const renamed = [...after].filter(([k]) => k.includes('count=35')).map(([, id]) => id);
    expect(renamed).toHaveLength(4);
    for (const id of renamed) expect([...before.values()]).not.toContain(id);
  });
});
