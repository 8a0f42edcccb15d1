// Inputs that used to hang the CLI (ignoring SIGTERM), run it out of memory,
// or end in a stack trace: each now ends quickly with one line naming the
// input and what is wrong, and an exit status (2: the user's to fix; 3: the
// machine refused). Real CLI, real files, a real FIFO; every call has a
// timeout that kills the CLI, and none may leave a process behind.
import { execa } from 'execa';
import { chmod, mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, STAND_IN_WORKER, workspace } from '../support/cli.js';
import { processesIn } from '../support/processes.js';

/** What any of these inputs may take: loading is bounded to seconds; before, each took minutes or for ever. */
const PROMPT_MS = 10_000;

// The stand-in worker skips the KVM probe, so that these run where /dev/kvm is missing; no run starts anyway.
const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };
// instructionCounter none: no note about this host's PMU on stderr.
const EXPERIMENT = 'name: e\nguest: { program: hello }\ncpu: { instructionCounter: none }\n';

async function folder(files: Record<string, string> = {}): Promise<string> {
  return realpath(await workspace(files));
}

/** Runs the CLI in `dir` and checks it refused with exactly `line` and `status`, promptly, leaving no process behind. */
async function expectRefused(dir: string, args: string[], line: string, status: number, options: { uid?: number; gid?: number } = {}) {
  const result = await cli(args, { cwd: dir, env, timeout: 3 * PROMPT_MS, ...options });
  expect(result.stderr).toBe(line);
  expect(result.exitCode).toBe(status);
  expect(result.durationMs).toBeLessThan(PROMPT_MS);
  expect(processesIn(dir)).toEqual([]);
}

describe('the experiment file is read only when it is a regular file of at most 1 MiB', () => {
  it('a FIFO, a device or a folder is refused by name, not waited on', async () => {
    const dir = await folder();
    await execa('mkfifo', [join(dir, 'e.yaml')]);
    await mkdir(join(dir, 'sub'));
    for (const command of ['validate', 'run']) {
      await expectRefused(dir, [command, 'e.yaml'], `${dir}/e.yaml: is a FIFO; an experiment file must be a regular file`, 2);
      await expectRefused(dir, [command, '/dev/zero'], '/dev/zero: is a character device; an experiment file must be a regular file', 2);
      await expectRefused(dir, [command, 'sub'], `${dir}/sub: is a folder; an experiment file must be a regular file`, 2);
    }
  });

  it('a 30 MB file is refused before it is parsed', async () => {
    const dir = await folder();
    const line = '  guest.args.count: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]\n';
    await writeFile(join(dir, 'e.yaml'), `${EXPERIMENT}sweep:\n${line.repeat((30e6 / line.length) | 0)}`);
    for (const command of ['validate', 'run'])
      await expectRefused(dir, [command, 'e.yaml'], `${dir}/e.yaml: larger than 1 MiB (1048576 bytes), the most an experiment file may be`, 2);
  });

  it('a file of 1 MiB with 60,000 keys in one map is parsed in seconds (the duplicate-key check was quadratic)', async () => {
    const keys = Array.from({ length: 60_000 }, (_, i) => `    k${i}: 1\n`).join('');
    const text = `name: e\nguest:\n  program: hello\n  args:\n${keys}`;
    expect(text.length).toBeLessThanOrEqual(1024 * 1024);
    const dir = await folder({ 'e.yaml': text });
    await expectRefused(dir, ['validate', 'e.yaml'], `${dir}/e.yaml:5:5: guest.args must NOT have more than 64 properties`, 2);
  });
});

describe('a sweep is bounded before any of its points is made', () => {
  it('999,000 points are refused at sweep:, by validate and run alike', async () => {
    const text = `${EXPERIMENT}repeat: 100000\nsweep:\n  guest.args.a: { from: 1, to: 999, step: 1 }\n  guest.args.b: { from: 1, to: 1000, step: 1 }\n`;
    const dir = await folder({ 'e.yaml': text });
    for (const command of ['validate', 'run'])
      await expectRefused(dir, [command, 'e.yaml'], `${dir}/e.yaml:5:1: the sweep has 999000 points (before exclude); at most 100000 are allowed per experiment`, 2);
  });

  it('points x repeat over 10,000,000 runs is refused at repeat:', async () => {
    const dir = await folder({ 'e.yaml': `${EXPERIMENT}repeat: 100000\nsweep:\n  guest.args.a: { from: 1, to: 1000, step: 1 }\n` });
    for (const command of ['validate', 'run'])
      await expectRefused(dir, [command, 'e.yaml'], `${dir}/e.yaml:4:1: 1000 points x repeat 100000 = 100000000 runs; at most 10000000 are allowed per experiment`, 2);
  });
});

describe('YAML aliases', () => {
  it('an alias bomb is refused at the alias that crosses the bound, not with a stack trace', async () => {
    const bomb = [
      'bomb:',
      '  a: &a [x, x, x, x, x, x, x, x, x, x]',
      '  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      '  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      '  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      '  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
      '  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]',
    ];
    const dir = await folder({ 'e.yaml': `${EXPERIMENT}${bomb.join('\n')}\n` });
    // *e stands for 111,111 values; the 8th on line 10 takes the data past 1,000,000.
    for (const command of ['validate', 'run'])
      await expectRefused(dir, [command, 'e.yaml'], `${dir}/e.yaml:10:38: aliases expand the data to more than 1000000 values (an alias bomb?)`, 2);
  });
});

describe('a bad --out is one line naming it', () => {
  const refusals = [
    { what: 'a path the kernel will not create (it used to spin for ever)', out: () => '/proc/nope', status: 3, message: 'cannot create it (ENOENT: the file system takes no new entries there)' },
    { what: 'a regular file', out: (dir: string) => join(dir, 'e.yaml'), status: 2, message: 'is a regular file, not a folder' },
    { what: '/dev/null', out: () => '/dev/null', status: 2, message: 'is a character device, not a folder' },
    { what: 'a dangling symbolic link', out: (dir: string) => join(dir, 'gone'), status: 2, message: (dir: string) => `is a symbolic link to ${dir}/nowhere, which does not exist` },
  ];
  for (const r of refusals) {
    it(r.what, async () => {
      const dir = await folder({ 'e.yaml': EXPERIMENT });
      await symlink(join(dir, 'nowhere'), join(dir, 'gone'));
      const message = typeof r.message === 'function' ? r.message(dir) : r.message;
      await expectRefused(dir, ['run', 'e.yaml', '-o', r.out(dir)], `--out ${r.out(dir)}: ${message}`, r.status);
    });
  }

  it('a read-only folder', async () => {
    const dir = await folder({ 'e.yaml': EXPERIMENT });
    await mkdir(join(dir, 'ro'), { mode: 0o555 });
    // Root writes in a 0555 folder all the same: then the CLI runs as nobody, who cannot.
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    await chmod(dir, 0o755);
    await expectRefused(dir, ['run', 'e.yaml', '-o', 'ro'], `--out ${dir}/ro: cannot create anything in it (EACCES)`, 3, asNobody);
  });
});

describe('limits', () => {
  it('wallTimeout: 0s is refused where it is written (it meant no limit at all)', async () => {
    const dir = await folder({ 'e.yaml': `${EXPERIMENT}limits: { wallTimeout: 0s }\n` });
    for (const command of ['validate', 'run'])
      await expectRefused(dir, [command, 'e.yaml'], `${dir}/e.yaml:4:24: limits.wallTimeout: duration "0s" must be above zero`, 2);
  });
});
