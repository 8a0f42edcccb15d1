// What coalescing buys: the cost of one coalesced MMIO write against one
// MMIO exit to user space, ours and a bare C loop's, in one run.
import { median, printTable, requireKvm, runBare, runOurs, us } from './lib/kvm-bench.mjs';

requireKvm();
const N = Number(process.env.BENCH_EXITS ?? 20000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const bareExit = [], bareCoalesced = [], oursExit = [], oursCoalesced = [];
for (let round = 0; round < ROUNDS; round++) {
  const exit = runBare('mmio', N);
  bareExit.push(exit.seconds / exit.writes);
  const coalesced = runBare('coalesced', N * 10);
  bareCoalesced.push(coalesced.seconds / coalesced.writes);
  for (const [on, sink] of [
    [false, oursExit],
    [true, oursCoalesced],
  ]) {
    const count = on ? N * 10 : N;
    const r = runOurs(`name: bench\nguest: { program: mmio-stream, args: { count: ${count} } }\ncpu: { useCoalescedMMIO: ${on} }\n`);
    sink.push(r.stats.hostSeconds / count);
  }
}
const rows = [
  ['', 'us/MMIO exit', 'us/coalesced write', 'coalesced/exit'],
  ['bare', us(median(bareExit)), us(median(bareCoalesced)), (median(bareCoalesced) / median(bareExit)).toFixed(3)],
  ['ours', us(median(oursExit)), us(median(oursCoalesced)), (median(oursCoalesced) / median(oursExit)).toFixed(3)],
];
console.log(`coalesced MMIO: ${N} exits, ${N * 10} coalesced writes per run, median of ${ROUNDS} interleaved rounds`);
printTable(rows);
console.log(`ours/bare: exit ${(median(oursExit) / median(bareExit)).toFixed(3)}, coalesced write ${(median(oursCoalesced) / median(bareCoalesced)).toFixed(3)}`);
