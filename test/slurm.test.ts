// `run-experiments slurm`: the generated job-array and merge scripts (run
// through real bash with a stand-in tool), the submission order, the command
// itself, and then the whole flow on a real single-node Slurm started here.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../src/cli/command.js';
import { parseArgs } from '../src/cli/parse-args.js';
import { experimentName, slurm } from '../src/commands/slurm.js';
import { InputError, UsageError } from '../src/errors.js';
import { readResultsCsv } from '../src/results/read-csv.js';
import { filenamePatternEscape, sbatchQuote, shellQuote, slurmScripts, type SlurmScriptOptions } from '../src/slurm/scripts.js';
import { parseJobId, realSbatch, submitJobs } from '../src/slurm/submit.js';
import { slurmUnavailableReason, startSlurmCluster, type JobRecord, type SlurmCluster } from './support/slurm-cluster.js';

const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const distCli = path.join(repoRoot, 'dist/cli/main.js');

// A stand-in for dist/cli/main.js: `run` writes <out>/<name>.csv recording its
// arguments and environment, `merge` concatenates CSVs (header once). Lets the
// scripts be checked independently of the real run/merge commands.
const STUB_CLI = String.raw`
const fs = require('node:fs');
const path = require('node:path');
const [cmd, ...rest] = process.argv.slice(2);
const opt = (name) => { const i = rest.indexOf(name); return i < 0 ? undefined : rest[i + 1]; };
if (process.env.STUB_LOG) fs.appendFileSync(process.env.STUB_LOG, JSON.stringify(process.argv.slice(2)) + '\n');
if (cmd === 'run') {
  const out = opt('--out'), shard = opt('--shard');
  const files = rest.filter((a, i) => !a.startsWith('--') && !['--out', '--shard', '--warmup-dir', '--jobs'].includes(rest[i - 1]));
  fs.mkdirSync(out, { recursive: true });
  for (const f of files) {
    const name = (fs.readFileSync(f, 'utf8').match(/^name:\s*(\S+)/m) || [])[1] || path.basename(f).replace(/\.[^.]*$/, '');
    fs.writeFileSync(path.join(out, name + '.csv'),
      'experiment,run_id,shard,task,worker\n' +
      [name, name + '-' + shard.replace('/', 'of'), shard, process.env.SLURM_ARRAY_TASK_ID, process.env.RUN_EXPERIMENTS_WORKER || ''].join(',') + '\n');
  }
} else if (cmd === 'merge') {
  const o = opt('-o');
  const inputs = rest.filter((a, i) => a !== '-o' && rest[i - 1] !== '-o');
  const texts = inputs.map((f) => fs.readFileSync(f, 'utf8').trimEnd().split('\n'));
  fs.writeFileSync(o, [texts[0][0], ...texts.flatMap((t) => t.slice(1))].join('\n') + '\n');
} else {
  console.error('stub: unknown command ' + cmd);
  process.exit(2);
}
`;

async function tempDir(label: string): Promise<string> {
  // A space, a quote and a percent sign: every path below must survive bash and sbatch quoting.
  const base = await mkdtemp(path.join(os.tmpdir(), 'rexp-slurm-test-'));
  const dir = path.join(base, `${label} it's 50%`);
  await mkdir(dir, { recursive: true });
  return dir;
}

async function writeStub(dir: string): Promise<string> {
  const cli = path.join(dir, 'stub-cli.cjs');
  await writeFile(cli, STUB_CLI);
  return cli;
}

function baseOptions(dir: string, cli: string, overrides: Partial<SlurmScriptOptions> = {}): SlurmScriptOptions {
  return {
    node: process.execPath,
    cli,
    files: [path.join(dir, 'a.yaml'), path.join(dir, 'b.yaml')],
    experiments: ['exp-a', 'exp-b'],
    out: path.join(dir, 'results'),
    scriptDir: path.join(dir, 'results/slurm'),
    tasks: 3,
    jobName: 'rexp',
    ...overrides,
  };
}

async function writeExperiments(dir: string): Promise<void> {
  await writeFile(path.join(dir, 'a.yaml'), 'name: exp-a\nguest: { program: hello }\n');
  await writeFile(path.join(dir, 'b.yaml'), 'name: exp-b\nguest: { program: hello }\n');
}

function captureIO(cwd: string, env: NodeJS.ProcessEnv = process.env): CommandIO & { out(): string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let text = '';
  stdout.on('data', (c) => (text += String(c)));
  stderr.resume();
  return { stdout, stderr, env, cwd, signal: new AbortController().signal, out: () => text };
}

async function runCommand(argv: string[], io: CommandIO): Promise<number> {
  return slurm.run(parseArgs(argv, slurm.options, 'slurm'), io);
}

describe('slurm scripts', () => {
  it('makes an array of N tasks, 0..N-1, with per-task logs and the resources asked for', () => {
    const s = slurmScripts(
      baseOptions('/x', '/x/cli.js', { tasks: 4, partition: 'debug', time: '1:00:00', mem: '4G', cpusPerTask: 2, account: 'proj' }),
    );
    expect(s.array).toMatch(/^#!\/bin\/bash\n/);
    expect(s.array).toContain('#SBATCH --array=0-3\n');
    expect(s.array).toContain('#SBATCH --output=/x/results/slurm/logs/task-%a.out\n');
    expect(s.array).toContain('#SBATCH --error=/x/results/slurm/logs/task-%a.err\n');
    expect(s.array).toContain('#SBATCH --job-name=rexp\n');
    expect(s.array).toContain('#SBATCH --partition=debug\n');
    expect(s.array).toContain('#SBATCH --time=1:00:00\n');
    expect(s.array).toContain('#SBATCH --mem=4G\n');
    expect(s.array).toContain('#SBATCH --cpus-per-task=2\n');
    expect(s.array).toContain('#SBATCH --account=proj\n');
    expect(s.array).toContain('set -euo pipefail\n');
    expect(s.merge).toContain('#SBATCH --job-name=rexp-merge\n');
    expect(s.merge).toContain('#SBATCH --output=/x/results/slurm/logs/merge.out\n');
    expect(s.merge).not.toContain('--array');
    expect(s.merge).not.toContain('--mem');
    // Every #SBATCH line comes before the first command, or sbatch ignores it.
    for (const text of [s.array, s.merge]) {
      const lines = text.split('\n');
      const firstCommand = lines.findIndex((l) => l && !l.startsWith('#'));
      expect(lines.slice(firstCommand).some((l) => l.startsWith('#SBATCH'))).toBe(false);
    }
  });

  it('leaves out resources that were not asked for', () => {
    const s = slurmScripts(baseOptions('/x', '/x/cli.js', { tasks: 1 }));
    expect(s.array).toContain('#SBATCH --array=0-0\n');
    for (const d of ['partition', 'time', 'mem', 'cpus-per-task', 'account']) expect(s.array).not.toContain(`--${d}=`);
  });

  it('quotes for bash and for #SBATCH lines', () => {
    expect(shellQuote('/plain/path-1.yaml')).toBe('/plain/path-1.yaml');
    expect(shellQuote("/a b/it's")).toBe(`'/a b/it'\\''s'`);
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('$(rm -rf /)')).toBe("'$(rm -rf /)'");
    expect(sbatchQuote('/a b/c#d"e')).toBe('"/a b/c\\#d\\"e"');
    expect(() => sbatchQuote('a\nb')).toThrow(RangeError);
    expect(filenamePatternEscape('/r/50%/logs')).toBe('/r/50%%/logs');
    const s = slurmScripts(baseOptions('/tmp/my dir', '/opt/tool dir/main.js'));
    expect(s.array).toContain('#SBATCH --output="/tmp/my dir/results/slurm/logs/task-%a.out"\n');
    expect(s.array).toContain(`'/opt/tool dir/main.js' run '/tmp/my dir/a.yaml' '/tmp/my dir/b.yaml'`);
  });

  it('refuses relative paths and a zero task count', () => {
    expect(() => slurmScripts(baseOptions('/x', 'cli.js'))).toThrow(/absolute/);
    expect(() => slurmScripts(baseOptions('/x', '/x/cli.js', { tasks: 0 }))).toThrow(/tasks/);
  });

  it('runs shard k+1/N into shards/task-k when bash runs array task k (path with a space and a quote)', async () => {
    const dir = await tempDir('shards');
    const cli = await writeStub(dir);
    await writeExperiments(dir);
    const opts = baseOptions(dir, cli, { tasks: 3, env: { RUN_EXPERIMENTS_WORKER: '/from submission/worker.js' } });
    const s = slurmScripts(opts);
    const script = path.join(dir, 'array.sbatch');
    await writeFile(script, s.array);
    const log = path.join(dir, 'argv.log');
    for (let k = 0; k < 3; k++) {
      const env: NodeJS.ProcessEnv = { ...process.env, SLURM_ARRAY_TASK_ID: String(k), SLURM_ARRAY_TASK_COUNT: '3', STUB_LOG: log };
      if (k === 2) env.RUN_EXPERIMENTS_WORKER = '/set at run time';
      else delete env.RUN_EXPERIMENTS_WORKER;
      if (k === 1) env.SLURM_CPUS_PER_TASK = '2';
      else delete env.SLURM_CPUS_PER_TASK;
      await execa('bash', [script], { env, extendEnv: false });
    }
    const calls = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as string[]);
    // Every task shares one warm-up folder, the array's output folder.
    expect(calls).toEqual(
      [0, 1, 2].map((k) => ['run', ...opts.files, '--out', `${opts.out}/shards/task-${k}`, '--shard', `${k + 1}/3`, '--warmup-dir', opts.out, '--jobs', k === 1 ? '2' : '1']),
    );
    const csv = await readFile(path.join(opts.out, 'shards/task-1/exp-b.csv'), 'utf8');
    expect(csv).toContain('exp-b,exp-b-2of3,2/3,1,/from submission/worker.js');
    expect(await readFile(path.join(opts.out, 'shards/task-2/exp-a.csv'), 'utf8')).toContain(',/set at run time\n');
    await rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('lets a task whose runs partly failed (status 1) succeed, and fails it on any other error', async () => {
    const dir = await tempDir('status');
    const cli = path.join(dir, 'exit-cli.cjs');
    await writeFile(cli, 'process.exit(Number(process.env.STUB_EXIT));\n');
    const script = path.join(dir, 'array.sbatch');
    await writeFile(script, slurmScripts(baseOptions(dir, cli, { tasks: 2 })).array);
    const env = { ...process.env, SLURM_ARRAY_TASK_ID: '0', SLURM_ARRAY_TASK_COUNT: '2' };
    const statusOf = async (code: number) => execa('bash', [script], { env: { ...env, STUB_EXIT: String(code) }, reject: false });
    expect((await statusOf(0)).exitCode).toBe(0);
    const partly = await statusOf(1);
    expect(partly.exitCode).toBe(0);
    expect(partly.stderr).toMatch(/some runs did not succeed/);
    expect((await statusOf(2)).exitCode).toBe(2);
    expect((await statusOf(3)).exitCode).toBe(3);
    await rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('refuses to run the array script outside a job array', async () => {
    const s = slurmScripts(baseOptions('/x', '/x/cli.js'));
    const env = { ...process.env };
    delete env.SLURM_ARRAY_TASK_ID;
    const r = await execa('bash', ['-c', s.array], { env, extendEnv: false, reject: false });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/SLURM_ARRAY_TASK_ID.*submit this script with sbatch/);
  });

  it('merges every task shard of each experiment, in task order, skipping tasks that wrote none', async () => {
    const dir = await tempDir('merge');
    const cli = await writeStub(dir);
    const opts = baseOptions(dir, cli, { tasks: 3 });
    for (const k of [0, 2]) {
      await mkdir(path.join(opts.out, `shards/task-${k}`), { recursive: true });
      for (const name of opts.experiments) {
        await writeFile(path.join(opts.out, `shards/task-${k}/${name}.csv`), `experiment,run_id\n${name},r${k}\n`);
      }
    }
    const script = path.join(dir, 'merge.sbatch');
    await writeFile(script, slurmScripts(opts).merge);
    const r = await execa('bash', [script]);
    expect(r.stderr).toMatch(/no .*task-1\/exp-a\.csv/);
    expect(await readFile(path.join(opts.out, 'exp-a.csv'), 'utf8')).toBe('experiment,run_id\nexp-a,r0\nexp-a,r2\n');
    expect(await readFile(path.join(opts.out, 'exp-b.csv'), 'utf8')).toBe('experiment,run_id\nexp-b,r0\nexp-b,r2\n');

    await rm(path.join(opts.out, 'shards'), { recursive: true });
    const failed = await execa('bash', [script], { reject: false });
    expect(failed.exitCode).not.toBe(0);
    expect(failed.stderr).toMatch(/no shard results for exp-a/);
    await rm(path.dirname(dir), { recursive: true, force: true });
  });
});

describe('slurm submission', () => {
  it('submits the array, then the merge job with afterok on the array job id', async () => {
    const calls: string[][] = [];
    const ids = ['12', '13;cluster-b'];
    const result = await submitJobs({ array: '/s/array.sbatch', merge: '/s/merge.sbatch' }, async (args) => {
      calls.push(args);
      return `${ids.shift()}\n`;
    });
    expect(calls).toEqual([
      ['--parsable', '/s/array.sbatch'],
      ['--parsable', '--dependency=afterok:12', '/s/merge.sbatch'],
    ]);
    expect(result).toEqual({ arrayJobId: '12', mergeJobId: '13' });
  });

  it('names the submitted array job when the merge submission fails', async () => {
    let n = 0;
    const attempt = submitJobs({ array: '/s/array.sbatch', merge: '/s/m m.sbatch' }, async () => {
      if (n++ === 0) return '41';
      throw new Error('sbatch: error: Batch job submission failed');
    });
    await expect(attempt).rejects.toThrow(/array job 41 was submitted.*\n.*afterok:41 '\/s\/m m.sbatch'.*scancel 41/);
  });

  it('reads job ids from --parsable output and rejects anything else', () => {
    expect(parseJobId('7\n')).toBe('7');
    expect(parseJobId('7;cl')).toBe('7');
    expect(() => parseJobId('sbatch: error')).toThrow(/no job id/);
  });

  it('reports a missing sbatch as an environment problem', async () => {
    const sbatch = realSbatch({ env: { ...process.env, PATH: '/nonexistent' }, cwd: os.tmpdir() });
    await expect(sbatch(['x'])).rejects.toMatchObject({ name: 'EnvironmentError', code: 'no-sbatch' });
  });
});

describe('slurm command', () => {
  it('reads experiment names, defaulting to the file name, and locates errors', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rexp-slurm-names-'));
    await writeFile(path.join(dir, 'named.yaml'), 'name: my-exp\nguest: { program: hello }\n');
    await writeFile(path.join(dir, 'unnamed.yaml'), 'guest: { program: hello }\n');
    await writeFile(path.join(dir, 'broken.yaml'), 'name: a\nguest: { program: hello\n');
    await writeFile(path.join(dir, 'badname.yaml'), 'guest: {}\nname: [1]\n');
    expect(await experimentName(path.join(dir, 'named.yaml'))).toBe('my-exp');
    expect(await experimentName(path.join(dir, 'unnamed.yaml'))).toBe('unnamed');
    await expect(experimentName(path.join(dir, 'broken.yaml'))).rejects.toThrow(InputError);
    await expect(experimentName(path.join(dir, 'broken.yaml'))).rejects.toThrow(/broken\.yaml:\d+:\d+: /);
    await expect(experimentName(path.join(dir, 'badname.yaml'))).rejects.toThrow(/badname\.yaml:2:7: name must be a string/);
    await expect(experimentName(path.join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read experiment file \(no such file\)/);
    await rm(dir, { recursive: true, force: true });
  });

  it('writes both scripts and the log folder, and prints how to submit', async () => {
    const dir = await tempDir('command');
    await writeExperiments(dir);
    const io = captureIO(dir, { ...process.env, RUN_EXPERIMENTS_WORKER: '/w/worker.js' });
    expect(await runCommand(['a.yaml', 'b.yaml', '--tasks', '2', '--partition', 'debug', '--time', '10', '--mem', '512M', '--cpus', '1'], io)).toBe(0);
    const scriptDir = path.join(dir, 'results/slurm');
    const array = await readFile(path.join(scriptDir, 'array.sbatch'), 'utf8');
    const merge = await readFile(path.join(scriptDir, 'merge.sbatch'), 'utf8');
    expect(existsSync(path.join(scriptDir, 'logs'))).toBe(true);
    expect(array).toContain('#SBATCH --array=0-1\n');
    expect(array).toContain(shellQuote(path.join(dir, 'a.yaml')));
    expect(array).toContain(`${shellQuote(process.execPath)} ${shellQuote(fileURLToPath(new URL('../src/cli/main.js', import.meta.url)))} run`);
    expect(array).toContain(`export RUN_EXPERIMENTS_WORKER=/w/worker.js`);
    expect(merge).toContain('merge_experiment exp-a\nmerge_experiment exp-b\n');
    expect(io.out()).toContain(`sbatch --dependency=afterok:<array job id> ${shellQuote(path.join(scriptDir, 'merge.sbatch'))}`);
    await rm(path.dirname(dir), { recursive: true, force: true });
  });

  it('rejects bad options and duplicate experiment names before writing anything', async () => {
    const dir = await tempDir('bad');
    await writeExperiments(dir);
    await writeFile(path.join(dir, 'a2.yaml'), 'name: exp-a\nguest: { program: hello }\n');
    const io = captureIO(dir);
    await expect(runCommand(['a.yaml'], io)).rejects.toThrow(/--tasks N is required/);
    await expect(runCommand(['--tasks', '2'], io)).rejects.toThrow(UsageError);
    await expect(runCommand(['a.yaml', '--tasks', '0'], io)).rejects.toThrow(/--tasks must be an integer >= 1/);
    await expect(runCommand(['a.yaml', '--tasks', '2', '--time', '1h'], io)).rejects.toThrow(/--time must be a Slurm time limit/);
    await expect(runCommand(['a.yaml', '--tasks', '2', '--mem', '4GiB'], io)).rejects.toThrow(/--mem must be a Slurm memory size/);
    await expect(runCommand(['a.yaml', 'a2.yaml', '--tasks', '2'], io)).rejects.toThrow(/experiment name "exp-a" is also the name in/);
    expect(existsSync(path.join(dir, 'results'))).toBe(false);
    await rm(path.dirname(dir), { recursive: true, force: true });
  });
});

const unavailable = slurmUnavailableReason();
if (unavailable) console.warn(`test/slurm.test.ts: real-Slurm tests skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)(`on a real single-node Slurm${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let cluster: SlurmCluster;

  beforeAll(async () => {
    cluster = await startSlurmCluster();
  }, 90_000);

  afterAll(async () => {
    await cluster?.stop();
  }, 30_000);

  async function logsOf(dir: string): Promise<string> {
    const parts: string[] = [];
    for (const f of (await readdir(dir).catch(() => [])).sort()) {
      parts.push(`--- ${f}\n${await readFile(path.join(dir, f), 'utf8').catch(() => '')}`);
    }
    return parts.join('\n');
  }

  function expectAllCompleted(records: JobRecord[], what: string, logs: string) {
    const bad = records.filter((r) => r.state !== 'COMPLETED');
    if (bad.length > 0) {
      throw new Error(`${what}: ${bad.map((r) => `${r.taskId} ${r.state} (${r.reason}, exit ${r.exitCode})`).join('; ')}\n${logs}`);
    }
  }

  function lastEnd(records: JobRecord[]): number {
    return Math.max(...records.map((r) => r.endTime?.getTime() ?? Infinity));
  }

  it('runs the generated array (stand-in tool) with the right shards, then the afterok merge', async () => {
    const dir = await tempDir('real-stub');
    const cli = await writeStub(dir);
    await writeExperiments(dir);
    const opts = baseOptions(dir, cli, { tasks: 3, partition: 'debug', time: '5', mem: '100', cpusPerTask: 1 });
    const s = slurmScripts(opts);
    await mkdir(path.join(opts.scriptDir, 'logs'), { recursive: true });
    const scripts = { array: path.join(opts.scriptDir, 'array.sbatch'), merge: path.join(opts.scriptDir, 'merge.sbatch') };
    await writeFile(scripts.array, s.array);
    await writeFile(scripts.merge, s.merge);

    const env = { ...cluster.env, RUN_EXPERIMENTS_WORKER: '/passed/through.js' };
    const testOnly = await execa('sbatch', ['--test-only', scripts.array], { env, reject: false });
    expect(testOnly.stderr, testOnly.stderr).toMatch(/to start at/);

    const started = Date.now();
    const ids = await submitJobs(scripts, realSbatch({ env, cwd: dir }));
    const arrayRecords = await cluster.waitForJob(ids.arrayJobId);
    const mergeRecords = await cluster.waitForJob(ids.mergeJobId);
    const logs = await logsOf(path.join(opts.scriptDir, 'logs'));
    expectAllCompleted(arrayRecords, `array job ${ids.arrayJobId}`, logs);
    expectAllCompleted(mergeRecords, `merge job ${ids.mergeJobId}`, logs);
    console.log(`stand-in flow: array job ${ids.arrayJobId} (${arrayRecords.length} tasks), merge job ${ids.mergeJobId}, ${Date.now() - started} ms`);

    expect(arrayRecords.map((r) => r.taskId).sort()).toEqual([0, 1, 2].map((k) => `${ids.arrayJobId}_${k}`));
    expect(mergeRecords[0].fields.Dependency ?? '').not.toMatch(/failed/);
    expect(mergeRecords[0].startTime!.getTime()).toBeGreaterThanOrEqual(lastEnd(arrayRecords));
    const logFiles = await readdir(path.join(opts.scriptDir, 'logs'));
    for (let k = 0; k < 3; k++) expect(logFiles).toEqual(expect.arrayContaining([`task-${k}.out`, `task-${k}.err`]));
    expect(logFiles).toEqual(expect.arrayContaining(['merge.out', 'merge.err']));
    expect(await readFile(path.join(opts.scriptDir, 'logs/task-1.err'), 'utf8')).toContain('shard 2/3');

    expect(await readFile(path.join(opts.out, 'exp-a.csv'), 'utf8')).toBe(
      'experiment,run_id,shard,task,worker\n' + [0, 1, 2].map((k) => `exp-a,exp-a-${k + 1}of3,${k + 1}/3,${k},/passed/through.js\n`).join(''),
    );
    expect(existsSync(path.join(opts.out, 'exp-b.csv'))).toBe(true);
    await rm(path.dirname(dir), { recursive: true, force: true });
  }, 180_000);

  it('holds the merge job back when an array task fails (afterok)', async () => {
    const dir = await tempDir('real-fail');
    const cli = path.join(dir, 'failing-cli.cjs');
    await writeFile(cli, `if (process.argv[2] === 'run' && process.env.SLURM_ARRAY_TASK_ID === '1') process.exit(4);\n`);
    await writeExperiments(dir);
    const opts = baseOptions(dir, cli, { tasks: 2 });
    const s = slurmScripts(opts);
    await mkdir(path.join(opts.scriptDir, 'logs'), { recursive: true });
    const scripts = { array: path.join(opts.scriptDir, 'array.sbatch'), merge: path.join(opts.scriptDir, 'merge.sbatch') };
    await writeFile(scripts.array, s.array);
    await writeFile(scripts.merge, s.merge);
    const ids = await submitJobs(scripts, realSbatch({ env: cluster.env, cwd: dir }));
    const arrayRecords = await cluster.waitForJob(ids.arrayJobId);
    expect(arrayRecords.find((r) => r.taskId.endsWith('_1'))?.state).toBe('FAILED');
    const merge = await cluster.waitForJob(ids.mergeJobId);
    expect(merge[0].state).toMatch(/^(PENDING|CANCELLED)$/);
    expect(merge[0].reason).toBe('DependencyNeverSatisfied');
    expect(existsSync(path.join(opts.scriptDir, 'logs/merge.out'))).toBe(false);
    await execa('scancel', [ids.mergeJobId], { env: cluster.env, reject: false });
    await rm(path.dirname(dir), { recursive: true, force: true });
  }, 180_000);

  // The product end to end: `run-experiments slurm --submit` from the built CLI, real `run --shard` and `merge`
  // inside the jobs. A stand-in worker (RUN_EXPERIMENTS_WORKER, which must reach the jobs) replaces KVM, so this
  // runs on machines without /dev/kvm; the next test does the same with the real core where /dev/kvm exists.
  async function productFlow(label: string, extraEnv: NodeJS.ProcessEnv, check: (rows: Record<string, string>[]) => void) {
    expect(existsSync(distCli), `${distCli} is missing: build first (npm run build:ts)`).toBe(true);
    const dir = await tempDir(label);
    const file = path.join(dir, 'tiny.yaml');
    await writeFile(
      file,
      'name: slurm-tiny\nguest: { program: hello, args: { count: 5 } }\nlimits: { wallTimeout: 60s }\nrepeat: 2\nsweep:\n  cpu.hostFactor: [1.0, 2.0]\n',
    );
    const out = path.join(dir, 'results');
    const started = Date.now();
    const r = await execa(process.execPath, [distCli, 'slurm', file, '--tasks', '2', '--out', out, '--time', '10', '--submit'], {
      env: { ...cluster.env, ...extraEnv },
      cwd: dir,
      reject: false,
    });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    const m = /array job (\d+); merge job (\d+) \(after \1\)/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    const [, arrayJobId, mergeJobId] = m!;

    const arrayRecords = await cluster.waitForJob(arrayJobId, 300_000);
    const logDir = path.join(out, 'slurm/logs');
    expectAllCompleted(arrayRecords, `array job ${arrayJobId}`, await logsOf(logDir));
    const mergeRecords = await cluster.waitForJob(mergeJobId, 120_000);
    expectAllCompleted(mergeRecords, `merge job ${mergeJobId}`, await logsOf(logDir));
    console.log(`product flow (${label}): array job ${arrayJobId}, merge job ${mergeJobId}, ${Date.now() - started} ms`);

    const logFiles = await readdir(logDir);
    expect(logFiles).toEqual(expect.arrayContaining(['task-0.out', 'task-0.err', 'task-1.out', 'task-1.err', 'merge.out', 'merge.err']));
    expect(mergeRecords[0].startTime!.getTime()).toBeGreaterThanOrEqual(lastEnd(arrayRecords));

    const shardRows = await Promise.all([0, 1].map(async (k) => (await readResultsCsv(path.join(out, `shards/task-${k}/slurm-tiny.csv`))).rows));
    expect(shardRows.map((rows) => rows.length)).toEqual([2, 2]);
    const merged = await readResultsCsv(path.join(out, 'slurm-tiny.csv'));
    expect(merged.rows).toHaveLength(4);
    expect(new Set(merged.rows.map((row) => row.run_id))).toEqual(new Set(shardRows.flat().map((row) => row.run_id)));
    expect(merged.rows.every((row) => row.experiment === 'slurm-tiny' && row.status === 'ok')).toBe(true);
    check(merged.rows);
    await rm(path.dirname(dir), { recursive: true, force: true });
  }

  it('runs `run-experiments slurm --submit` end to end (stand-in worker): array of shards, then the merged CSV', async () => {
    const worker = fileURLToPath(new URL('./support/stand-in-worker.mjs', import.meta.url));
    await productFlow('real-product', { RUN_EXPERIMENTS_WORKER: worker }, (rows) => {
      // The stand-in says so in instsSource: proof that RUN_EXPERIMENTS_WORKER reached the jobs.
      expect(rows.every((row) => row.instsSource === 'stand-in')).toBe(true);
    });
  }, 420_000);

  it.skipIf(!existsSync('/dev/kvm'))(`runs \`run-experiments slurm --submit\` end to end on the real KVM core${existsSync('/dev/kvm') ? '' : ' (skipped: no /dev/kvm here)'}`, async () => {
    const env: NodeJS.ProcessEnv = { RUN_EXPERIMENTS_WORKER: undefined };
    await productFlow('real-kvm', env, (rows) => {
      expect(rows.every((row) => row.instsSource !== 'stand-in')).toBe(true);
    });
  }, 420_000);
});

