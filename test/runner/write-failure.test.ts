// A full disk while writing rows once ended in a stack trace (the rows before
// it survived, and --resume finished). Now a results write the system refuses
// is one line naming the file and the errno, exit status 3, and still loses
// nothing. A file size limit (ulimit -f) makes the refusal happen at a known
// file: the CSV is the only file that grows past it.
import { expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { cli, CLI, STAND_IN_WORKER, workspace } from '../support/cli.js';
import { processesIn, waitUntilGone } from '../support/processes.js';
import { dryRun, readCsvLines } from '../support/sweep-output.js';

const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };
const RUNS = 40;
// 8 blocks: 4 KiB in dash, 8 KiB in bash. A result.json (about 1.5 KiB) fits either way;
// the CSV (about 1 KiB of header and 0.3 KiB a row) outgrows both well before its 40th row.
const FILE_BLOCKS = 8;

it('a results write refused by the system is one line naming the file and the errno (exit 3); --resume then completes', async () => {
  const dir = await workspace({ 'e.yaml': `name: e\nguest: { program: hello }\nrepeat: ${RUNS}\n` });
  const csvFile = join(dir, 'out/e.csv');
  const limited = await execa('sh', ['-c', `ulimit -f ${FILE_BLOCKS} && exec "$@"`, 'sh', process.execPath, CLI, 'run', 'e.yaml', '-o', 'out', '-j', '2', '--quiet'], {
    cwd: dir,
    env,
    reject: false,
  });

  expect(limited.exitCode, String(limited.stderr)).toBe(3);
  expect(limited.stderr.split('\n').filter((line) => !line.startsWith('note: '))).toEqual([
    `${csvFile}: cannot store results: EFBIG: file too large, write; the rows written before it are kept: continue with --resume once this is fixed`,
  ]);
  const kept = await readCsvLines(csvFile);
  expect(kept.rows.length).toBeGreaterThan(0);
  expect(kept.rows.length).toBeLessThan(RUNS);
  expect(kept.cellCounts).toEqual(kept.rows.map(() => kept.header.length));
  expect(existsSync(join(dir, 'out/e.lock'))).toBe(false);
  await waitUntilGone(processesIn(dir));

  const resumed = await cli(['run', 'e.yaml', '-o', 'out', '-j', '2', '--resume', '--quiet'], { cwd: dir, env });
  expect(resumed.exitCode, String(resumed.all)).toBe(0);
  const final = await readCsvLines(csvFile);
  expect(final.rows.slice(0, kept.rows.length)).toEqual(kept.rows);
  const ids = final.rows.map((r) => r.run_id);
  expect(ids.toSorted()).toEqual((await dryRun(dir, ['e.yaml'])).map((r) => r.runId).toSorted());
});
