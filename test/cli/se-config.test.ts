// SE experiment files that cannot run are refused alike by validate, run
// --dry-run and run, as test/cli/bad-config-corpus.test.ts checks for the
// others: the same `file:line:col: message` lines on stderr, exit status 2,
// and no worker started (no output folder). The binary is read as a run
// reads it (by the native core, without KVM), so no /dev/kvm is needed: runs
// use the stand-in worker.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, STAND_IN_WORKER, workspace } from '../support/cli.js';
import { KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';
import { seBinary } from '../support/se.js';

const STATIC = seBinary('exit-code', 'glibc-static');
const ONLY_X86 = '— only x86-64 Linux binaries run in SE mode';

/** An ELF identity and header (64 bytes) of the given class and machine, nothing after it. */
function elfHeader(elfClass: 1 | 2, machine: number): Buffer {
  const header = Buffer.alloc(64);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, elfClass, 1, 1]).copy(header);
  header.writeUInt16LE(2, 16); // ET_EXEC
  header.writeUInt16LE(machine, 18);
  header.writeUInt32LE(1, 20);
  return header;
}

/** The dynamic build with its PT_INTERP pointing at an interpreter this host lacks (same length). */
function withMissingInterpreter(): Buffer {
  const binary = readFileSync(seBinary('exit-code', 'glibc-dynamic'));
  const interpreter = Buffer.from('/lib64/ld-linux-x86-64.so.2');
  const at = binary.indexOf(interpreter);
  if (at < 0) throw new Error('no /lib64/ld-linux-x86-64.so.2 in the dynamic build');
  const patched = Buffer.from(binary);
  Buffer.from('/lib64/ld-linux-x86-64.so.9').copy(patched, at);
  return patched;
}

interface BadConfig {
  what: string;
  yaml: string;
  files?: Record<string, string | Buffer>;
  /** The lines of stderr; `<dir>` stands for the experiment's folder. */
  problems: string[];
}

const binaryIs = (file: string) => `name: e\nguest:\n  binary: ${file}\n`;

const CORPUS: BadConfig[] = [
  // Not an x86-64 Linux program, at guest.binary's value.
  { what: 'a text file', yaml: binaryIs('prog'), files: { prog: 'hello, I am text\n' }, problems: ['e.yaml:3:11: guest.binary: <dir>/prog: not an ELF file (it starts with 68 65 6c 6c)'] },
  { what: 'an empty file', yaml: binaryIs('prog'), files: { prog: '' }, problems: ['e.yaml:3:11: guest.binary: <dir>/prog: not an ELF file (it is empty)'] },
  {
    what: 'a shell script',
    yaml: binaryIs('run.sh'),
    files: { 'run.sh': '#!/bin/sh\necho hi\n' },
    problems: ['e.yaml:3:11: guest.binary: <dir>/run.sh: a script (#!/bin/sh) — give the interpreter as guest.binary'],
  },
  { what: 'a 32-bit ELF (i386)', yaml: binaryIs('prog'), files: { prog: elfHeader(1, 3) }, problems: [`e.yaml:3:11: guest.binary: <dir>/prog: ELF 32-bit (i386) ${ONLY_X86}`] },
  { what: 'an AArch64 ELF', yaml: binaryIs('prog'), files: { prog: elfHeader(2, 183) }, problems: [`e.yaml:3:11: guest.binary: <dir>/prog: ELF for AArch64 ${ONLY_X86}`] },
  {
    what: 'a truncated ELF header',
    yaml: binaryIs('prog'),
    files: { prog: elfHeader(2, 62).subarray(0, 20) },
    problems: ['e.yaml:3:11: guest.binary: <dir>/prog: truncated ELF header: the file has 20 bytes, an ELF64 header 64'],
  },
  {
    what: 'an object file (the bundled runtime.o)',
    yaml: binaryIs('runtime.o'),
    files: { 'runtime.o': readFileSync(join(ROOT, 'native/guests/build/runtime.o')) },
    problems: ['e.yaml:3:11: guest.binary: <dir>/runtime.o: an object file (ET_REL), not a program — link it into an executable'],
  },
  { what: 'a missing binary', yaml: binaryIs('nothere'), problems: ['e.yaml:3:11: guest.binary: <dir>/nothere: cannot open program: No such file or directory (errno 2)'] },
  {
    what: 'guest.memory too small for a Linux program',
    yaml: `name: e\nguest:\n  binary: ${STATIC}\n  memory: 16MiB\n`,
    problems: ['e.yaml:4:11: guest.memory: guest.memory must be above 17 MiB for a Linux program (its stack alone is 8 MiB)'],
  },
  // Host files that are not there, at the mapping.
  {
    what: 'a missing guest.files host path',
    yaml: `name: e\nguest:\n  binary: ${STATIC}\n  files:\n    /data: nothere\n`,
    problems: ['e.yaml:5:12: guest.files: /data maps <dir>/nothere, which does not exist'],
  },
  {
    what: 'a missing writable guest.files host path',
    yaml: `name: e\nguest:\n  binary: ${STATIC}\n  files:\n    /out: { host: gone, writable: true }\n`,
    problems: ['e.yaml:5:11: guest.files: /out maps <dir>/gone, which does not exist'],
  },
  { what: 'a missing guest.stdin', yaml: `name: e\nguest:\n  binary: ${STATIC}\n  stdin: input.txt\n`, problems: ['e.yaml:4:10: guest.stdin: <dir>/input.txt does not exist'] },
  {
    what: 'a bad binary and a missing file together: both, in file order',
    yaml: `name: e\nguest:\n  binary: prog\n  files:\n    /data: nothere\n`,
    files: { prog: 'text' },
    problems: ['e.yaml:3:11: guest.binary: <dir>/prog: not an ELF file (it starts with 74 65 78 74)', 'e.yaml:5:12: guest.files: /data maps <dir>/nothere, which does not exist'],
  },
  {
    what: 'a bad binary among swept ones, at its sweep entry',
    yaml: `name: e\nguest:\n  binary: ${STATIC}\nsweep:\n  guest.binary: [${STATIC}, prog]\n`,
    files: { prog: '' },
    problems: [`e.yaml:5:${'  guest.binary: ['.length + STATIC.length + ', '.length + 1}: guest.binary: <dir>/prog: not an ELF file (it is empty)`],
  },
];

// Files every run would refuse (exit-causes sandbox-layout, sandbox-mount), knowable from the file alone.
const CERTAIN_RUN_FAILURES: BadConfig[] = [
  {
    what: 'a missing file is named once, not once per swept binary',
    yaml: `name: e\nguest:\n  binary: ${STATIC}\n  files:\n    /data: nothere\nsweep:\n  guest.binary: [${STATIC}, ${seBinary('exit-code', 'glibc-dynamic')}]\n`,
    problems: ['e.yaml:5:12: guest.files: /data maps <dir>/nothere, which does not exist'],
  },
  { what: 'a guest path with ..', yaml: `name: e\nguest:\n  binary: ${STATIC}\n  files:\n    /a/../b: d\n`, files: { 'd/x': 'x' }, problems: ['<refused>'] },
  { what: 'a guest path in /proc', yaml: `name: e\nguest:\n  binary: ${STATIC}\n  files:\n    /proc/x: d\n`, files: { 'd/x': 'x' }, problems: ['<refused>'] },
  { what: 'one guest path twice (/a and /a/)', yaml: `name: e\nguest:\n  binary: ${STATIC}\n  files:\n    /a: d\n    /a/: d\n`, files: { 'd/x': 'x' }, problems: ['<refused>'] },
  { what: 'a mapping at /tmp, where the scratch folder is', yaml: `name: e\nguest:\n  binary: ${STATIC}\n  files:\n    /tmp: d\n`, files: { 'd/x': 'x' }, problems: ['<refused>'] },
];

// The message for a missing interpreter names the interpreter's path as if it were the program
// ("guest.binary: /lib64/ld-linux-x86-64.so.9: cannot open program: ..."): it should say that this is
// the interpreter of the binary given, as the run's own message does (se_machine.cc, "its interpreter").
const MISSING_INTERPRETER: BadConfig = { what: 'a dynamic binary whose interpreter is missing on this host', yaml: binaryIs('dyn'), files: { dyn: withMissingInterpreter() }, problems: [] };

const COMMANDS = [
  ['validate', 'e.yaml'],
  ['run', 'e.yaml', '--out', 'out', '--dry-run'],
  ['run', 'e.yaml', '--out', 'out'],
];

async function layOut(bad: BadConfig): Promise<string> {
  const dir = realpathSync(await workspace({ 'e.yaml': bad.yaml }));
  for (const [name, content] of Object.entries(bad.files ?? {})) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), content);
  }
  return dir;
}

describe('a bad SE experiment file is refused alike by validate, run --dry-run and run', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it.concurrent.each(CORPUS)('$what', async (bad) => {
    const dir = await layOut(bad);
    const expected = bad.problems.map((line) => `${dir}/${line}`.replaceAll('<dir>', dir)).join('\n');
    for (const args of COMMANDS) {
      const result = await cli(args, { cwd: dir, env: { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER } });
      expect({ command: args.join(' '), stderr: result.stderr, status: result.exitCode }).toEqual({ command: args.join(' '), stderr: expected, status: 2 });
      expect(existsSync(join(dir, 'out')), `${args.join(' ')} made the output folder`).toBe(false);
    }
  });
});

// These files pass validate today, and every run of them then fails in the
// worker (sandbox-layout) or the problem is printed once per point. Each is
// known from the file alone, so validate should refuse it, pointing at the
// mapping; the exact wording is the product's to choose, so these check only
// the status, the location and that no run was made.
describe('an SE file every run would refuse is refused before any run', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it.concurrent.each(CERTAIN_RUN_FAILURES)('$what', async (bad) => {
    const dir = await layOut(bad);
    for (const args of COMMANDS) {
      const result = await cli(args, { cwd: dir, env: { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER } });
      const label = `${args.join(' ')}: ${result.all}`;
      expect(result.exitCode, label).toBe(2);
      expect(existsSync(join(dir, 'out')), `${args.join(' ')} made the output folder`).toBe(false);
      if (bad.problems[0] === '<refused>') {
        expect(String(result.stderr).startsWith(`${dir}/e.yaml:`), label).toBe(true);
        expect(result.stderr, label).toMatch(/^\S+\/e\.yaml:[56]:\d+: guest\.files/);
      } else expect(result.stderr, label).toBe(bad.problems.map((line) => `${dir}/${line}`.replaceAll('<dir>', dir)).join('\n'));
    }
  });
});

describe('a missing interpreter is refused, naming the binary and its interpreter', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it('alike by validate, run --dry-run and run', async () => {
    const dir = await layOut(MISSING_INTERPRETER);
    for (const args of COMMANDS) {
      const result = await cli(args, { cwd: dir, env: { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER } });
      const stderr = String(result.stderr);
      expect(result.exitCode, stderr).toBe(2);
      expect(existsSync(join(dir, 'out'))).toBe(false);
      expect(stderr.split('\n')).toHaveLength(1);
      expect(stderr.startsWith(`${dir}/e.yaml:3:11: guest.binary: `), stderr).toBe(true);
      expect(stderr).toContain('/lib64/ld-linux-x86-64.so.9');
      expect(stderr).toContain(`${dir}/dyn`);
      expect(stderr).toContain('interpreter');
    }
  });
});

describe('a writable host folder with checkpoints', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it('is noted at its line by validate: a checkpoint does not keep it', async () => {
    const dir = await workspace({
      'e.yaml': `name: e\nguest:\n  binary: ${STATIC}\n  files:\n    /results: { host: out, writable: true }\n    /data: in\ncheckpoint: { warmup: true }\n`,
    });
    await mkdir(join(dir, 'out'));
    await mkdir(join(dir, 'in'));
    const result = await cli(['validate', 'e.yaml'], { cwd: dir });
    expect(result.exitCode, String(result.all)).toBe(0);
    const notes = String(result.stderr).split('\n').filter((line) => line.includes('checkpoint does not keep'));
    expect(notes).toEqual([`note: ${dir}/e.yaml:5:15: /results is writable and a checkpoint does not keep it: runs started from the checkpoint find it as the host has it then, not as it was when the checkpoint was taken`]);
  });
});
