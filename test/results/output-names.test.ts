// An experiment named "a.summary" once overwrote the summary of experiment
// "a": names allow dots. Names whose outputs would land on another
// experiment's are now refused before anything runs, naming that file.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, STAND_IN_WORKER, workspace } from '../support/cli.js';

const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };
const experiment = (name: string) => `name: ${name}\nguest: { program: hello }\n`;

describe('experiment names whose outputs would meet those of experiment "a"', () => {
  it('"a.summary" is refused, naming a\'s summary, which stays as it was', async () => {
    const dir = await workspace({ 'a.yaml': experiment('a'), 'b.yaml': experiment('a.summary') });
    expect((await cli(['run', 'a.yaml', '-o', 'out', '--quiet'], { cwd: dir, env })).exitCode).toBe(0);
    const summary = join(dir, 'out/a.summary.csv');
    const before = await readFile(summary, 'utf8');

    const clash = await cli(['run', 'b.yaml', '-o', 'out', '--quiet'], { cwd: dir, env });
    expect(clash.exitCode).toBe(2);
    expect(clash.stderr).toBe(
      `${join(dir, 'b.yaml')}: experiment name "a.summary" would mix its results with ${summary}, another experiment's; names may not end in .csv, .summary, .previous, .lock, .warmup`,
    );
    expect(await readFile(summary, 'utf8')).toBe(before);
  });

  // Each reserved ending against the output of "a" it would land on (the run folder <out>/<name>/ or the CSV <out>/<name>.csv).
  it.each([
    ['a.csv', 'a.csv'],
    ['a.previous', 'a.previous'],
    ['a.lock', 'a.lock'],
  ])('"%s" is refused before anything runs, by --dry-run and validate too, naming <out>/%s', async (name, clashesWith) => {
    const dir = await workspace({ 'b.yaml': experiment(name) });
    for (const command of [['run', '--dry-run'], ['validate']]) {
      const clash = await cli([...command, 'b.yaml', '-o', 'out'], { cwd: dir, env });
      expect(clash.exitCode, command.join(' ')).toBe(2);
      expect(clash.stderr).toContain(`: experiment name "${name}" would mix its results with ${join(dir, 'out', clashesWith)}, another experiment's`);
    }
  });

  it('two files with one name are refused by validate as by run', async () => {
    const dir = await workspace({ 'a.yaml': experiment('same'), 'b.yaml': experiment('same') });
    for (const command of [['run', '--dry-run'], ['validate']]) {
      const clash = await cli([...command, 'a.yaml', 'b.yaml'], { cwd: dir, env });
      expect(clash.exitCode, command.join(' ')).toBe(2);
      expect(clash.stderr).toContain(`${join(dir, 'b.yaml')}: experiment name "same" is also used by ${join(dir, 'a.yaml')}`);
    }
  });

  it('dots elsewhere in a name are fine', async () => {
    const dir = await workspace({ 'b.yaml': experiment('a.summary.v2') });
    const run = await cli(['run', 'b.yaml', '-o', 'out', '--quiet'], { cwd: dir, env });
    expect(run.exitCode, String(run.all)).toBe(0);
  });
});
