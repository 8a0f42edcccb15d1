// Dispatches argv to a command. `run` is the default: `run-experiments
// experiments/*.yaml` means `run-experiments run experiments/*.yaml`.
import type { CommandDefinition, CommandIO } from './command.js';
import { COMMANDS, type CommandEntry } from './commands.js';
import { formatOptions, parseArgs } from './parse-args.js';
import { toolVersion } from '../results/provenance.js';
import { UsageError } from '../errors.js';

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    'run-experiments: declarative KVM experiments, one CSV row per run',
    '',
    'Usage: run-experiments <command> [options]',
    '       run-experiments <experiment.yaml...>      (same as `run`)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options: --help (also after a command), --version',
    'Start with: run-experiments experiments/*.yaml',
    '',
  ].join('\n');
}

function commandHelp(entry: CommandEntry, command: CommandDefinition): string {
  const options = [...command.options, { name: 'help', short: 'h', description: 'show this help' }];
  return [`Usage: ${command.usage}`, '', entry.summary, ...(command.details ? ['', command.details] : []), '', 'Options:', formatOptions(options), ''].join('\n');
}

export async function runCli(argv: string[], io: CommandIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.stdout.write(overview());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-V') {
    io.stdout.write(`${toolVersion()}\n`);
    return 0;
  }
  const entry = COMMANDS.find((c) => c.name === first);
  const looksLikeFile = /\.(ya?ml)$/i.test(first) || first.includes('/');
  if (!entry && !looksLikeFile) throw new UsageError(`unknown command "${first}" (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
  const chosen = entry ?? COMMANDS[0];
  const command = await chosen.load();
  const args = entry ? rest : argv;
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(commandHelp(chosen, command));
    return 0;
  }
  return command.run(parseArgs(args, command.options, command.name), io);
}
