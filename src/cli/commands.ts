// The command table. Commands load lazily: `compare` never pays for the
// native addon, `run` never pays for the comparison code.
import type { CommandDefinition } from './command.js';

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandDefinition>;
}

export const COMMANDS: CommandEntry[] = [
  { name: 'run', summary: 'run experiment files and write one CSV row per run (the default)', load: async () => (await import('../commands/run.js')).run },
  { name: 'validate', summary: 'check experiment files without running them', load: async () => (await import('../commands/validate.js')).validate },
  { name: 'doctor', summary: 'report what this host offers (KVM flavour, capabilities, PMU, TSC, timer)', load: async () => (await import('../commands/doctor.js')).doctor },
  { name: 'compare', summary: 'compare two results CSVs and exit 1 on a regression (CI gate)', load: async () => (await import('../commands/compare.js')).compare },
  { name: 'merge', summary: 'join shard CSVs into one', load: async () => (await import('../commands/merge.js')).merge },
  { name: 'slurm', summary: 'write (and submit) a Slurm job array for a sweep', load: async () => (await import('../commands/slurm.js')).slurm },
];
