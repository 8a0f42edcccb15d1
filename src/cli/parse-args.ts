// Parses argv against a command's option table. Unknown options are errors
// that name the option and point at --help.
import { UsageError } from '../errors.js';
import type { OptionSpec, ParsedArgs } from './command.js';

export function parseArgs(argv: string[], specs: OptionSpec[], command: string): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short!, s]));
  const parsed: ParsedArgs = { positionals: [], options: {} };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      parsed.positionals.push(...argv.slice(i + 1));
      break;
    }
    let spec: OptionSpec | undefined;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
      spec = byLong.get(name);
      if (!spec) throw new UsageError(`${command}: unknown option --${name} (see \`run-experiments ${command} --help\`)`);
    } else if (arg.startsWith('-') && arg.length > 1 && !/^-\d/.test(arg)) {
      spec = byShort.get(arg.slice(1, 2));
      if (!spec) throw new UsageError(`${command}: unknown option ${arg} (see \`run-experiments ${command} --help\`)`);
      if (arg.length > 2) inline = arg.slice(2);
    } else {
      parsed.positionals.push(arg);
      continue;
    }
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`${command}: --${spec.name} takes no value`);
      parsed.options[spec.name] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`${command}: --${spec.name} needs a value (${spec.value})`);
    if (spec.repeatable) {
      const list = (parsed.options[spec.name] as string[] | undefined) ?? [];
      list.push(value);
      parsed.options[spec.name] = list;
    } else {
      parsed.options[spec.name] = value;
    }
  }
  return parsed;
}

export function formatOptions(specs: OptionSpec[]): string {
  const labels = specs.map((s) => `${s.short ? `-${s.short}, ` : '    '}--${s.name}${s.value ? ` ${s.value}` : ''}`);
  const width = Math.max(...labels.map((l) => l.length), 0) + 2;
  return specs.map((s, i) => `  ${labels[i].padEnd(width)}${s.description}`).join('\n');
}

/** Reads an integer option, with a message naming the option when it is not one. */
export function integerOption(value: unknown, name: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`--${name} must be an integer >= ${min}, not "${String(value)}"`);
  return n;
}
