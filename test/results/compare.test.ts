import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe as suite, expect, it } from 'vitest';
import { compare } from '../../src/commands/compare.js';
import { headerFor } from '../../src/results/columns.js';
import { InputError, UsageError } from '../../src/errors.js';
import { FIXTURE_HEADER, fixtureRuns, makeTempDir, writeResultsFixture, type FixtureRun } from '../support/results-fixture.js';
import { runCommand } from '../support/run-command.js';

/** Two points, three ok repeats each, identical default metrics. */
const baselineRuns = fixtureRuns([0, 1], 3);

/** The baseline with one metric set to `value` in every repeat of point 0. */
function withChange(metric: string, value: number): FixtureRun[] {
  return baselineRuns.map((run) => (run.point === 0 ? { ...run, metrics: { [metric]: value } } : run));
}

async function compareFiles(current: FixtureRun[], options: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const dir = await makeTempDir();
  await writeResultsFixture(dir, 'baseline.csv', baselineRuns);
  await writeResultsFixture(dir, 'current.csv', current);
  return { dir, ...(await runCommand(compare, ['baseline.csv', 'current.csv', ...options], dir, env)) };
}

/** Table rows of the terminal report, split into cells (columns are separated by two or more spaces). */
function terminalRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('experiment') || line.startsWith('timer-sweep'))
    .map((line) => line.trim().split(/\s{2,}/));
}

function markdownRows(markdown: string): string[][] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('|') && !line.startsWith('| ---'))
    .map((line) => line.slice(2, -2).split(' | '));
}

suite('compare: verdicts and exit status', () => {
  it('exits 1 when numVMExits rises by one with tolerance 0', async () => {
    const { code, stdout } = await compareFiles(withChange('numVMExits', 101), ['--tolerance', 'numVMExits=0']);
    expect(code).toBe(1);
    expect(terminalRows(stdout)).toContainEqual([
      'timer-sweep',
      'cpu.timer.quantum=1000 guest.args.count=1',
      'numVMExits',
      '100',
      '101',
      '+1 (+1%)',
      '0',
      'regression',
    ]);
    expect(stdout).toMatch(/^FAIL: 1 regression, 0 improvements in 2 matched points$/m);
  });

  it('exits 0 when the rise is within an absolute tolerance', async () => {
    const { code, stdout } = await compareFiles(withChange('numVMExits', 101), ['--tolerance=numVMExits=5']);
    expect(code).toBe(0);
    expect(terminalRows(stdout)).toEqual([]);
    expect(stdout).toMatch(/^PASS: 0 regressions/m);
  });

  it('treats counts the guest decides as exact by default', async () => {
    const { code } = await compareFiles(withChange('pioSink.writes', 11));
    expect(code).toBe(1);
  });

  it('leaves out counters that follow the host by default, and compares them when given a tolerance', async () => {
    // kvm.exits includes the timer's kicks: two identical runs differ.
    expect((await compareFiles(withChange('kvm.exits', 150))).code).toBe(0);
    expect((await compareFiles(withChange('kvm.exits', 150), ['--tolerance', 'kvm.exits=10%'])).code).toBe(1);
  });

  it('compares the kernel counters only between files from the same KVM flavour, and says so', async () => {
    const onPvm = withChange('kvm.exits', 150).map((run) => ({ ...run, metrics: { ...run.metrics, kvm_flavour: 'pvm' } }));
    const { code, stdout } = await compareFiles(onPvm, ['--tolerance', 'kvm.exits=0']);
    expect(code).toBe(0);
    expect(stdout).toContain('kvm.* counters not compared: the baseline ran on an unknown flavour, the current file on pvm');
  });

  it('with coalescing on, the exit/ring split follows the host; the devices still count every write exactly', async () => {
    const header = headerFor({ params: ['guest.args.count'], stats: ['simTicks', 'numMMIO', 'numCoalescedMMIO'], devices: ['mmioSink.writes'], kvm: ['mmio_exits'] });
    const runs = (coalescing: string, numMMIO: number, writes = 100) =>
      fixtureRuns([0], 2).map((run) => ({ ...run, metrics: { coalescing, numMMIO, numCoalescedMMIO: 100 - numMMIO, 'kvm.mmio_exits': numMMIO, 'mmioSink.writes': writes } }));
    const compareRuns = async (baseline: FixtureRun[], current: FixtureRun[]) => {
      const dir = await makeTempDir();
      await writeResultsFixture(dir, 'baseline.csv', baseline, header);
      await writeResultsFixture(dir, 'current.csv', current, header);
      return runCommand(compare, ['baseline.csv', 'current.csv'], dir);
    };
    expect((await compareRuns(runs('on', 0), runs('on', 1))).code).toBe(0);
    expect((await compareRuns(runs('on', 0), runs('on', 1, 101))).code).toBe(1);
    expect((await compareRuns(runs('off', 0), runs('off', 1))).code).toBe(1);
  });

  it('fails when no point matches, whatever the metrics', async () => {
    const unrelated = baselineRuns.map((run) => ({ ...run, experiment: 'other' }));
    const { code, stdout } = await compareFiles(unrelated);
    expect(code).toBe(1);
    expect(stdout).toContain('nothing was compared');
    expect(stdout).toMatch(/^FAIL: 0 regressions, 0 improvements in 0 matched points; 4 points missing$/m);
  });

  it('fails on a compared metric that one file lacks, naming it and the file', async () => {
    const dir = await makeTempDir();
    await writeResultsFixture(dir, 'baseline.csv', baselineRuns);
    await writeResultsFixture(dir, 'current.csv', baselineRuns, FIXTURE_HEADER.filter((c) => c !== 'pioSink.writes'));
    const { code, stdout } = await runCommand(compare, ['baseline.csv', 'current.csv'], dir);
    expect(code).toBe(1);
    expect(stdout).toContain(`metric pioSink.writes is missing from ${join(dir, 'current.csv')}`);
  });

  it('leaves times out by default; compares them at 10% when named, or at the given tolerance', async () => {
    expect((await compareFiles(withChange('simTicks', 1_200_000))).code).toBe(0);
    expect((await compareFiles(withChange('simTicks', 1_050_000), ['--metrics', 'simTicks'])).code).toBe(0);
    expect((await compareFiles(withChange('simTicks', 1_200_000), ['--metrics', 'simTicks'])).code).toBe(1);
    expect((await compareFiles(withChange('simTicks', 1_200_000), ['--tolerance', 'simTicks=25%'])).code).toBe(0);
    expect((await compareFiles(withChange('simTicks', 1_400_000), ['--tolerance', 'simTicks=25%'])).code).toBe(1);
  });

  it('reports a fall beyond tolerance as improved without failing', async () => {
    const { code, stdout } = await compareFiles(withChange('pioSink.writes', 5));
    expect(code).toBe(0);
    expect(terminalRows(stdout)[1]).toEqual(expect.arrayContaining(['pioSink.writes', '-5 (-50%)', 'improved']));
    expect(stdout).toMatch(/^PASS: 0 regressions, 1 improvement in 2 matched points$/m);
  });

  it('compares means over ok repeats only', async () => {
    const current = baselineRuns.map((run) => ({ ...run, metrics: { numVMExits: [99, 100, 101][run.repeat] } }));
    expect((await compareFiles(current)).code).toBe(0);
  });

  it('fails when current runs of a point are not all ok while the baseline ones were', async () => {
    const current = baselineRuns.map((run) => (run.point === 1 && run.repeat === 2 ? { ...run, status: 'timeout' as const } : run));
    const { code, stdout } = await compareFiles(current);
    expect(code).toBe(1);
    expect(terminalRows(stdout)).toContainEqual([
      'timer-sweep',
      'cpu.timer.quantum=2000 guest.args.count=1',
      'status',
      '3/3 ok',
      '2/3 ok',
      '1 not ok',
      'all ok',
      'regression',
    ]);
  });

  it('matches points by parameter values, not point numbers', async () => {
    const renumbered = baselineRuns.map((run) => ({ ...run, point: 1 - run.point, params: { 'cpu.timer.quantum': String(1000 * (run.point + 1)) } }));
    const { code, stdout } = await compareFiles(renumbered);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/missing/);
  });

  it('shows every compared metric with --all, and only the chosen ones with --metrics', async () => {
    const all = await compareFiles(baselineRuns, ['--all']);
    // 2 points x pioSink.writes, plus the header: the other fixture metrics follow time or the host.
    expect(terminalRows(all.stdout)).toHaveLength(3);
    const some = await compareFiles(baselineRuns, ['--all', '--metrics', 'numVMExits,kvm.exits']);
    expect(terminalRows(some.stdout).slice(1).map((row) => row[2])).toEqual(['numVMExits', 'kvm.exits', 'numVMExits', 'kvm.exits']);
  });
});

suite('compare: missing points', () => {
  const current = [...fixtureRuns([0], 3), ...fixtureRuns([2], 3)];

  it('lists points missing on either side and passes without --fail-on-missing', async () => {
    const { code, stdout } = await compareFiles(current);
    expect(code).toBe(0);
    expect(stdout).toContain('missing in current: timer-sweep cpu.timer.quantum=2000 guest.args.count=1');
    expect(stdout).toContain('missing in baseline: timer-sweep cpu.timer.quantum=3000 guest.args.count=1');
    expect(stdout).toMatch(/^PASS: .* in 1 matched point; 2 points missing$/m);
  });

  it('fails with --fail-on-missing', async () => {
    expect((await compareFiles(current, ['--fail-on-missing'])).code).toBe(1);
  });
});

suite('compare: markdown', () => {
  const current = withChange('pioSink.writes', 13).map((run) => (run.point === 1 ? { ...run, metrics: { 'pioSink.writes': 8 } } : run));

  it('writes the same table rows and values to --markdown as to the terminal', async () => {
    const { dir, code, stdout } = await compareFiles(current, ['--markdown', 'report.md']);
    expect(code).toBe(1);
    const markdown = await readFile(join(dir, 'report.md'), 'utf8');
    const rows = terminalRows(stdout);
    expect(rows).toHaveLength(3);
    expect(markdownRows(markdown)).toEqual(rows);
    expect(markdown).toContain('**FAIL: 1 regression, 1 improvement in 2 matched points**');
  });

  it('appends the markdown report to GITHUB_STEP_SUMMARY', async () => {
    const dir = await makeTempDir();
    const stepSummary = join(dir, 'step-summary.md');
    await writeFile(stepSummary, '# earlier step\n');
    const { code } = await compareFiles(current, ['--markdown', join(dir, 'report.md')], { GITHUB_STEP_SUMMARY: stepSummary });
    expect(code).toBe(1);
    const report = await readFile(join(dir, 'report.md'), 'utf8');
    expect(await readFile(stepSummary, 'utf8')).toBe(`# earlier step\n${report}`);
  });

  it('lists missing points in the markdown too', async () => {
    const { dir } = await compareFiles(fixtureRuns([0], 3), ['--markdown', 'report.md']);
    expect(await readFile(join(dir, 'report.md'), 'utf8')).toContain('- missing in current: timer-sweep cpu.timer.quantum=2000 guest.args.count=1');
  });
});

suite('compare: errors', () => {
  it('rejects a bad --tolerance, naming the value', async () => {
    const attempt = compareFiles(baselineRuns, ['--tolerance', 'numVMExits=five']);
    await expect(attempt).rejects.toThrow(UsageError);
    await expect(attempt).rejects.toThrow(/"numVMExits=five"/);
  });

  it('rejects an unknown metric in --tolerance or --metrics', async () => {
    await expect(compareFiles(baselineRuns, ['--tolerance', 'numWidgets=1'])).rejects.toThrow(/--tolerance: unknown metric "numWidgets"/);
    await expect(compareFiles(baselineRuns, ['--metrics', 'instsSource'])).rejects.toThrow(/--metrics: unknown metric "instsSource"/);
  });

  it('rejects an unreadable file and a file that is not a results CSV', async () => {
    const dir = await makeTempDir();
    await writeResultsFixture(dir, 'baseline.csv', baselineRuns);
    await expect(runCommand(compare, ['baseline.csv', 'absent.csv'], dir)).rejects.toThrow(InputError);
    await writeFile(join(dir, 'other.csv'), 'name,value\na,1\n');
    await expect(runCommand(compare, ['baseline.csv', 'other.csv'], dir)).rejects.toThrow(/not a results file/);
  });

  it('needs exactly two files', async () => {
    await expect(runCommand(compare, ['baseline.csv'], await makeTempDir())).rejects.toThrow(UsageError);
  });
});
