// `run-experiments doctor`: what this host offers the KVM core, and whether runs can work.
import type { CommandDefinition, CommandIO, ParsedArgs } from '../cli/command.js';
import { diagnose } from '../doctor/diagnose.js';
import { gatherFacts } from '../doctor/facts.js';

const MARK = { ok: ' ok ', warn: 'warn', fail: 'FAIL', info: 'info' } as const;

export const doctor: CommandDefinition = {
  name: 'doctor',
  usage: 'run-experiments doctor [--kvm-device PATH] [--json]',
  details: 'Exit status 0 when runs can work on this host, 1 when they cannot.',
  options: [
    { name: 'kvm-device', value: 'PATH', description: 'the KVM device to check (default: /dev/kvm)' },
    { name: 'json', description: 'print the facts and findings as JSON' },
  ],
  async run(args: ParsedArgs, io: CommandIO): Promise<number> {
    const facts = gatherFacts((args.options['kvm-device'] as string | undefined) ?? '/dev/kvm');
    const { findings, runnable } = diagnose(facts);
    if (args.options.json) {
      io.stdout.write(`${JSON.stringify({ runnable, findings, facts }, null, 2)}\n`);
    } else {
      const width = Math.max(...findings.map((f) => f.topic.length));
      for (const f of findings) io.stdout.write(`[${MARK[f.level]}] ${f.topic.padEnd(width)}  ${f.text}\n`);
      io.stdout.write(runnable ? '\nRuns can work on this host.\n' : '\nRuns cannot work on this host (see FAIL above).\n');
    }
    return runnable ? 0 : 1;
  },
};
