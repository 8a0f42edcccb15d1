// Our exit path against a bare C KVM loop (bench/baseline/kvm-bare.c), in one
// run: N port writes and N MMIO writes from ring 3, each a VM exit to user
// space. Ours goes through the whole core: run loop, quantum timer, buses,
// devices, statistics. Ours is timed as the difference between a run of 2N
// and a run of N exits, so the guest's boot and exit cancel out. The quantum
// is longer than the run: timer kicks are the timer's cost, which
// bench/timer-kicks.mjs measures, not the exit path's. Prints microseconds
// per exit and the ratio ours/bare (target: at most 1.10).
import { median, printTable, requireKvm, runBare, runOurs, us } from './lib/kvm-bench.mjs';

requireKvm();
const N = Number(process.env.BENCH_EXITS ?? 20000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const rows = [['kind', 'exits', 'bare us/exit', 'ours us/exit', 'ours/bare']];
for (const [kind, program, counter] of [
  ['pio', 'pio-stream', 'numIO'],
  ['mmio', 'mmio-stream', 'numMMIO'],
]) {
  const bare = [];
  const ours = [];
  // Interleaved rounds, so drift in the host's speed hits both sides alike.
  for (let round = 0; round < ROUNDS; round++) {
    const b = runBare(kind, N);
    bare.push(b.seconds / b.exits);
    const [short, long] = [N, 2 * N].map((count) => runOurs(`name: bench\nguest: { program: ${program}, args: { count: ${count} } }\ncpu: { timer: { quantum: 100s } }\n`));
    ours.push((long.stats.hostSeconds - short.stats.hostSeconds) / (long.stats[counter] - short.stats[counter]));
  }
  const [b, o] = [median(bare), median(ours)];
  rows.push([kind, N, us(b), us(o), (o / b).toFixed(3)]);
}
console.log(`exit path: ${N} exits per run, median of ${ROUNDS} interleaved rounds`);
printTable(rows);
