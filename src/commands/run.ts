// `run-experiments run`: load and check every file first, then run each
// experiment's runs and append one durable CSV row per run.
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import type { CommandDefinition, CommandIO, ParsedArgs } from '../cli/command.js';
import { integerOption } from '../cli/parse-args.js';
import { loadExperiment, type ExperimentPlan } from '../config/load-experiment.js';
import { UsageError, signalExitStatus, signalledDuring } from '../errors.js';
import { nativeCore } from '../native/addon.js';
import { vcpuColumns, type ColumnSet } from '../results/columns.js';
import { exists } from '../results/durable-csv.js';
import { moveToNewGeneration } from '../results/generations.js';
import { prepareOutputFolder } from '../results/output-dir.js';
import { withOutputLocks } from '../results/output-lock.js';
import { outputsOf, RESERVED_NAME_ENDINGS, type ExperimentOutputs } from '../results/outputs.js';
import { hostProvenance } from '../results/provenance.js';
import { storing } from '../results/storing.js';
import { writeSummaryCsv } from '../results/summary.js';
import { checkBeforeRunning, hostWarnings, probeKvm } from '../runner/preflight.js';
import { CancelledError, runInWorker, workerCommand } from '../runner/run-worker.js';
import { runSweep } from '../runner/sweep-runner.js';
import { ensureWarmup } from '../runner/warmup.js';
import { plannedRuns, runSpecOf, type PlannedRun } from '../sweep/runs.js';
import { parseShard, shardOf } from '../sweep/shard.js';
import type { CountedRuns } from '../sweep/counted-runs.js';
import type { RunSpec } from '../types.js';

export const run: CommandDefinition = {
  name: 'run',
  usage: 'run-experiments [run] <experiment.yaml...> [options]',
  details:
    'Every file is first checked as `run-experiments validate` checks it, --dry-run too: a problem stops everything\n' +
    'before any worker starts, with the same file:line:col: message and exit status 2.\n' +
    '\n' +
    'Each file is expanded into runs (sweep points x repeat); every run executes in a fresh worker process on the\n' +
    'native KVM core. Results go to <out>/<name>.csv, with a folder per run (<out>/<name>/<run_id>/: console.log,\n' +
    'result.json, stats.txt) and a per-point summary in <out>/<name>.summary.csv. Rows are on disk (fsync) as soon\n' +
    'as each run ends, so an interrupted sweep loses nothing: continue it with --resume.\n' +
    '\n' +
    'Nothing is overwritten: without --resume, earlier results (the CSV, the summary and the run folders) move\n' +
    'together into the next free <out>/<name>.previous/<n>/ (1, 2, ...). A --resume whose CSV holds rows of runs no\n' +
    'longer in the sweep (a sweep value edited since) keeps them in the CSV, leaves them out of the summary, and\n' +
    'says so. --resume refuses a CSV that is not a results file. One runner per output: <out>/<name>.lock names\n' +
    'the runner holding it; a second one is refused, and a lock whose runner died on this host is taken over.\n' +
    `Experiment names may not end in ${RESERVED_NAME_ENDINGS.join(', ')}: their outputs would meet another experiment's.`,
  options: [
    { name: 'out', short: 'o', value: 'DIR', description: 'output folder (default: results)' },
    { name: 'jobs', short: 'j', value: 'N', description: 'runs at once (default: the number of CPUs)' },
    { name: 'resume', description: 'skip run ids already in the output CSV and run only the rest' },
    { name: 'shard', value: 'I/N', description: 'run only the I-th of N deterministic parts of each sweep (1-based)' },
    {
      name: 'warmup-dir',
      value: 'DIR',
      description: 'where checkpoint.warmup keeps its checkpoints, as <DIR>/<name>.warmup/ (default: the output folder); shards given one DIR share one warm-up',
    },
    { name: 'dry-run', description: 'list the runs (ids and parameters) without running anything' },
    { name: 'kvm-device', value: 'PATH', description: 'the KVM device to use (default: /dev/kvm)' },
    { name: 'quiet', short: 'q', description: 'no progress output' },
  ],
  run: runCommand,
};

function printDryRun(io: CommandIO, plan: ExperimentPlan, runs: CountedRuns<PlannedRun>): void {
  io.stdout.write(`${plan.name}: ${runs.count} runs (${plan.pointCount} points x ${plan.repeat} repeats) from ${plan.file}\n`);
  for (const r of runs) {
    const params = Object.entries(r.point.params)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    io.stdout.write(`  ${r.runId}  point ${r.point.index} repeat ${r.repeat}  ${params}\n`);
  }
}

async function runCommand(args: ParsedArgs, io: CommandIO): Promise<number> {
  const files = args.positionals;
  if (files.length === 0) throw new UsageError('run: no experiment files given (try `run-experiments run experiments/*.yaml`)');
  const outDir = resolve(io.cwd, (args.options.out as string | undefined) ?? 'results');
  const jobs = integerOption(args.options.jobs, 'jobs', 1) ?? availableParallelism();
  const shard = args.options.shard === undefined ? undefined : parseShard(String(args.options.shard));
  const kvmDevice = (args.options['kvm-device'] as string | undefined) ?? '/dev/kvm';
  const warmupBase = resolve(io.cwd, (args.options['warmup-dir'] as string | undefined) ?? outDir);
  const quiet = args.options.quiet === true;

  const plans: ExperimentPlan[] = [];
  for (const file of files) plans.push(await loadExperiment(resolve(io.cwd, file)));
  // Loading is synchronous: a signal that came during it ends the command here.
  const signalled = await signalledDuring(io.signal);
  if (signalled !== undefined) return signalled;
  const runsByPlan = plans.map((plan) => {
    const runs = plannedRuns(plan);
    return shard ? shardOf(runs, shard) : runs;
  });
  // The checks validate makes too, so that a dry run that lists the runs is one that would start them.
  const { counterFor, notes } = checkBeforeRunning(plans, outDir);
  for (const note of notes) io.stderr.write(`note: ${note}\n`);
  // A stand-in worker (tests, benches) replaces the core, so the device is not its business.
  const standIn = io.env.RUN_EXPERIMENTS_WORKER !== undefined;
  if (args.options['dry-run']) {
    if (!standIn) for (const warning of hostWarnings(plans, kvmDevice)) io.stderr.write(`warning: ${warning}\n`);
    plans.forEach((plan, i) => printDryRun(io, plan, runsByPlan[i]));
    return 0;
  }

  const worker = workerCommand(io.env);
  const probe = standIn ? undefined : probeKvm(kvmDevice);
  const kvmStatNames = probe?.kvmStatNames ?? [];
  if (probe) for (const warning of hostWarnings(plans, kvmDevice)) io.stderr.write(`warning: ${warning}\n`);
  const statNames = nativeCore().statNames();
  await prepareOutputFolder(outDir);

  const resume = args.options.resume === true;
  const outputs = plans.map((plan) => outputsOf(outDir, plan.name));
  const note = (text: string) => io.stderr.write(`note: ${text}\n`);
  // Every lock is taken before the first run, so a conflict stops the command before it has run anything.
  return withOutputLocks(outputs.map((o) => o.lock), note, async () => {
    let failures = 0;
    for (const [i, plan] of plans.entries()) {
      if (io.signal.aborted) return signalExitStatus(io.signal.reason);
      const out = outputs[i];
      if (!(resume && (await exists(out.csv)))) await keepEarlierResults(io, plan.name, out);
      const devices = [...{ runtime: statNames.devices, pc: statNames.pc, se: statNames.se }[plan.platform], ...vcpuColumns(plan.cpus, statNames.vcpu)];
      const columns: ColumnSet = { params: plan.paramColumns, stats: [...statNames.cpu, 'instsSource'], devices, kvm: kvmStatNames };
      let outcome;
      try {
        const context = { outDir, kvmDevice, counterFor };
        const execute = (spec: RunSpec) => runInWorker(spec, worker, io.signal);
        const warmupCheckpoint = plan.warmup ? await ensureWarmup(plan, warmupBase, context, execute, note, io.signal) : undefined;
        const toSpec = (run: PlannedRun) => runSpecOf(plan, run, { ...context, warmupCheckpoint });
        outcome = await runSweep(plan.name, runsByPlan[i], toSpec, {
          csvFile: out.csv,
          columns,
          resume,
          jobs,
          execute,
          provenance: await hostProvenance(plan.file, kvmDevice, shard && { shard: `${shard.index}/${shard.count}`, runs: runsByPlan[i].count }),
          progress: io.stderr,
          quiet,
          signal: io.signal,
        });
      } catch (error) {
        if (error instanceof CancelledError) {
          io.stderr.write(`\ninterrupted${typeof io.signal.reason === 'string' ? ` by ${io.signal.reason}` : ''}: completed rows are in ${out.csv}; continue with --resume\n`);
          return signalExitStatus(io.signal.reason);
        }
        throw error;
      }
      if (outcome.stale.size > 0) {
        io.stderr.write(
          `${plan.name}: ${outcome.stale.size} rows in ${out.csv} are of runs no longer in the sweep (edited or removed since they ran); they stay in the CSV but are left out of ${out.summary}\n`,
        );
      }
      await writeSummaryCsv(out.csv, out.summary, outcome.stale);
      const c = outcome.counts;
      const skipped = outcome.skipped ? `, ${outcome.skipped} already done` : '';
      io.stdout.write(`${plan.name}: ${outcome.ran} runs (ok ${c.ok}, failed ${c.failed}, timeout ${c.timeout}, crashed ${c.crashed})${skipped} -> ${out.csv}\n`);
      failures += c.failed + c.timeout + c.crashed;
    }
    return failures > 0 ? 1 : 0;
  });
}

/**
 * Unless there is a CSV to resume, the experiment's earlier results move, all
 * together, into a new generation rather than being overwritten; also on a
 * --resume whose CSV is gone, which would write over the run folders left.
 */
async function keepEarlierResults(io: CommandIO, name: string, outputs: ExperimentOutputs): Promise<void> {
  const generation = await storing(outputs.generations, () => moveToNewGeneration(outputs));
  if (generation) io.stderr.write(`${name}: the earlier results (${generation.moved.join(', ')}) were moved to ${generation.dir}/\n`);
}
