// `run-experiments validate`: load, check and expand files without running,
// with the checks run makes before its first run (checkBeforeRunning).
import type { CommandDefinition, ParsedArgs, CommandIO } from '../cli/command.js';
import { loadExperiment } from '../config/load-experiment.js';
import { InputError, signalledDuring, UsageError } from '../errors.js';
import { checkBeforeRunning } from '../runner/preflight.js';
import { resolve } from 'node:path';

export const validate: CommandDefinition = {
  name: 'validate',
  usage: 'run-experiments validate <experiment.yaml...>',
  details:
    'The checks: the schema (keys, types, units and their ranges), the sweep (paths, ranges, zip groups, exclusions,\n' +
    'points that are one configuration), that every guest image loads into its guest memory (with the native core,\n' +
    'which must be built), and that every instruction counter asked for is one this host has (perf needs a PMU: the\n' +
    'one answer that depends on the host). No worker starts. Every problem is printed as file:line:col: message.\n' +
    'Exit status 0 when all files are valid, 2 otherwise.',
  options: [],
  async run(args: ParsedArgs, io: CommandIO): Promise<number> {
    if (args.positionals.length === 0) throw new UsageError('validate: no experiment files given');
    const problems: string[] = [];
    const notes = new Set<string>();
    for (const file of args.positionals) {
      // Loading is synchronous: a signal that came during the previous file ends the command here.
      const signalled = await signalledDuring(io.signal);
      if (signalled !== undefined) return signalled;
      try {
        const plan = await loadExperiment(resolve(io.cwd, file));
        for (const note of checkBeforeRunning([plan]).notes) notes.add(note);
        io.stdout.write(`${file}: ok (${plan.name}: ${plan.pointCount} points x ${plan.repeat} repeats)\n`);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        problems.push(...error.problems);
      }
    }
    const signalled = await signalledDuring(io.signal);
    if (signalled !== undefined) return signalled;
    for (const note of notes) io.stderr.write(`note: ${note}\n`);
    if (problems.length > 0) throw new InputError(problems);
    return 0;
  },
};
