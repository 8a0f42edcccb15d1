// The command table. Commands load lazily: `compare` never pays for the
// native addon, `run` never pays for the comparison code. So each command's
// summary is here, the one place the command list and its --help read it
// from, and the rest of its help is in its own file.
import type { CommandDefinition } from './command.js';

export interface CommandEntry {
  name: string;
  /** One line for the command list and under the usage line of its --help. */
  summary: string;
  load(): Promise<CommandDefinition>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'run', summary: 'run experiment files and write one CSV row per run (the default command)', load: async () => (await import('../commands/run.js')).run },
  {
    name: 'validate',
    summary: 'check experiment files as run does before its first run, without running anything',
    load: async () => (await import('../commands/validate.js')).validate,
  },
  { name: 'doctor', summary: 'report what this host offers: KVM flavour, capabilities, PMU, TSC, timer', load: async () => (await import('../commands/doctor.js')).doctor },
  { name: 'compare', summary: 'compare two results files point by point; exit 1 on a regression (CI gate)', load: async () => (await import('../commands/compare.js')).compare },
  { name: 'merge', summary: 'join the shard results files of one experiment into one file, with its summary', load: async () => (await import('../commands/merge.js')).merge },
  {
    name: 'slurm',
    summary: 'write (and with --submit, submit) a Slurm job array that runs the sweep in shards, plus a merge job',
    load: async () => (await import('../commands/slurm.js')).slurm,
  },
];
