// What a subcommand is: a declarative option table (help is generated from
// it, so it cannot drift from behaviour) and one async function.

export interface OptionSpec {
  /** Long name without dashes, e.g. "out". */
  name: string;
  short?: string;
  /** Placeholder for the value, e.g. "DIR"; absent for a boolean flag. */
  value?: string;
  repeatable?: boolean;
  description: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  positionals: string[];
  options: OptionValues;
}

export interface CommandIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Aborted on SIGINT/SIGTERM: long commands stop cleanly and keep what is done. */
  signal: AbortSignal;
}

export interface CommandDefinition {
  name: string;
  /** e.g. "run-experiments compare <baseline.csv> <current.csv> [options]" */
  usage: string;
  /** Paragraphs shown under the usage line. */
  details?: string;
  options: OptionSpec[];
  /** Returns the process exit status. Throws UsageError/InputError/EnvironmentError for failures. */
  run(args: ParsedArgs, io: CommandIO): Promise<number>;
}
