// The runner's own cost per run as sweeps grow from 100 to 10,000 runs:
// planning (the pass that checks every point), the pool with one durable CSV
// row per run (points, run ids and RunSpecs made as the pool asks for them),
// and the --resume scan of the finished file, with an in-process stand-in
// instead of worker processes (bench/lib/scale-one-size.mjs). Each size runs
// in a fresh process so its memory is its own. Aims: per-run cost at 10,000
// runs <= 1.2 x that at 100, and the parent's heap after GC halfway through
// the sweep at 10,000 runs <= 1.2 x that at 100.
import { execa } from 'execa';
import { printTable } from './lib/kvm-bench.mjs';

const SIZES = [100, 1_000, 10_000];
const AIM = 1.2;
const ONE_SIZE = new URL('./lib/scale-one-size.mjs', import.meta.url).pathname;

const us = (seconds, runs) => ((seconds / runs) * 1e6).toFixed(1);
const mib = (bytes) => (bytes / 2 ** 20).toFixed(1);

const results = [];
for (const size of SIZES) {
  const one = await execa(process.execPath, ['--expose-gc', ONE_SIZE, String(size)], { reject: false });
  if (one.exitCode !== 0) {
    console.error(`scale: ${size} runs failed:\n${one.stderr}`);
    process.exit(1);
  }
  results.push(JSON.parse(one.stdout));
}

console.log('scale: the real runSweep with an in-process stand-in instead of worker processes; every run writes its result.json and one write + fdatasync row, as in a real sweep');
console.log('(bare write+fdatasync): the same rows written and synced with nothing else, the floor under the sweep column; not part of the total');
printTable([
  ['runs', 'plan us/run', 'sweep us/run', '(bare write+fdatasync)', 'resume scan us/run', 'total us/run', 'heap mid-sweep after GC MiB', 'peak RSS MiB'],
  ...results.map((r) => [
    r.runs,
    us(r.planning, r.runs),
    us(r.sweep, r.runs),
    `(${us(r.syncFloor, r.runs)})`,
    us(r.resume, r.runs),
    us(r.planning + r.sweep + r.resume, r.runs),
    mib(r.heapBytes),
    mib(r.peakRssBytes),
  ]),
]);
const [small, large] = [results[0], results.at(-1)];
const perRun = (r) => (r.planning + r.sweep + r.resume) / r.runs;
const verdict = (ratio) => `${ratio.toFixed(3)} (aim <= ${AIM}: ${ratio <= AIM ? 'met' : 'NOT met'})`;
console.log(`per-run cost ${large.runs}/${small.runs}: ${verdict(perRun(large) / perRun(small))}`);
console.log(`heap mid-sweep after GC ${large.runs}/${small.runs}: ${verdict(large.heapBytes / small.heapBytes)}`);
console.log(`peak RSS ${large.runs}/${small.runs}: ${(large.peakRssBytes / small.peakRssBytes).toFixed(2)} (no aim: it includes what V8 has not given back)`);
