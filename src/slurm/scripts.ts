// The text of the two Slurm batch scripts `run-experiments slurm` writes: a
// job array whose task k runs shard k+1 of N of the sweep, and a merge job
// (submitted with --dependency=afterok on the array) that joins the shards'
// CSVs into one CSV per experiment. Pure: options in, text out.

export interface SlurmScriptOptions {
  /** Absolute path of the node binary that runs the tool (process.execPath). */
  node: string;
  /** Absolute path of the tool's dist/cli/main.js. */
  cli: string;
  /** Absolute paths of the experiment files, in command-line order. */
  files: string[];
  /** Experiment names (the `name:` of each file), one merged CSV each. */
  experiments: string[];
  /** Absolute results folder: shards go to <out>/shards/task-<k>, merged CSVs to <out>/<name>.csv. */
  out: string;
  /** Absolute folder holding the scripts; logs go to <scriptDir>/logs. */
  scriptDir: string;
  /** Array size N: tasks 0..N-1 run shards 1/N..N/N. */
  tasks: number;
  jobName: string;
  partition?: string;
  account?: string;
  time?: string;
  mem?: string;
  cpusPerTask?: number;
  /** Extra sbatch options for both jobs, e.g. "--qos=short". */
  sbatchOptions?: string[];
  /** Variables whose submission-time value the jobs fall back to if their environment lacks them. */
  env?: Record<string, string>;
}

export interface SlurmScripts {
  array: string;
  merge: string;
}

export function shardsDir(out: string): string {
  return `${out}/shards`;
}

export function logsDir(scriptDir: string): string {
  return `${scriptDir}/logs`;
}

/** Quotes a word for bash so that it stays one word, whatever it contains. */
export function shellQuote(word: string): string {
  if (word !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Quotes a value for an `#SBATCH` line. sbatch splits these lines itself (not
 * bash): whitespace separates words, "..." groups, backslash escapes, and an
 * unescaped # starts a comment even inside quotes.
 */
export function sbatchQuote(value: string): string {
  if (/[\n\r\0]/.test(value)) throw new RangeError(`an #SBATCH value cannot contain a line break: ${JSON.stringify(value)}`);
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `"${value.replace(/[\\"#]/g, (c) => `\\${c}`)}"`;
}

/** Escapes % in a path used as an sbatch --output/--error pattern (%a, %j, ... are expanded there). */
export function filenamePatternEscape(path: string): string {
  return path.replace(/%/g, '%%');
}

function sbatchLines(directives: [string, string | number | undefined][], extra: string[]): string[] {
  const lines = directives
    .filter((d): d is [string, string | number] => d[1] !== undefined)
    .map(([name, value]) => `#SBATCH --${name}=${sbatchQuote(String(value))}`);
  return [...lines, ...extra.map((opt) => `#SBATCH ${sbatchQuote(opt)}`)];
}

function envLines(env: Record<string, string> | undefined): string[] {
  return Object.entries(env ?? {}).map(([name, value]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new RangeError(`not an environment variable name: ${name}`);
    return `if [[ -z \${${name}+set} ]]; then export ${name}=${shellQuote(value)}; fi`;
  });
}

export function slurmScripts(o: SlurmScriptOptions): SlurmScripts {
  if (!Number.isInteger(o.tasks) || o.tasks < 1) throw new RangeError(`tasks must be an integer >= 1, not ${o.tasks}`);
  if (o.files.length === 0) throw new RangeError('no experiment files');
  for (const p of [o.node, o.cli, o.out, o.scriptDir, ...o.files]) {
    if (!p.startsWith('/')) throw new RangeError(`not an absolute path: ${p}`);
  }
  const tool = `${shellQuote(o.node)} ${shellQuote(o.cli)}`;
  const logs = filenamePatternEscape(logsDir(o.scriptDir));
  const shards = shardsDir(o.out);
  const extra = o.sbatchOptions ?? [];

  const array = [
    '#!/bin/bash',
    `# run-experiments: job array, task k (0..${o.tasks - 1}) runs shard k+1/${o.tasks} of the sweep.`,
    '# Submit with: sbatch --parsable array.sbatch; then merge.sbatch with --dependency=afterok:<that id>.',
    ...sbatchLines(
      [
        ['job-name', o.jobName],
        ['array', `0-${o.tasks - 1}`],
        ['output', `${logs}/task-%a.out`],
        ['error', `${logs}/task-%a.err`],
        ['partition', o.partition],
        ['account', o.account],
        ['time', o.time],
        ['mem', o.mem],
        ['cpus-per-task', o.cpusPerTask],
      ],
      extra,
    ),
    'set -euo pipefail',
    ...envLines(o.env),
    ': "${SLURM_ARRAY_TASK_ID:?not set: submit this script with sbatch (it is a job array)}"',
    // SLURM_ARRAY_TASK_COUNT is the real array size even if --array was overridden at submission.
    `SHARD="$((SLURM_ARRAY_TASK_ID + 1))/\${SLURM_ARRAY_TASK_COUNT:-${o.tasks}}"`,
    `echo "run-experiments: array task \${SLURM_ARRAY_TASK_ID} (job \${SLURM_ARRAY_JOB_ID:-?}) on $(hostname): shard $SHARD" >&2`,
    // Runs at once = the CPUs Slurm gave this task (1 unless --cpus-per-task), not the node's CPU count.
    'status=0',
    `${tool} run ${o.files.map(shellQuote).join(' ')} \\`,
    // One warm-up folder for every task (checkpoint.warmup): the first task to get there runs the warm-up, the others wait for it and start from its checkpoint.
    `  --out ${shellQuote(`${shards}/task-`)}"\${SLURM_ARRAY_TASK_ID}" --shard "$SHARD" --warmup-dir ${shellQuote(o.out)} --jobs "\${SLURM_CPUS_PER_TASK:-1}" || status=$?`,
    // Status 1 means every run has its row, but some runs failed, timed out or crashed: that is a result (the
    // status column says which), so the task succeeds and the afterok merge still runs. Anything else
    // (bad input 2, no KVM 3, interrupted 130 or 143, internal error) fails the task and holds the merge back.
    '# Status 1: some runs failed, but every run has its row: a result, so the task succeeds and the merge runs.',
    'if ((status == 1)); then',
    '  echo "run-experiments: some runs did not succeed (see the status and error columns); the task counts as done so that the merge runs" >&2',
    '  exit 0',
    'fi',
    'exit "$status"',
    '',
  ].join('\n');

  const merge = [
    '#!/bin/bash',
    `# run-experiments: merges the ${o.tasks} shards of each experiment into ${o.out}/<name>.csv.`,
    '# Submit after the array: sbatch --dependency=afterok:<array job id> merge.sbatch',
    ...sbatchLines(
      [
        ['job-name', `${o.jobName}-merge`],
        ['output', `${logs}/merge.out`],
        ['error', `${logs}/merge.err`],
        ['partition', o.partition],
        ['account', o.account],
        ['time', o.time],
      ],
      extra,
    ),
    'set -euo pipefail',
    ...envLines(o.env),
    `TASKS=${o.tasks}`,
    `SHARDS=${shellQuote(shards)}`,
    `OUT=${shellQuote(o.out)}`,
    '',
    '# merge_experiment NAME: joins $SHARDS/task-<k>/NAME.csv, k = 0..TASKS-1, into $OUT/NAME.csv.',
    '# A task with no runs of NAME (more tasks than runs) may have written no CSV: it is skipped.',
    'merge_experiment() {',
    '  local name=$1 k file',
    '  local files=()',
    '  for ((k = 0; k < TASKS; k++)); do',
    '    file="$SHARDS/task-$k/$name.csv"',
    '    if [[ -f $file ]]; then files+=("$file"); else echo "merge: no $file (task $k ran no runs of $name?)" >&2; fi',
    '  done',
    '  if ((${#files[@]} == 0)); then',
    '    echo "merge: no shard results for $name under $SHARDS" >&2',
    '    return 1',
    '  fi',
    `  ${tool} merge "\${files[@]}" -o "$OUT/$name.csv"`,
    '  echo "merge: wrote $OUT/$name.csv from ${#files[@]} shard(s)" >&2',
    '}',
    '',
    ...o.experiments.map((name) => `merge_experiment ${shellQuote(name)}`),
    '',
  ].join('\n');

  return { array, merge };
}
