// `run-experiments slurm`: writes a Slurm job array (one shard of the sweep
// per task) and a merge job that runs after it, and with --submit submits
// both. The jobs call this same tool by absolute paths, so they need no PATH
// or npm set-up on the nodes, only the same file system.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isScalar, LineCounter, parseDocument } from 'yaml';
import type { CommandDefinition, CommandIO } from '../cli/command.js';
import { integerOption } from '../cli/parse-args.js';
import { InputError, UsageError } from '../errors.js';
import { logsDir, shellQuote, slurmScripts } from '../slurm/scripts.js';
import { realSbatch, submitJobs } from '../slurm/submit.js';

// Same rule as schemas/experiment.schema.json: a name is also a file name.
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// Slurm's --time forms: M, M:S, H:M:S, D-H, D-H:M, D-H:M:S, or UNLIMITED/INFINITE.
const TIME_PATTERN = /^(\d+(:\d+){0,2}|\d+-\d+(:\d+){0,2}|unlimited|infinite)$/i;
// Slurm's --mem: a number, megabytes unless suffixed K, M, G or T.
const MEM_PATTERN = /^\d+[KMGT]?$/i;
// Variables the jobs must see as they were at submission (sbatch exports the environment by default; this
// also covers sites that set SBATCH_EXPORT=NONE).
const PASSED_ENV = ['RUN_EXPERIMENTS_WORKER'];

/** The CLI entry point next to this module (dist/commands/slurm.js -> dist/cli/main.js). */
function cliPath(): string {
  return fileURLToPath(new URL('../cli/main.js', import.meta.url));
}

/** The experiment's `name:` (the file's base name without extension when absent), read without full validation. */
export async function experimentName(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError([`${file}: cannot read experiment file (${code === 'ENOENT' ? 'no such file' : code ?? String(err)})`]);
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    throw new InputError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return `${file}:${pos ? `${pos.line}:${pos.col}` : '1:1'}: ${e.message.split('\n')[0]}`;
      }),
    );
  }
  const fallback = path.basename(file).replace(/\.[^.]*$/, '');
  const node: unknown = doc.get('name', true);
  if (node === undefined || node === null) return fallback;
  const where = () => {
    const offset = (node as { range?: [number, number, number] }).range?.[0] ?? 0;
    const { line, col } = lineCounter.linePos(offset);
    return `${file}:${line}:${col}`;
  };
  if (!isScalar(node) || typeof node.value !== 'string') throw new InputError([`${where()}: name must be a string`]);
  if (!NAME_PATTERN.test(node.value)) {
    throw new InputError([`${where()}: name "${node.value}" must match ${NAME_PATTERN.source} (it names the results file)`]);
  }
  return node.value;
}

function stringOption(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function noLineBreaks(value: string | undefined, name: string): string | undefined {
  if (value !== undefined && (/[\n\r\0]/.test(value) || value.trim() === '')) {
    throw new UsageError(`--${name} must be a non-empty value on one line`);
  }
  return value;
}

export const slurm: CommandDefinition = {
  name: 'slurm',
  usage: 'run-experiments slurm <experiment.yaml...> --tasks N [options]',
  details: [
    'Writes <script-dir>/array.sbatch, a job array of N tasks: task k runs `run-experiments run <files> --shard k+1/N` ' +
      'into <out>/shards/task-k (logs in <script-dir>/logs/task-<k>.out/.err), and <script-dir>/merge.sbatch, which merges ' +
      'the shards into <out>/<name>.csv for each experiment. With --submit, submits the array, then the merge job with ' +
      '--dependency=afterok:<array job> (it runs only if every task succeeds), and prints both job ids.',
    'The jobs run this tool as `<node> <main.js>` by absolute paths, so the nodes need the same file system, not the same PATH. ' +
      'The environment at submission is passed to the jobs (sbatch --export=ALL, its default); RUN_EXPERIMENTS_WORKER is also written into the scripts as a fallback.',
  ].join('\n\n'),
  options: [
    { name: 'tasks', short: 'n', value: 'N', description: 'number of array tasks (shards); required' },
    { name: 'out', value: 'DIR', description: 'results folder (default: results); shards go to DIR/shards/task-<k>' },
    { name: 'script-dir', value: 'DIR', description: 'where to write the scripts and logs (default: <out>/slurm)' },
    { name: 'job-name', value: 'NAME', description: 'Slurm job name (default: the experiment name, or run-experiments); the merge job adds -merge' },
    { name: 'partition', short: 'p', value: 'NAME', description: 'Slurm partition for both jobs (default: the cluster default)' },
    { name: 'account', short: 'A', value: 'NAME', description: 'Slurm account to charge both jobs to' },
    { name: 'time', short: 't', value: 'TIME', description: 'time limit per job/task, Slurm format: MIN, H:M:S, D-H:M:S' },
    { name: 'mem', value: 'SIZE', description: 'memory per array task, Slurm format: MB, or with K/M/G/T suffix (e.g. 4G)' },
    { name: 'cpus', value: 'N', description: 'CPUs per array task (--cpus-per-task)' },
    { name: 'sbatch-option', value: 'OPT', repeatable: true, description: 'extra #SBATCH option for both jobs, e.g. --sbatch-option=--qos=short' },
    { name: 'submit', description: 'submit both jobs with sbatch and print their ids' },
  ],

  async run(args, io: CommandIO): Promise<number> {
    const o = args.options;
    if (args.positionals.length === 0) throw new UsageError('slurm: give at least one experiment file (see `run-experiments slurm --help`)');
    if (o.tasks === undefined) throw new UsageError('slurm: --tasks N is required (the number of array tasks)');
    const tasks = integerOption(o.tasks, 'tasks', 1)!;
    const cpusPerTask = integerOption(o.cpus, 'cpus', 1);
    const time = noLineBreaks(stringOption(o.time), 'time');
    if (time !== undefined && !TIME_PATTERN.test(time)) {
      throw new UsageError(`--time must be a Slurm time limit (MIN, H:M:S, D-H:M:S or UNLIMITED), not "${time}"`);
    }
    const mem = noLineBreaks(stringOption(o.mem), 'mem');
    if (mem !== undefined && !MEM_PATTERN.test(mem)) {
      throw new UsageError(`--mem must be a Slurm memory size (megabytes, or a number with K, M, G or T, e.g. 4G), not "${mem}"`);
    }
    const partition = noLineBreaks(stringOption(o.partition), 'partition');
    const account = noLineBreaks(stringOption(o.account), 'account');
    const sbatchOptions = (o['sbatch-option'] as string[] | undefined) ?? [];
    for (const opt of sbatchOptions) {
      noLineBreaks(opt, 'sbatch-option');
      if (!opt.startsWith('-')) throw new UsageError(`--sbatch-option takes an sbatch option such as --qos=short, not "${opt}"`);
    }

    const files = args.positionals.map((f) => path.resolve(io.cwd, f));
    const experiments: string[] = [];
    const problems: string[] = [];
    const seen = new Map<string, string>();
    for (const file of files) {
      try {
        const name = await experimentName(file);
        const other = seen.get(name);
        if (other !== undefined) {
          problems.push(`${file}: experiment name "${name}" is also the name in ${other}; their results would share <out>/${name}.csv`);
        }
        seen.set(name, file);
        experiments.push(name);
      } catch (err) {
        if (err instanceof InputError) problems.push(...err.problems);
        else throw err;
      }
    }
    if (problems.length > 0) throw new InputError(problems);

    const out = path.resolve(io.cwd, stringOption(o.out) ?? 'results');
    const scriptDir = path.resolve(io.cwd, stringOption(o['script-dir']) ?? path.join(out, 'slurm'));
    const jobName = noLineBreaks(stringOption(o['job-name']), 'job-name') ?? (experiments.length === 1 ? experiments[0] : 'run-experiments');
    const env: Record<string, string> = {};
    for (const name of PASSED_ENV) if (io.env[name] !== undefined) env[name] = io.env[name]!;

    let scripts;
    try {
      scripts = slurmScripts({
        node: process.execPath,
        cli: cliPath(),
        files,
        experiments,
        out,
        scriptDir,
        tasks,
        jobName,
        partition,
        account,
        time,
        mem,
        cpusPerTask,
        sbatchOptions,
        env,
      });
    } catch (err) {
      if (err instanceof RangeError) throw new UsageError(`slurm: ${err.message}`);
      throw err;
    }

    // Slurm does not create the folders of --output/--error: a job whose log folder is missing fails at once.
    await mkdir(logsDir(scriptDir), { recursive: true });
    await mkdir(out, { recursive: true });
    const arrayPath = path.join(scriptDir, 'array.sbatch');
    const mergePath = path.join(scriptDir, 'merge.sbatch');
    await writeFile(arrayPath, scripts.array, { mode: 0o755 });
    await writeFile(mergePath, scripts.merge, { mode: 0o755 });

    const say = (line: string) => io.stdout.write(`${line}\n`);
    say(`wrote ${arrayPath} (job array: ${tasks} task${tasks === 1 ? '' : 's'}, ${files.length} experiment file${files.length === 1 ? '' : 's'})`);
    say(`wrote ${mergePath} (merges into ${experiments.map((n) => path.join(out, `${n}.csv`)).join(', ')})`);
    say(`logs: ${logsDir(scriptDir)}`);

    if (!o.submit) {
      say('submit with (or add --submit):');
      say(`  sbatch --parsable ${shellQuote(arrayPath)}    # prints the array job id`);
      say(`  sbatch --dependency=afterok:<array job id> ${shellQuote(mergePath)}`);
      return 0;
    }

    const { arrayJobId, mergeJobId } = await submitJobs(
      { array: arrayPath, merge: mergePath },
      realSbatch({ env: io.env, cwd: io.cwd, signal: io.signal }),
    );
    say(`array job ${arrayJobId}; merge job ${mergeJobId} (after ${arrayJobId})`);
    return 0;
  },
};
