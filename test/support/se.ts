// SE mode (guest.binary): the test programs of native/guests/se, run under
// the real CLI in a workspace the test lays out (the experiment file beside
// its data files, folders and symlinks), and the same binaries run natively
// on the host for comparison.
import { execa } from 'execa';
import { existsSync, realpathSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readResultsCsv, type ResultsTable } from '../../src/results/read-csv.js';
import { cli, ROOT } from './cli.js';
import { UNDER_QEMU_TCG } from './kvm.js';

export const SE_BUILD = join(ROOT, 'native/guests/se/build');

/** The three builds of every program (native/guests/se/Makefile). */
export const ALL_FLAVOURS = ['glibc-static', 'musl-static', 'glibc-dynamic'] as const;
export type Flavour = (typeof ALL_FLAVOURS)[number];

export function seBinary(program: string, flavour: Flavour): string {
  return join(SE_BUILD, `${program}.${flavour}`);
}

/** argv[0] as an SE program sees it: /bin/<file name of the binary>. */
export function guestArgv0(program: string, flavour: Flavour): string {
  return `/bin/${program}.${flavour}`;
}

/**
 * The flavours that were built. musl-static is skipped by the Makefile where
 * musl-gcc is missing, and then so are its tests, with a warning; the glibc
 * ones must be there (`make -C native/guests/se`).
 */
// Inside the nested VM (QEMU's TCG plays the CPU, some 50 times slower) one
// static and one dynamic flavour cover the KVM side; the host run covers all three.
export const FLAVOURS: Flavour[] = ALL_FLAVOURS.filter(
  (flavour) => flavour !== 'musl-static' || (!UNDER_QEMU_TCG && existsSync(seBinary('args-env', flavour))),
);
if (!FLAVOURS.includes('musl-static') && !UNDER_QEMU_TCG) console.warn('[se tests] no .musl-static builds (musl-gcc missing): that flavour is not tested');

/** A fresh folder under the temp dir, by its real path (guest paths are chosen equal to host paths). */
export async function seWorkspace(): Promise<string> {
  return realpathSync(await mkdtemp(join(tmpdir(), 'kx-se-')));
}

export interface SeRun {
  dir: string;
  name: string;
  table: ResultsTable;
  exitCode: number | undefined;
  output: string;
  /** The row of sweep point `point` (run ids are not in sweep order, point indices are). */
  row(point: number): Record<string, string>;
  runDir(row: Record<string, string>): string;
  runFile(row: Record<string, string>, file: string): Promise<Buffer>;
}

/**
 * Writes `experiment` (an object, stringified as YAML) as `<dir>/<file>` and
 * runs it with the real CLI, two runs at a time, into `<dir>/out`.
 */
export async function runSe(dir: string, experiment: Record<string, unknown>, file = 'e.yaml'): Promise<SeRun> {
  await writeExperiment(dir, experiment, file);
  return runSeFile(dir, String(experiment.name), file);
}

export async function writeExperiment(dir: string, experiment: Record<string, unknown>, file = 'e.yaml'): Promise<void> {
  await writeFile(join(dir, file), stringify(experiment));
}

/** Runs `<dir>/<file>`, already written, whose experiment is called `name`. */
export async function runSeFile(dir: string, name: string, file = 'e.yaml'): Promise<SeRun> {
  const result = await cli(['run', file, '--out', 'out', '--quiet', '-j', '2'], { cwd: dir });
  const csv = join(dir, 'out', `${name}.csv`);
  if (!existsSync(csv)) throw new Error(`no ${csv}: the CLI exited with ${result.exitCode}:\n${result.all}`);
  const table = await readResultsCsv(csv);
  const runDir = (row: Record<string, string>) => join(dir, 'out', name, row.run_id);
  return {
    dir,
    name,
    table,
    exitCode: result.exitCode,
    output: String(result.all ?? ''),
    row(point) {
      const found = table.rows.filter((r) => r.point === String(point));
      if (found.length !== 1) throw new Error(`${found.length} rows for point ${point} in ${csv}`);
      return found[0];
    },
    runDir,
    runFile: (row, file) => readFile(join(runDir(row), file)),
  };
}

export interface NativeRun {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number | undefined;
  signal: string | undefined;
}

/** Runs a test program on the host, with argv[0] as SE gives it and only the environment given. */
export async function runNative(program: string, flavour: Flavour, args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<NativeRun> {
  const result = await execa(seBinary(program, flavour), args, {
    argv0: guestArgv0(program, flavour),
    env: options.env ?? {},
    extendEnv: false,
    cwd: options.cwd,
    reject: false,
    encoding: 'buffer',
    stripFinalNewline: false,
    timeout: 60_000,
  });
  return {
    stdout: Buffer.from(result.stdout as Uint8Array),
    stderr: Buffer.from(result.stderr as Uint8Array),
    exitCode: result.exitCode,
    signal: result.signal,
  };
}

/** The sum of the syscall.* columns of a row. */
export function syscallColumnsSum(row: Record<string, string>): number {
  return Object.entries(row)
    .filter(([column, value]) => column.startsWith('syscall.') && value !== '')
    .reduce((sum, [, value]) => sum + Number(value), 0);
}
