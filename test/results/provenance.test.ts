// Where a row came from: the tool's own commit beside the experiment file's,
// and the KVM flavour from the one detector. Real CLI, stand-in worker.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { hostKvmFlavour } from '../../src/host/kvm-flavour.js';
import { readResultsCsv } from '../../src/results/read-csv.js';
import { cli, ROOT, STAND_IN_WORKER, workspace } from '../support/cli.js';

describe('provenance columns', () => {
  it("record the tool's commit, the experiment file's (none outside git) and the KVM flavour", async () => {
    const dir = await workspace({ 'e.yaml': 'name: prov\nguest: { program: hello }\n' });
    const run = await cli(['run', 'e.yaml', '--out', 'out', '--quiet'], { cwd: dir, env: { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER } });
    expect(run.exitCode).toBe(0);
    const row = (await readResultsCsv(join(dir, 'out', 'prov.csv'))).rows[0];
    const head = (await execa('git', ['rev-parse', 'HEAD'], { cwd: ROOT })).stdout.trim();
    expect(row.tool_git_sha).toBe(head);
    expect(['true', 'false']).toContain(row.tool_git_dirty);
    expect(row.git_sha).toBe(''); // the workspace is no git repository
    const flavour = hostKvmFlavour();
    expect(row.kvm_flavour).toBe(existsSync('/dev/kvm') ? flavour : `none (${flavour} host without /dev/kvm)`);
    // A stand-in worker reads no kernel counters: nothing to witness, and the row says why.
    expect(row.witness).toMatch(/^none: /);
  });
});
