// Whether -j turns cores into throughput: the same 40 runs with -j 1 and
// -j 2, as the wall time of the whole CLI command, in one run (target:
// j2/j1 <= 0.6). The stand-in busy-loops (spinMs) rather than sleeping, so a
// run needs a core of its own, as a guest on KVM does. The same processes
// without the runner, one stream against two, show what the host allows.
import { availableParallelism } from 'node:os';
import { execa } from 'execa';
import { median, printTable } from './lib/kvm-bench.mjs';
import { backend, experimentDir, ms, timeRun } from './lib/runner-bench.mjs';

const RUNS = 40;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SPIN_MS = 50;
const TARGET = 0.6;

const { label, standIn, env, guest } = backend({ spinMs: SPIN_MS });
const dir = experimentDir(`name: parallel\nguest: ${guest}\nrepeat: ${RUNS}\n`);

/** Wall seconds of RUNS bare `node -e` processes doing a run's busy loop, in `streams` concurrent streams. */
async function bareProcesses(streams) {
  const spinMs = standIn ? SPIN_MS : 0;
  const stream = async (count) => {
    for (let i = 0; i < count; i++) await execa(process.execPath, ['-e', `for (const end = Date.now() + ${spinMs}; Date.now() < end; );`]);
  };
  const start = performance.now();
  await Promise.all(Array.from({ length: streams }, () => stream(RUNS / streams)));
  return (performance.now() - start) / 1000;
}

const seconds = { 'run -j 1': [], 'run -j 2': [], 'bare, 1 stream': [], 'bare, 2 streams': [] };
// Interleaved rounds, so drift in the host's load hits all alike.
for (let round = 0; round < ROUNDS; round++) {
  seconds['run -j 1'].push(await timeRun(dir, ['-j', '1'], env));
  seconds['run -j 2'].push(await timeRun(dir, ['-j', '2'], env));
  seconds['bare, 1 stream'].push(await bareProcesses(1));
  seconds['bare, 2 streams'].push(await bareProcesses(2));
}
const wall = Object.fromEntries(Object.entries(seconds).map(([what, values]) => [what, median(values)]));
console.log(`parallel: ${RUNS} runs, ${label}; ${availableParallelism()} CPUs; median of ${ROUNDS} interleaved rounds`);
printTable([['', 'wall s', 'ms/run'], ...Object.entries(wall).map(([what, s]) => [what, s.toFixed(2), ms(s / RUNS)])]);
const ratio = wall['run -j 2'] / wall['run -j 1'];
const hostRatio = wall['bare, 2 streams'] / wall['bare, 1 stream'];
console.log(`j2/j1: ${ratio.toFixed(3)} (target <= ${TARGET}: ${ratio <= TARGET ? 'met' : 'NOT met'})`);
console.log(`host allows (bare processes, 2 streams / 1 stream): ${hostRatio.toFixed(3)}`);
console.log(`runner vs host: ${(ratio / hostRatio).toFixed(3)} (1.000: -j 2 scales as well as the bare processes do)`);
