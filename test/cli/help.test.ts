// Help is generated: the command list and each command's --help read its
// summary from one place (src/cli/commands.ts), and its options from the
// command's own option table.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { cli } from '../support/cli.js';

describe('--help', () => {
  it('lists every command with its summary', async () => {
    const { stdout, exitCode } = await cli(['--help']);
    expect(exitCode).toBe(0);
    for (const { name, summary } of COMMANDS) {
      const line = String(stdout).split('\n').find((l) => l.startsWith(`  ${name} `));
      expect(line?.endsWith(` ${summary}`), `${name}: ${line}`).toBe(true);
    }
  });

  it.each(COMMANDS)("$name --help shows the same summary, and every option of the command's table", async ({ name, summary, load }) => {
    const { stdout, exitCode } = await cli([name, '--help']);
    expect(exitCode).toBe(0);
    expect(String(stdout).split('\n')[2]).toBe(summary);
    for (const option of (await load()).options) expect(stdout).toContain(`--${option.name}`);
  });
});
