// Builds small results CSVs for tests: the header comes from headerFor, so the
// fixtures follow the same column contract as files the runner writes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { onTestFinished } from 'vitest';
import { headerFor, type ColumnSet } from '../../src/results/columns.js';
import type { RunStatus } from '../../src/types.js';

const FIXTURE_COLUMNS: ColumnSet = {
  params: ['cpu.timer.quantum', 'guest.args.count'],
  stats: ['simTicks', 'hostSeconds', 'numVMExits', 'instsSource'],
  devices: ['pioSink.writes'],
  kvm: ['exits'],
};

export const FIXTURE_HEADER = headerFor(FIXTURE_COLUMNS);

export interface FixtureRun {
  point: number;
  repeat: number;
  experiment?: string;
  runId?: string;
  status?: RunStatus;
  /** Defaults to cpu.timer.quantum = 1000 * (point + 1), guest.args.count = 1. */
  params?: Record<string, string>;
  /** Overrides of the default metric values, by column. */
  metrics?: Record<string, number | string>;
}

const DEFAULT_METRICS: Record<string, number | string> = {
  simTicks: 1_000_000,
  hostSeconds: 0.5,
  numVMExits: 100,
  instsSource: 'perf',
  'pioSink.writes': 10,
  'kvm.exits': 100,
};

function fixtureRow(run: FixtureRun, header: string[] = FIXTURE_HEADER): Record<string, string> {
  const values: Record<string, number | string> = {
    experiment: run.experiment ?? 'timer-sweep',
    run_id: run.runId ?? `p${run.point}r${run.repeat}`,
    point: run.point,
    repeat: run.repeat,
    status: run.status ?? 'ok',
    exit_cause: run.status === undefined || run.status === 'ok' ? 'guest exit' : 'guest fault',
    error: '',
    'cpu.timer.quantum': String(1000 * (run.point + 1)),
    'guest.args.count': '1',
    ...run.params,
    ...DEFAULT_METRICS,
    ...run.metrics,
    tscHz: 3_000_000_000,
    host: 'testhost',
  };
  return Object.fromEntries(header.map((column) => [column, values[column] === undefined ? '' : String(values[column])]));
}

export function resultsCsvText(runs: FixtureRun[], header: string[] = FIXTURE_HEADER): string {
  return stringify(
    runs.map((run) => fixtureRow(run, header)),
    { header: true, columns: header },
  );
}

export async function writeResultsFixture(dir: string, name: string, runs: FixtureRun[], header: string[] = FIXTURE_HEADER): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, resultsCsvText(runs, header));
  return file;
}

/** A fresh directory under the OS temp dir, removed when the calling test finishes. */
export async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kvm-experiments-test-'));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every point in `points` repeated `repeats` times, all ok with default metrics. */
export function fixtureRuns(points: number[], repeats: number): FixtureRun[] {
  return points.flatMap((point) => Array.from({ length: repeats }, (_, repeat) => ({ point, repeat })));
}
