// Running an experiment again without --resume once kept a single
// <name>.previous.csv and overwrote the run folders of earlier runs. Now each
// invocation's CSV, summary and run folders move together into the next
// numbered generation, and nothing is deleted.
import { expect, it } from 'vitest';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, STAND_IN_WORKER, workspace } from '../support/cli.js';
import { readCsvLines } from '../support/sweep-output.js';

const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };

it('three runs without --resume keep all three, each CSV beside its own summary and run folders', async () => {
  const dir = await workspace({ 'e.yaml': 'name: e\nguest: { program: hello }\nrepeat: 3\n' });
  const out = join(dir, 'out');
  const stderr: string[] = [];
  for (let k = 0; k < 3; k++) {
    const run = await cli(['run', 'e.yaml', '-o', 'out', '--quiet'], { cwd: dir, env });
    expect(run.exitCode, String(run.all)).toBe(0);
    stderr.push(String(run.stderr));
  }
  expect(stderr[0]).not.toContain('moved');
  expect(stderr[1]).toContain(`e: the earlier results (e.csv, e.summary.csv, e/) were moved to ${out}/e.previous/1/`);
  expect(stderr[2]).toContain(`e: the earlier results (e.csv, e.summary.csv, e/) were moved to ${out}/e.previous/2/`);
  expect((await readdir(out)).toSorted()).toEqual(['e', 'e.csv', 'e.previous', 'e.summary.csv']);
  expect((await readdir(join(out, 'e.previous'))).toSorted()).toEqual(['1', '2']);

  // Oldest first: generation 1, generation 2, then the latest run in place.
  const invocations = [join(out, 'e.previous/1'), join(out, 'e.previous/2'), out];
  let previousEnd = '';
  for (const place of invocations) {
    const csv = await readCsvLines(join(place, 'e.csv'));
    expect(csv.rows).toHaveLength(3);
    expect((await readCsvLines(join(place, 'e.summary.csv'))).rows.map((r) => r.runs)).toEqual(['3']);
    const starts = csv.rows.map((r) => r.start_time).toSorted();
    // Each place holds one invocation's rows: all of them began after the previous invocation's.
    expect(starts[0] > previousEnd, `${place} mixes invocations`).toBe(true);
    previousEnd = starts.at(-1)!;
    for (const row of csv.rows) {
      // The run folder beside the rows is the one those very runs wrote, not a later run's.
      const { result } = JSON.parse(await readFile(join(place, 'e', row.run_id, 'result.json'), 'utf8'));
      expect(result.startTime).toBe(row.start_time);
    }
  }
});

it('a --resume with no CSV left to resume keeps the run folders still there as a generation, rather than writing over them', async () => {
  const dir = await workspace({ 'e.yaml': 'name: e\nguest: { program: hello }\nrepeat: 2\n' });
  const out = join(dir, 'out');
  expect((await cli(['run', 'e.yaml', '-o', 'out', '--quiet'], { cwd: dir, env })).exitCode).toBe(0);
  const ids = (await readCsvLines(join(out, 'e.csv'))).rows.map((r) => r.run_id);
  await rm(join(out, 'e.csv'));

  const resumed = await cli(['run', 'e.yaml', '-o', 'out', '--resume', '--quiet'], { cwd: dir, env });
  expect(resumed.exitCode, String(resumed.all)).toBe(0);
  expect(resumed.stderr).toContain(`e: the earlier results (e.summary.csv, e/) were moved to ${out}/e.previous/1/`);
  expect((await readdir(join(out, 'e.previous/1/e'))).toSorted()).toEqual(ids.toSorted());
  expect((await readCsvLines(join(out, 'e.csv'))).rows.map((r) => r.run_id).toSorted()).toEqual(ids.toSorted());
});
