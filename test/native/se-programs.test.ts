// SE mode against the host: each test program of native/guests/se, in each
// flavour (glibc static, musl static, glibc dynamic), prints under the
// runner, byte for byte, what it prints when run natively with the same
// argv (argv[0] included), and its row says how it ended. All the SE runs
// are one experiment (a zip sweep), run once; the native runs are made
// beside it.
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { num } from '../support/experiment-run.js';
import { HAS_KVM, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';
import { FLAVOURS, guestArgv0, SE_BUILD, runNative, runSe, seWorkspace, syscallColumnsSum, type Flavour, type NativeRun, type SeRun } from '../support/se.js';

// stdio-files' out.txt (EXPECTED_OUT in stdio-files.c).
const EXPECTED_OUT =
  'line 1: written with write(2)\n' +
  'line 2: written with writev(2), in two pieces\n' +
  'line 3: written with fprintf 42 0x2a\n' +
  'line 4: written with fputs\n';
const ENV = { SE_TEST_VAR: 'hello', SE_EQUALS: 'a=b=c', SE_EMPTY: '' };

interface Case {
  key: string;
  program: string;
  /** argv[1...] under SE; natively the same unless nativeArgs says otherwise. */
  args: string[] | ((flavour: Flavour) => string[]);
  nativeArgs?: (dir: string, flavour: Flavour) => string[];
  memory?: string;
  unsupportedSyscall?: 'stop' | 'enosys';
}

// Filled in beforeAll, once the workspace (and so the guest paths) exist.
let CASES: Case[] = [];
function cases(dir: string): Case[] {
  return [
    { key: 'args-env', program: 'args-env', args: ['one', 'two words', '', 'tab\there', 'ünïcödé', 'env:SE_TEST_VAR', 'env:SE_EQUALS', 'env:SE_EMPTY', 'env:SE_TEST_UNSET', 'env:PATH'] },
    // Under SE the output folder is /tmp, the run's scratch/; natively a folder of the workspace. Neither is printed.
    { key: 'stdio-files', program: 'stdio-files', args: [`${dir}/in.txt`, '/tmp', `${dir}/list`], nativeArgs: (d, f) => [`${d}/in.txt`, `${d}/native-out/${f}`, `${d}/list`] },
    // The output folder in a writable mapping instead (one folder per flavour, as runs are concurrent): out.txt lands in the host folder.
    { key: 'stdio-files-mapped', program: 'stdio-files', args: (f) => [`${dir}/in.txt`, `${dir}/wout/${f}`, `${dir}/list`], nativeArgs: (d, f) => [`${d}/in.txt`, `${d}/native-out-2/${f}`, `${d}/list`] },
    { key: 'memory', program: 'memory', args: ['256'], memory: '512MiB' },
    { key: 'time-random', program: 'time-random', args: [] },
    { key: 'exit-0', program: 'exit-code', args: ['0'] },
    { key: 'exit-42', program: 'exit-code', args: ['42'] },
    { key: 'exit-300', program: 'exit-code', args: ['300'] },
    { key: 'segfault', program: 'segfault', args: [] },
    { key: 'unsupported-stop', program: 'unsupported', args: [], unsupportedSyscall: 'stop' },
    { key: 'unsupported-enosys', program: 'unsupported', args: [], unsupportedSyscall: 'enosys' },
    { key: 'm5-roi', program: 'm5ops-roi', args: ['roi'], nativeArgs: () => ['native'] },
    { key: 'm5-all', program: 'm5ops-roi', args: ['all'], nativeArgs: () => ['native'] },
    { key: 'm5-fail', program: 'm5ops-roi', args: ['fail'], nativeArgs: () => ['native'] },
    { key: 'cpu-bound', program: 'cpu-bound', args: ['1500'] },
  ];
}

interface Point {
  case: Case;
  flavour: Flavour;
  index: number;
}
let points: Point[] = [];
const seArgs = (p: Point) => (typeof p.case.args === 'function' ? p.case.args(p.flavour) : p.case.args);
let se: SeRun;
const native = new Map<string, NativeRun>();
const nativeKey = (key: string, flavour: Flavour) => `${key}/${flavour}`;

function point(key: string, flavour: Flavour): { row: Record<string, string>; native: NativeRun; stdout: () => Promise<Buffer>; stderr: () => Promise<Buffer> } {
  const p = points.find((q) => q.case.key === key && q.flavour === flavour)!;
  const row = se.row(p.index);
  return { row, native: native.get(nativeKey(key, flavour))!, stdout: () => se.runFile(row, 'stdout.log'), stderr: () => se.runFile(row, 'stderr.log') };
}

/** A deterministic input file: a first line, then ~200 KB of text (more than one read chunk). */
function inputText(): string {
  let body = 'The first line of the input file.\nsecond line\n\n';
  let x = 12345;
  while (body.length < 200_000) {
    x = (x * 1103515245 + 12345) >>> 0;
    body += `${x.toString(36)}${x % 7 === 0 ? '\n' : ' '}`;
  }
  return `${body}last line, no newline`;
}

describe.skipIf(!HAS_KVM)('SE mode: each program prints under the runner what it prints natively', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  beforeAll(async () => {
    const dir = await seWorkspace();
    await writeFile(join(dir, 'in.txt'), inputText());
    await mkdir(join(dir, 'list/sub'), { recursive: true });
    for (const f of ['b', 'a', '.hidden', 'Zed', 'with space']) await writeFile(join(dir, 'list', f), f);
    await symlink('a', join(dir, 'list/link-to-a'));
    for (const folder of ['native-out', 'native-out-2', 'wout']) for (const f of FLAVOURS) await mkdir(join(dir, folder, f), { recursive: true });

    CASES = cases(dir);
    points = FLAVOURS.flatMap((flavour) => CASES.map((c) => ({ case: c, flavour }))).map((p, index) => ({ ...p, index }));
    const experiment = {
      name: 'se-programs',
      guest: {
        binary: `build/${CASES[0].program}.${FLAVOURS[0]}`,
        env: ENV,
        // Guest paths equal to the host paths, so that one argv serves both.
        files: { [`${dir}/in.txt`]: 'in.txt', [`${dir}/list`]: 'list', [`${dir}/wout`]: { host: 'wout', writable: true } },
      },
      sweep: {
        zip: [
          {
            'guest.binary': points.map((p) => `build/${p.case.program}.${p.flavour}`),
            'guest.argv': points.map((p) => seArgs(p)),
            'guest.memory': points.map((p) => p.case.memory ?? '64MiB'),
            'se.unsupportedSyscall': points.map((p) => p.case.unsupportedSyscall ?? 'stop'),
          },
        ],
      },
    };
    // The binaries are named relative to the experiment file, as users do.
    await symlink(SE_BUILD, join(dir, 'build'));

    se = await runSe(dir, experiment);
    // Then the same programs natively, a few at a time (memory 256 touches 256 MiB).
    for (let i = 0; i < points.length; i += 4) {
      await Promise.all(
        points.slice(i, i + 4).map(async (p) => {
          const args = p.case.nativeArgs ? p.case.nativeArgs(dir, p.flavour) : seArgs(p);
          native.set(nativeKey(p.case.key, p.flavour), await runNative(p.case.program, p.flavour, args, { env: ENV, cwd: dir }));
        }),
      );
    }
  }, KVM_TEST_TIMEOUT_MS);

  it('one row per run, and the CLI exit status says that some failed (exit-code, segfault, unsupported, m5_fail)', () => {
    expect(se.table.rows).toHaveLength(points.length);
    expect(se.exitCode).toBe(1);
  });

  it("each run folder has the program's stdout.log, stderr.log and scratch/, and no console.log or syscalls.log (trace is off)", async () => {
    for (const row of se.table.rows) {
      const entries = await readdir(se.runDir(row));
      expect(entries, row.run_id).toEqual(expect.arrayContaining(['stdout.log', 'stderr.log', 'scratch', 'stats.txt', 'result.json']));
      expect(entries, row.run_id).not.toContain('console.log');
      expect(entries, row.run_id).not.toContain('syscalls.log');
    }
  });

  describe.each(FLAVOURS)('%s', (flavour) => {
    it('args-env: argv (argv[0] = /bin/<name>), the environment given and nothing of the host, auxv checks', async () => {
      const { row, native: n, stdout } = point('args-env', flavour);
      expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit', error: '' });
      expect(num(row, 'exitCode')).toBe(0);
      expect(n.exitCode).toBe(0);
      const text = (await stdout()).toString();
      expect(text).toContain(`argv[0]=${guestArgv0('args-env', flavour)}\n`);
      expect(text).toContain('argc=11\nargv[0]=');
      expect(text).toContain('argv[2]=two words\nargv[3]=\nargv[4]=tab\there\nargv[5]=ünïcödé\n');
      expect(text).toContain('env SE_TEST_VAR=hello\nenv SE_EQUALS=a=b=c\nenv SE_EMPTY=\nenv SE_TEST_UNSET unset\nenv PATH unset\n');
      expect(text).toMatch(/auxv ok\n$/);
      expect(await stdout()).toEqual(n.stdout);
    });

    it('stdio-files: reads a mapped file and lists a mapped folder as the host does; out.txt lands in the run\'s scratch/', async () => {
      const { row, native: n, stdout, stderr } = point('stdio-files', flavour);
      expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
      expect(n.exitCode).toBe(0);
      const text = (await stdout()).toString();
      expect(text).toContain('input first line: The first line of the input file.\n');
      expect(text).toContain('directory: 7 entries\n  .hidden\n  Zed\n  a\n  b\n  link-to-a\n  sub\n  with space\n');
      expect(text).toMatch(/files ok\n$/);
      expect(await stdout()).toEqual(n.stdout);
      expect((await stderr()).toString()).toBe('stdio-files: stderr line\n');
      expect(await stderr()).toEqual(n.stderr);
      // The guest's /tmp is the run folder's scratch/; natively the program wrote the same bytes.
      expect(await readFile(join(se.runDir(row), 'scratch/out.txt'), 'utf8')).toBe(EXPECTED_OUT);
      expect(await readFile(join(se.dir, 'native-out', flavour, 'out.txt'), 'utf8')).toBe(EXPECTED_OUT);
      // Writes: stdout, stderr and out.txt, nothing else.
      expect(num(row, 'bytesWritten')).toBe((await stdout()).length + (await stderr()).length + EXPECTED_OUT.length);
      // Reads: the input, the 64 bytes after lseek to the middle, out.txt read back (and the dynamic loader's libraries).
      const input = (await readFile(join(se.dir, 'in.txt'))).length;
      const expectedRead = input + 64 + EXPECTED_OUT.length;
      if (flavour === 'glibc-dynamic') expect(num(row, 'bytesRead')).toBeGreaterThan(expectedRead);
      else expect(num(row, 'bytesRead')).toBe(expectedRead);
    });

    it('stdio-files: with the output folder in a writable mapping, out.txt is written to the host folder', async () => {
      const { row, native: n, stdout } = point('stdio-files-mapped', flavour);
      expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
      expect(await stdout()).toEqual(n.stdout);
      expect(await readFile(join(se.dir, 'wout', flavour, 'out.txt'), 'utf8')).toBe(EXPECTED_OUT);
      expect(await readdir(join(se.runDir(row), 'scratch'))).toEqual([]);
    });

    it('memory 256: brk, malloc, mmap, mremap, mprotect over 256 MiB in a 512 MiB guest', async () => {
      const { row, native: n, stdout } = point('memory', flavour);
      expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
      expect(n.exitCode).toBe(0);
      const text = (await stdout()).toString();
      expect(text).toContain('total touched: 256 MiB\n');
      expect(text).toMatch(/memory ok\n$/);
      expect(await stdout()).toEqual(n.stdout);
      // At least the largest part (the 128 MiB mmap) was mapped at once; never more than the guest has.
      expect(num(row, 'peakMemoryBytes')).toBeGreaterThanOrEqual(128 * 2 ** 20);
      expect(num(row, 'peakMemoryBytes')).toBeLessThanOrEqual(512 * 2 ** 20);
    });

    it('time-random: the clocks and random sources pass their checks (no values printed)', async () => {
      const { row, native: n, stdout } = point('time-random', flavour);
      expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
      expect((await stdout()).toString()).toBe('time ok\nrandom ok\n');
      expect(await stdout()).toEqual(n.stdout);
      // The 10 ms sleep is simulated time, skipped rather than waited for.
      expect(num(row, 'simSeconds')).toBeGreaterThanOrEqual(0.01);
    });

    it('exit-code: the status reaches the row as the parent sees it (300 & 0xff = 44)', async () => {
      for (const [key, status] of [['exit-0', 0], ['exit-42', 42], ['exit-300', 44]] as const) {
        const { row, native: n, stdout } = point(key, flavour);
        expect(n.exitCode).toBe(status);
        expect(num(row, 'exitCode')).toBe(status);
        if (status === 0) expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit', error: '' });
        else expect(row).toMatchObject({ status: 'failed', exit_cause: 'guest-exit', error: `the program exited with status ${status}` });
        expect(await stdout()).toEqual(n.stdout);
      }
    });

    it('segfault: the row names the address 0xdead000 as a write, exitCode 139; stdout up to the fault as natively', async () => {
      const { row, native: n, stdout } = point('segfault', flavour);
      expect(n.signal).toBe('SIGSEGV');
      expect(row).toMatchObject({ status: 'failed', exit_cause: 'segfault' });
      expect(row.error).toMatch(/^SIGSEGV: a write to 0xdead000 \(unmapped\), at rip 0x[0-9a-f]+ \(in /);
      expect(row.error).toContain(`(in ${guestArgv0('segfault', flavour)})`);
      expect(num(row, 'exitCode')).toBe(139);
      expect((await stdout()).toString()).toBe('segfault: writing to 0xdead000\n');
      expect(await stdout()).toEqual(n.stdout);
      // The fault is one more port write (the exception stub) than the system calls.
      expect(num(row, 'numIO')).toBe(num(row, 'numSyscalls') + 1);
    });

    it('unsupported: fork stops the run and is named with its number; stdout is what was printed before it', async () => {
      const { row, native: n, stdout } = point('unsupported-stop', flavour);
      expect(n.exitCode).toBe(0);
      expect(n.stdout.toString()).toBe('unsupported: calling fork\nforked\nchild exited with 7\n');
      expect(row).toMatchObject({ status: 'failed', exit_cause: 'unsupported-syscall', error: flavour === 'musl-static' ? 'fork (57)' : 'clone (56)' });
      // The program neither exited nor died: there is no exit code.
      expect(row.exitCode).toBe('');
      expect((await stdout()).toString()).toBe('unsupported: calling fork\n');
      expect(n.stdout.subarray(0, (await stdout()).length)).toEqual(await stdout());
    });

    it('unsupported with se.unsupportedSyscall: enosys: the program sees fork fail with ENOSYS and goes on', async () => {
      const { row, stdout } = point('unsupported-enosys', flavour);
      expect((await stdout()).toString()).toBe('unsupported: calling fork\nfork failed: ENOSYS\n');
      expect(row).toMatchObject({ status: 'failed', exit_cause: 'guest-exit', error: 'the program exited with status 1' });
      expect(num(row, 'exitCode')).toBe(1);
      // The refused call has no column of its own: it is counted in syscall.unsupported.
      expect(row[flavour === 'musl-static' ? 'syscall.fork' : 'syscall.clone']).toBeUndefined();
      expect(num(row, 'syscall.unsupported')).toBe(1);
      expect(num(row, 'numSyscalls')).toBe(syscallColumnsSum(row));
    });

    it('m5ops-roi: m5_exit and m5_fail end the run; the region is what is counted; stdout is the native mode\'s', async () => {
      const roi = point('m5-roi', flavour);
      const all = point('m5-all', flavour);
      const fail = point('m5-fail', flavour);
      expect(roi.native.exitCode).toBe(0);
      expect(roi.native.stdout.toString()).toMatch(/^m5ops-roi: start\nm5ops-roi: units=2000 checksum=[0-9a-f]{8}\nm5ops-roi: done\n$/);
      for (const p of [roi, all, fail]) expect(await p.stdout()).toEqual(roi.native.stdout);
      expect(roi.row).toMatchObject({ status: 'ok', exit_cause: 'm5-exit', error: '' });
      expect(all.row).toMatchObject({ status: 'ok', exit_cause: 'm5-exit', error: '' });
      expect(fail.row).toMatchObject({ status: 'failed', exit_cause: 'm5-fail', error: 'the guest called m5_fail with code 42' });
      // roi: reset_stats (cleared by itself), dump_stats, exit.
      expect(num(roi.row, 'm5ops.calls')).toBe(2);
      expect(num(roi.row, 'm5ops.workBegin')).toBe(0);
      // all: ... work_begin, work_end, dump_reset_stats (which clears them), dump_stats, exit.
      expect(num(all.row, 'm5ops.calls')).toBe(2);
      expect(num(all.row, 'm5ops.workBegin')).toBe(0);
      expect(num(all.row, 'm5ops.workEnd')).toBe(0);
      expect(num(fail.row, 'm5ops.calls')).toBe(2);
      // Each dump is a block of stats.txt before the final one.
      const blocks = async (p: typeof roi) => ((await se.runFile(p.row, 'stats.txt')).toString().match(/Begin Simulation Statistics/g) ?? []).length;
      expect(await blocks(roi)).toBe(2);
      expect(await blocks(all)).toBe(3);
      expect(await blocks(fail)).toBe(2);
      // all: the work is in the first dump (dump_reset_stats), not in the second nor in the row, which
      // count from that reset; roi's row counts from its only reset, before the work.
      const simTicks = async (p: typeof roi) => [...(await se.runFile(p.row, 'stats.txt')).toString().matchAll(/^simTicks\s+(\d+)/gm)].map((m) => Number(m[1]));
      const [work, afterReset] = await simTicks(all);
      expect(work).toBeGreaterThan(10 * afterReset);
      expect(num(all.row, 'simTicks')).toBeLessThan(work / 10);
      expect(num(roi.row, 'simTicks')).toBeGreaterThanOrEqual((await simTicks(roi))[0]);
      // The CPU counters start at the (last) reset: one port-IO exit, the write of the two result lines
      // (fflush), and two MMIO exits, dump_stats and exit.
      for (const p of [roi, all, fail]) {
        expect(num(p.row, 'numIO')).toBe(1);
        expect(num(p.row, 'numMMIO')).toBe(2);
      }
    });

    it('cpu-bound: the same checksum as natively, and no system call of its own', async () => {
      const { row, native: n, stdout } = point('cpu-bound', flavour);
      expect(row).toMatchObject({ status: 'ok', exit_cause: 'guest-exit' });
      expect((await stdout()).toString()).toMatch(/^cpu-bound: units=1500 checksum=[0-9a-f]{8}\n$/);
      expect(await stdout()).toEqual(n.stdout);
      // The work makes no system call: as many as exit-code makes (print one line, exit).
      expect(num(row, 'numSyscalls')).toBe(num(point('exit-0', flavour).row, 'numSyscalls'));
    });

    it('every run without m5ops: each system call is one port-IO exit and one count in its syscall.<name> column', () => {
      for (const key of ['args-env', 'stdio-files', 'memory', 'time-random', 'exit-0', 'exit-42', 'exit-300', 'cpu-bound', 'unsupported-stop']) {
        const { row } = point(key, flavour);
        const label = `${key} (${row.run_id})`;
        expect(num(row, 'numSyscalls'), label).toBeGreaterThan(0);
        expect(num(row, 'numIO'), label).toBe(num(row, 'numSyscalls'));
        // The call that stops a run is counted in syscall.unsupported.
        expect(syscallColumnsSum(row), label).toBe(num(row, 'numSyscalls'));
        // A count the run never made is an empty cell, as for every syscall.<name>.
        expect(row['syscall.unsupported'], label).toBe(key === 'unsupported-stop' ? '1' : '');
        if (key !== 'unsupported-stop') expect(num(row, 'syscall.exit_group'), label).toBe(1);
      }
    });
  });
});
