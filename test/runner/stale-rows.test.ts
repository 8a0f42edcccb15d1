// Editing one sweep value and then --resume once kept the edited point's old
// rows and averaged them with the new runs in the summary. Now rows whose run
// ids left the sweep stay in the CSV, are left out of the summary, and the
// runner says so.
import { expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, STAND_IN_WORKER, workspace } from '../support/cli.js';
import { dryRun, readCsvLines } from '../support/sweep-output.js';

const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };
// The stand-in worker reports numIO = count + 1, so each point's mean says which runs it averaged.
const experiment = (counts: number[]) => `name: e\nguest: { program: hello }\nrepeat: 2\nsweep:\n  guest.args.count: [${counts.join(', ')}]\n`;

it('--resume after editing a sweep value keeps the stale rows out of the summary and says how many stay in the CSV', async () => {
  const dir = await workspace({ 'e.yaml': experiment([10, 20, 30]) });
  const first = await cli(['run', 'e.yaml', '-o', 'out', '--quiet'], { cwd: dir, env });
  expect(first.exitCode, String(first.all)).toBe(0);
  const before = (await dryRun(dir, ['e.yaml'])).map((r) => r.runId);

  await writeFile(join(dir, 'e.yaml'), experiment([10, 25, 30]));
  const now = (await dryRun(dir, ['e.yaml'])).map((r) => r.runId);
  const stale = before.filter((id) => !now.includes(id));
  expect(stale).toHaveLength(2);

  const resumed = await cli(['run', 'e.yaml', '-o', 'out', '--resume', '--quiet'], { cwd: dir, env });
  expect(resumed.exitCode, String(resumed.all)).toBe(0);
  const csvFile = join(dir, 'out/e.csv');
  expect(resumed.stderr).toContain(
    `e: 2 rows in ${csvFile} are of runs no longer in the sweep (edited or removed since they ran); they stay in the CSV but are left out of ${join(dir, 'out/e.summary.csv')}`,
  );
  expect(resumed.stdout).toContain('e: 2 runs (ok 2, failed 0, timeout 0, crashed 0), 4 already done');

  const ids = (await readCsvLines(csvFile)).rows.map((r) => r.run_id);
  expect(ids.toSorted()).toEqual([...now, ...stale].toSorted());
  const summary = (await readCsvLines(join(dir, 'out/e.summary.csv'))).rows;
  expect(summary.map((r) => [r.point, r['guest.args.count'], r.runs, r['numIO.mean']])).toEqual([
    ['0', '10', '2', '11'],
    ['1', '25', '2', '26'],
    ['2', '30', '2', '31'],
  ]);
});

it('a resume whose rows are all in the sweep says nothing about stale rows', async () => {
  const dir = await workspace({ 'e.yaml': experiment([10, 20]) });
  await cli(['run', 'e.yaml', '-o', 'out', '--quiet'], { cwd: dir, env });
  const resumed = await cli(['run', 'e.yaml', '-o', 'out', '--resume', '--quiet'], { cwd: dir, env });
  expect(resumed.exitCode, String(resumed.all)).toBe(0);
  expect(resumed.stderr).not.toContain('no longer in the sweep');
  expect(resumed.stdout).toContain('e: 0 runs (ok 0, failed 0, timeout 0, crashed 0), 4 already done');
});
