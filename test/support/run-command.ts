// Runs a subcommand the way main.ts does, with captured output and a fixed
// working directory and environment.
import { Writable } from 'node:stream';
import type { CommandDefinition, CommandIO } from '../../src/cli/command.js';
import { parseArgs } from '../../src/cli/parse-args.js';

export interface CommandOutcome {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCommand(command: CommandDefinition, argv: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<CommandOutcome> {
  const stdout = capturingStream();
  const stderr = capturingStream();
  const io: CommandIO = { stdout: stdout.stream, stderr: stderr.stream, env, cwd, signal: new AbortController().signal };
  const code = await command.run(parseArgs(argv, command.options, command.name), io);
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

function capturingStream(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}
