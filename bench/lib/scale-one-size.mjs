// One size for bench/scale.mjs, in its own process so that peak RSS belongs
// to this size alone: `node --expose-gc bench/lib/scale-one-size.mjs RUNS`
// prints one JSON line of seconds per phase and memory. Everything is the
// compiled product (dist/) except the worker: an in-process stand-in resolves
// a fake RunResult at once, so only the runner's own work is timed (run
// folders and fsync'ed rows included, as in a real sweep). The heap is taken
// halfway through the sweep, after a full GC: what the parent holds while a
// sweep runs, which is what must not grow with the number of runs.
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planExperiment } from '../../dist/config/load-experiment.js';
import { nativeCore } from '../../dist/native/addon.js';
import { hostProvenance } from '../../dist/results/provenance.js';
import { runSweep } from '../../dist/runner/sweep-runner.js';
import { plannedRuns, runSpecOf } from '../../dist/sweep/runs.js';

const JOBS = 2;
const statNames = nativeCore().statNames();
const experimentYaml = (runs) =>
  `name: scale\nguest: { program: hello, args: { count: 1 } }\nsweep:\n  guest.args.count: { from: 1, to: ${runs}, step: 1 }\n`;

/** A full-width result, as a real worker reports it. */
function fakeResult(spec) {
  const now = new Date().toISOString();
  const numbers = (names) => Object.fromEntries(names.map((name, i) => [name, 1000 * i + spec.point]));
  return {
    runId: spec.runId,
    status: 'ok',
    exitCause: 'guest-exit',
    error: '',
    stats: { ...numbers(statNames.cpu), instsSource: 'none' },
    kvm: {},
    devices: numbers(statNames.devices),
    measurement: { tscHz: '2000000000', tscSource: 'cpuid', timerResolutionNs: '1', quantumNs: '1000000', coalescing: 'off' },
    startTime: now,
    endTime: now,
  };
}

const seconds = (since) => (performance.now() - since) / 1000;

/** The steps of `run` for one experiment (src/commands/run.ts): the real runSweep, run folders and
 * durable rows included, with the worker process replaced by an in-process stand-in. */
async function measure(runs, dir) {
  const file = join(dir, 'scale.yaml');
  let t = performance.now();
  const plan = planExperiment(file, experimentYaml(runs));
  const planned = plannedRuns(plan);
  const planning = seconds(t);

  let started = 0;
  let heapBytes;
  let gcSeconds = 0;
  /** The stand-in worker; halfway through the sweep it also measures the heap (GC time not counted as the sweep's). */
  const execute = async (spec) => {
    if (++started === Math.ceil(runs / 2)) {
      const gcStart = performance.now();
      globalThis.gc();
      heapBytes = process.memoryUsage().heapUsed;
      gcSeconds = seconds(gcStart);
    }
    return fakeResult(spec);
  };

  const columns = { params: plan.paramColumns, stats: [...statNames.cpu, 'instsSource'], devices: statNames.devices, kvm: [] };
  const csvFile = join(dir, 'scale.csv');
  const options = {
    csvFile,
    columns,
    resume: false,
    jobs: JOBS,
    execute,
    provenance: await hostProvenance(file, '/dev/kvm'),
    progress: { write() {} },
    quiet: true,
    signal: new AbortController().signal,
  };
  const toSpec = (run) => runSpecOf(plan, run, { outDir: dir, kvmDevice: '/dev/kvm', counterFor: () => 'none' });
  t = performance.now();
  await runSweep('scale', planned, toSpec, options);
  const sweep = seconds(t) - gcSeconds;

  t = performance.now();
  const resumed = await runSweep('scale', planned, toSpec, { ...options, resume: true });
  const resume = seconds(t);
  if (resumed.skipped !== runs || resumed.ran !== 0) throw new Error(`resume skipped ${resumed.skipped} of ${runs} runs`);

  // The floor under the sweep: the same lines, each one write + fdatasync, with no runner around them.
  const lines = (await readFile(csvFile, 'utf8')).split(/(?<=\n)/).slice(1);
  t = performance.now();
  const bare = await open(join(dir, 'bare.csv'), 'w');
  for (const line of lines) {
    await bare.write(line);
    await bare.datasync();
  }
  await bare.close();
  const syncFloor = seconds(t);
  return { runs: planned.count, planning, sweep, resume, syncFloor, heapBytes };
}

const runs = Number(process.argv[2]);
const dir = mkdtempSync(join(tmpdir(), 'kx-scale-'));
try {
  // Warm-up, so that compiling the schema and the JIT do not count against the smallest size.
  await measure(20, mkdtempSync(join(dir, 'warm-up-')));
  const result = await measure(runs, dir);
  console.log(JSON.stringify({ ...result, peakRssBytes: process.resourceUsage().maxRSS * 1024 }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
