// `run-experiments validate`: load, check and expand files without running.
import type { CommandDefinition, ParsedArgs, CommandIO } from '../cli/command.js';
import { loadExperiment } from '../config/load-experiment.js';
import { InputError, signalledDuring, UsageError } from '../errors.js';
import { resolve } from 'node:path';

export const validate: CommandDefinition = {
  name: 'validate',
  summary: 'check experiment files against the schema and expand their sweeps, without running',
  usage: 'run-experiments validate <experiment.yaml...>',
  details: 'Every problem is printed as file:line:col: message. Exit status 0 when all files are valid, 2 otherwise.',
  options: [],
  async run(args: ParsedArgs, io: CommandIO): Promise<number> {
    if (args.positionals.length === 0) throw new UsageError('validate: no experiment files given');
    const problems: string[] = [];
    for (const file of args.positionals) {
      // Loading is synchronous: a signal that came during the previous file ends the command here.
      const signalled = await signalledDuring(io.signal);
      if (signalled !== undefined) return signalled;
      try {
        const plan = await loadExperiment(resolve(io.cwd, file));
        io.stdout.write(`${file}: ok (${plan.name}: ${plan.pointCount} points x ${plan.repeat} repeats)\n`);
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        problems.push(...error.problems);
      }
    }
    const signalled = await signalledDuring(io.signal);
    if (signalled !== undefined) return signalled;
    if (problems.length > 0) throw new InputError(problems);
    return 0;
  },
};
