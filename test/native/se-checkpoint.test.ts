// SE mode across a checkpoint: each test program run straight through, and
// the same program checkpointed about halfway and restored in a fresh
// process, end with the same stdout and stderr, the same files in the
// scratch folder, the same counts of what the program did (every system
// call by name, bytes read and written), and the same guest memory wherever
// two straight runs agree on it: glibc's start-up keeps TSC readings in
// memory, and a program that stats a file it wrote keeps host times, so
// their memory differs from run to run anyway. With se.clock: calls, what
// the program reads from its clocks is the same in every run.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { metricColumnsOf } from '../../src/results/columns.js';
import { metricClass } from '../../src/results/tolerance.js';
import { HAS_KVM, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';
import { num } from '../support/experiment-run.js';
import { FLAVOURS, runSe, seBinary, seWorkspace, type Flavour } from '../support/se.js';

interface Case {
  key: string;
  program: string;
  args: (dir: string) => string[];
  memory?: string;
  unsupportedSyscall?: 'enosys';
}

const CASES: Case[] = [
  { key: 'syscall-loop', program: 'syscall-loop', args: () => ['3000'] },
  { key: 'cpu-bound', program: 'cpu-bound', args: () => ['1500'] },
  { key: 'memory', program: 'memory', args: () => ['64'], memory: '128MiB' },
  { key: 'time-random', program: 'time-random', args: () => [] },
  { key: 'm5-roi', program: 'm5ops-roi', args: () => ['roi'] },
  // Writes out.txt into /tmp, the run's scratch folder, and reads a mapped file and folder.
  { key: 'stdio-files', program: 'stdio-files', args: (dir) => [`${dir}/in.txt`, '/tmp', `${dir}/list`] },
  { key: 'args-env', program: 'args-env', args: () => ['one', 'two words', 'env:PATH'] },
  { key: 'exit-42', program: 'exit-code', args: () => ['42'] },
  // Ends the way it would have: the same fault, the same message.
  { key: 'segfault', program: 'segfault', args: () => [] },
  { key: 'unsupported-enosys', program: 'unsupported', args: () => [], unsupportedSyscall: 'enosys' },
];

let dir = '';

function experiment(name: string, c: Case, flavour: Flavour, extra: Record<string, unknown>) {
  const { guest: extraGuest, ...rest } = extra as { guest?: Record<string, unknown> };
  return {
    name,
    guest: {
      binary: seBinary(c.program, flavour),
      argv: c.args(dir),
      memory: c.memory ?? '64MiB',
      files: { [`${dir}/in.txt`]: 'in.txt', [`${dir}/list`]: 'list' },
      env: { PATH: '/usr/bin' },
      ...extraGuest,
    },
    se: { clock: 'calls', ...(c.unsupportedSyscall ? { unsupportedSyscall: c.unsupportedSyscall } : {}) },
    ...rest,
  };
}

describe.skipIf(!HAS_KVM)('SE programs across a checkpoint', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    dir = await seWorkspace();
    await writeFile(join(dir, 'in.txt'), 'line one\nline two\n'.repeat(50));
    await mkdir(join(dir, 'list/sub'), { recursive: true });
    for (const f of ['b', 'a']) await writeFile(join(dir, 'list', f), f);
  });

  for (const flavour of FLAVOURS)
    it.each(CASES)(`$key (${flavour}): restored halfway in a fresh process, it ends as if it never stopped`, async (c) => {
      const name = `${c.key}-${flavour}`.replace(/[^A-Za-z0-9-]/g, '-');
      const straight = await runSe(dir, experiment(`${name}-straight`, c, flavour, { stats: { memoryDigest: true } }), `${name}-straight.yaml`);
      const again = await runSe(dir, experiment(`${name}-again`, c, flavour, { stats: { memoryDigest: true } }), `${name}-again.yaml`);
      const s = straight.table.rows[0];
      expect(['guest-exit', 'segfault', 'm5-exit']).toContain(s.exit_cause);
      let taken;
      for (let fraction = 2; fraction <= 64 && !taken; fraction *= 2) {
        const run = await runSe(dir, experiment(`${name}-cpt${fraction}`, c, flavour, { checkpoint: { atTicks: Math.floor(num(s, 'simTicks') / fraction) } }), `${name}-cpt.yaml`);
        if (num(run.table.rows[0], 'checkpoints') === 1) taken = run;
      }
      expect(taken, 'a checkpoint before the program ended').toBeDefined();
      const cptDir = join(taken!.runDir(taken!.table.rows[0]), 'checkpoints');
      const restored = await runSe(
        dir,
        experiment(`${name}-restored`, c, flavour, { guest: { restore: cptDir }, stats: { memoryDigest: true } }),
        `${name}-restored.yaml`,
      );
      const r = restored.table.rows[0];
      expect({ status: r.status, exit_cause: r.exit_cause, error: r.error }).toEqual({ status: s.status, exit_cause: s.exit_cause, error: s.error });
      for (const file of ['stdout.log', 'stderr.log']) expect((await restored.runFile(r, file)).toString()).toBe((await straight.runFile(s, file)).toString());
      const scratch = async (run: typeof straight, row: Record<string, string>) => {
        const folder = join(run.runDir(row), 'scratch');
        const names = (await readdir(folder)).sort();
        return Promise.all(names.map(async (n) => [n, (await readFile(join(folder, n))).toString()]));
      };
      expect(await scratch(restored, r)).toEqual(await scratch(straight, s));
      expect(r.memoryDigest).toMatch(/^[0-9a-f]{64}$/);
      if (again.table.rows[0].memoryDigest === s.memoryDigest) expect(r.memoryDigest).toBe(s.memoryDigest);
      const exact = metricColumnsOf(Object.keys(s)).filter((m) => metricClass(m) === 'guest' && s[m] !== '' && !m.startsWith('kvm.'));
      expect(exact).toContain('numSyscalls');
      for (const metric of exact) expect({ metric, value: r[metric] }).toEqual({ metric, value: s[metric] });
    });

  it('avx-state: ymm (and zmm, k1-k7 with AVX-512) hold their values from before the checkpoint in the restored process', async (context) => {
    const binary = seBinary('avx-state', 'glibc-static');
    const straight = await runSe(dir, { name: 'avx-straight', guest: { binary }, checkpoint: { onGuestRequest: false } }, 'avx-straight.yaml');
    const stdout = (await straight.runFile(straight.table.rows[0], 'stdout.log')).toString();
    // KVM offers the guest what the host lets it: PVM, for one, offers no XSAVE at all.
    if (stdout.includes('no AVX here')) context.skip();
    expect(stdout).toMatch(/^avx-state: (ymm0-15|zmm0-31 and k1-k7) kept\n$/);
    const taken = await runSe(dir, { name: 'avx-taken', guest: { binary } }, 'avx-taken.yaml');
    expect(num(taken.table.rows[0], 'checkpoints')).toBe(1);
    const cptDir = join(taken.runDir(taken.table.rows[0]), 'checkpoints');
    const restored = await runSe(dir, { name: 'avx-restored', guest: { binary, restore: cptDir } }, 'avx-restored.yaml');
    expect(restored.table.rows[0].status).toBe('ok');
    expect((await restored.runFile(restored.table.rows[0], 'stdout.log')).toString()).toBe(stdout);
  });
});
