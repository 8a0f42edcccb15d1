// `run-experiments compare`: the CI gate. Reads two results files, compares
// per-point means and exits 1 on a regression. Logic lives in
// src/results/compare.ts, rendering in src/results/compare-report.ts.
import { appendFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CommandDefinition } from '../cli/command.js';
import { UsageError } from '../errors.js';
import { compareResults } from '../results/compare.js';
import { renderMarkdown, renderTerminal } from '../results/compare-report.js';
import { readResultsCsv } from '../results/read-csv.js';
import { parseToleranceOption } from '../results/tolerance.js';

export const compare: CommandDefinition = {
  name: 'compare',
  usage: 'run-experiments compare <baseline.csv> <current.csv> [options]',
  details:
    'Points are matched by experiment and parameter values. For each metric the mean over ok repeats is compared; ' +
    'a rise beyond the tolerance is a regression, a fall beyond it an improvement. By default only counts the guest ' +
    'decides are compared, exactly (numIO, numMMIO, numCoalescedMMIO/PIO, numHypercalls, committedInsts, device ' +
    'counters, kvm.io_exits, kvm.mmio_exits); times (simTicks, hostSeconds, numVMExits, numInterrupts, ...) and ' +
    'host-dependent counters (numExitSignal, the other kvm.*) are left out unless named in --metrics (times then at ' +
    '10%, counters exactly) or given a --tolerance. kvm.* counters are compared only between files from the same KVM ' +
    'flavour. Exit status 1: a regression, a point whose runs are no longer all ok, no matched point at all, a compared ' +
    'metric missing from either file, or a row whose witness disagrees with the kernel. docs/ci-gate.md has the table. ' +
    'When GITHUB_STEP_SUMMARY is set, the markdown report is appended to it.',
  options: [
    { name: 'tolerance', value: 'METRIC=N[%]', repeatable: true, description: 'allowed rise of METRIC: N absolute, N% relative to the baseline' },
    { name: 'metrics', value: 'LIST', description: 'compare only these metrics (comma-separated)' },
    { name: 'all', description: 'show every compared metric, not only regressions and improvements' },
    { name: 'fail-on-missing', description: 'exit 1 when a point is in only one of the files' },
    { name: 'markdown', value: 'FILE', description: 'also write the report as GitHub markdown to FILE' },
  ],
  async run(args, io) {
    if (args.positionals.length !== 2) {
      throw new UsageError(`compare: expected <baseline.csv> <current.csv>, got ${args.positionals.length} file(s)`);
    }
    const [baselinePath, currentPath] = args.positionals;
    const [baseline, current] = await Promise.all([baselinePath, currentPath].map((file) => readResultsCsv(resolve(io.cwd, file))));
    const toleranceOptions = (args.options.tolerance as string[] | undefined) ?? [];
    const tolerances = new Map(toleranceOptions.map(parseToleranceOption).map(({ metric, tolerance }) => [metric, tolerance] as const));
    const metrics = typeof args.options.metrics === 'string' ? args.options.metrics.split(',').map((m) => m.trim()).filter(Boolean) : undefined;
    const comparison = compareResults(baseline, current, { tolerances, metrics, failOnMissing: args.options['fail-on-missing'] === true });

    const all = args.options.all === true;
    io.stdout.write(renderTerminal(comparison, { all }));
    const markdownPath = typeof args.options.markdown === 'string' ? args.options.markdown : undefined;
    const stepSummary = io.env.GITHUB_STEP_SUMMARY;
    if (markdownPath !== undefined || stepSummary) {
      const markdown = renderMarkdown(comparison, { all, title: `Comparison of ${currentPath} against ${baselinePath}` });
      if (markdownPath !== undefined) await writeReport(() => writeFile(resolve(io.cwd, markdownPath), markdown), markdownPath);
      if (stepSummary) await writeReport(() => appendFile(resolve(io.cwd, stepSummary), markdown), stepSummary);
    }
    return comparison.failed ? 1 : 0;
  },
};

async function writeReport(write: () => Promise<void>, file: string): Promise<void> {
  try {
    await write();
  } catch (error) {
    throw new UsageError(`${file}: cannot write: ${(error as Error).message}`, 'unwritable');
  }
}
