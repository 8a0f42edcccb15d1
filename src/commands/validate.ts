// `run-experiments validate`: load, check and expand files without running,
// with the checks run makes before its first run (checkBeforeRunning).
import type { CommandDefinition, ParsedArgs, CommandIO } from '../cli/command.js';
import { loadExperiment, type ExperimentPlan } from '../config/load-experiment.js';
import { InputError, signalledDuring, UsageError } from '../errors.js';
import { checkBeforeRunning, hostWarnings } from '../runner/preflight.js';
import { resolve } from 'node:path';

export const validate: CommandDefinition = {
  name: 'validate',
  usage: 'run-experiments validate <experiment.yaml...>',
  details:
    'The checks: the schema (keys, types, units and their ranges), the sweep (paths, ranges, zip groups, exclusions,\n' +
    'points that are one configuration), that every guest image loads into its guest memory (with the native core,\n' +
    'which must be built), and that every instruction counter asked for is one this host has (perf needs a PMU: the\n' +
    'one answer that depends on the host), and that experiment names do not collide in the results folder. Warnings\n' +
    'say what this host\'s KVM lacks or will change (a quantum raised to its kick floor), as run says them.\n' +
    'No worker starts. Every problem is printed as file:line:col: message.\n' +
    'Exit status 0 when all files are valid, 2 otherwise.',
  options: [
    { name: 'out', short: 'o', value: 'DIR', description: 'the results folder run would use (default: results): names are checked against it' },
    { name: 'kvm-device', value: 'PATH', description: 'the KVM device whose capabilities the warnings are about (default: /dev/kvm)' },
  ],
  async run(args: ParsedArgs, io: CommandIO): Promise<number> {
    if (args.positionals.length === 0) throw new UsageError('validate: no experiment files given');
    const outDir = resolve(io.cwd, (args.options.out as string | undefined) ?? 'results');
    const kvmDevice = (args.options['kvm-device'] as string | undefined) ?? '/dev/kvm';
    const problems: string[] = [];
    const plans: ExperimentPlan[] = [];
    const given = new Map<ExperimentPlan, string>();
    for (const file of args.positionals) {
      // Loading is synchronous: a signal that came during the previous file ends the command here.
      const signalled = await signalledDuring(io.signal);
      if (signalled !== undefined) return signalled;
      try {
        const plan = await loadExperiment(resolve(io.cwd, file));
        plans.push(plan);
        given.set(plan, file);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        problems.push(...error.problems);
      }
    }
    // One by one, so that one file's bad image does not hide another's; then together, for the names they share.
    const notes = new Set<string>();
    const valid = plans.filter((plan) => {
      try {
        for (const note of checkBeforeRunning([plan], outDir).notes) notes.add(note);
        return true;
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        problems.push(...error.problems);
        return false;
      }
    });
    try {
      checkBeforeRunning(valid, outDir);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problems.push(...error.problems);
    }
    for (const plan of valid)
      if (!problems.some((p) => p.startsWith(`${plan.file}:`))) io.stdout.write(`${given.get(plan)}: ok (${plan.name}: ${plan.pointCount} points x ${plan.repeat} repeats)\n`);
    const signalled = await signalledDuring(io.signal);
    if (signalled !== undefined) return signalled;
    for (const note of notes) io.stderr.write(`note: ${note}\n`);
    for (const warning of hostWarnings(valid, kvmDevice)) io.stderr.write(`warning: ${warning}\n`);
    if (problems.length > 0) throw new InputError(problems);
    return 0;
  },
};
