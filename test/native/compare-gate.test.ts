// The CI gate on real runs: back-to-back reruns of every bundled experiment
// compare clean with the default tolerances, and one extra guest port write
// fails the comparison.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { readResultsCsv } from '../../src/results/read-csv.js';
import { cli, ROOT, workspace } from '../support/cli.js';
import { HAS_KVM, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';

const EXPERIMENTS = join(ROOT, 'experiments');

describe.skipIf(!HAS_KVM)('compare as a CI gate on /dev/kvm', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it('two back-to-back runs of every bundled experiment compare clean', async () => {
    const dir = await workspace();
    const files = (await readdir(EXPERIMENTS)).filter((f) => f.endsWith('.yaml')).map((f) => join(EXPERIMENTS, f));
    for (const out of ['first', 'second']) expect((await cli(['run', ...files, '--out', join(dir, out), '--quiet'])).exitCode).toBe(0);
    for (const file of files) {
      const name = /^name: (\S+)/m.exec(await readFile(file, 'utf8'))![1];
      const compare = await cli(['compare', join(dir, 'first', `${name}.csv`), join(dir, 'second', `${name}.csv`)]);
      expect(compare.all, name).toMatch(/^PASS: 0 regressions/m);
      expect(compare.exitCode, name).toBe(0);
    }
  });

  it('one extra guest port write fails the comparison', async () => {
    const dir = await workspace({
      'base.yaml': 'name: gate\nguest: { program: pio-stream, args: { count: 1000 } }\n',
      // The same point, but a guest that writes once more: what a change that adds one exit does.
      'more.yaml': 'name: gate\nguest: { program: pio-stream, args: { count: 1001 } }\n',
    });
    await cli(['run', 'base.yaml', '--out', 'base', '--quiet'], { cwd: dir });
    await cli(['run', 'more.yaml', '--out', 'more', '--quiet'], { cwd: dir });
    // Relabel the point so that it matches the baseline's; every number stays as measured.
    const more = await readResultsCsv(join(dir, 'more', 'gate.csv'));
    const relabelled = more.rows.map((row) => ({ ...row, 'guest.args.count': '1000' }));
    await writeFile(join(dir, 'more', 'gate.csv'), stringify(relabelled, { header: true, columns: more.header }));
    const compare = await cli(['compare', 'base/gate.csv', 'more/gate.csv'], { cwd: dir });
    expect(compare.exitCode).toBe(1);
    expect(compare.all).toMatch(/numIO\s+1001\s+1002\s+\+1 .*regression/);
    expect(compare.all).toMatch(/pioSink\.writes\s+1000\s+1001\s+\+1 .*regression/);
  });
});
