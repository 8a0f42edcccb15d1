// What a fresh worker process costs a run: the wall time one more run adds
// to a -j 1 sweep of a guest that exits at once (spawn, protocol, run
// folder, durable row; VM create and teardown on KVM), against starting a
// bare `node -e 0` the same way (execa), in one run. Aim: ratio <= 2.5.
import { execa } from 'execa';
import { median, printTable } from './lib/kvm-bench.mjs';
import { backend, experimentDir, ms, timeRun } from './lib/runner-bench.mjs';

const RUNS = 30;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const AIM = 2.5;

const { label, env, guest } = backend();
const sweepOf = (runs) => experimentDir(`name: overhead\nguest: ${guest}\nrepeat: ${runs}\n`);
const [oneRun, manyRuns] = [sweepOf(1), sweepOf(RUNS + 1)];

async function bareNodeSeconds() {
  const start = performance.now();
  await execa(process.execPath, ['-e', '0']);
  return (performance.now() - start) / 1000;
}

const perRun = [];
const bare = [];
const fixed = [];
// Interleaved rounds, so drift in the host's load hits both alike.
for (let round = 0; round < ROUNDS; round++) {
  const one = await timeRun(oneRun, ['-j', '1'], env);
  const many = await timeRun(manyRuns, ['-j', '1'], env);
  // The difference cancels the CLI's fixed start-up (modules, preflight, git provenance).
  perRun.push((many - one) / RUNS);
  fixed.push(one);
  const starts = [];
  for (let i = 0; i < RUNS; i++) starts.push(await bareNodeSeconds());
  bare.push(starts.reduce((a, b) => a + b) / RUNS);
}
const [run, node] = [median(perRun), median(bare)];
console.log(`runner overhead: ${label}; (${RUNS + 1} runs - 1 run) / ${RUNS}, -j 1; median of ${ROUNDS} interleaved rounds`);
printTable([
  ['', 'ms'],
  ['per run (marginal)', ms(run)],
  ['bare node -e 0', ms(node)],
  ['CLI with 1 run (fixed cost, not in per run)', ms(median(fixed))],
]);
console.log(`per run / node -e 0: ${(run / node).toFixed(3)} (aim <= ${AIM}: ${run / node <= AIM ? 'met' : 'NOT met'})`);
