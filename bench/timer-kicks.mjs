// What the quantum timer costs: the same compute guest with quanta of 1 ms,
// 100 us and 10 us, against an unkicked run (a quantum longer than the run),
// in one run. Prints kicks and the wall-time ratio against unkicked.
import { median, printTable, requireKvm, runOurs } from './lib/kvm-bench.mjs';

requireKvm();
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COUNT = Number(process.env.BENCH_COMPUTE ?? 20000);
const quanta = ['10s', '1ms', '100us', '10us'];

const seconds = Object.fromEntries(quanta.map((q) => [q, []]));
const kicks = Object.fromEntries(quanta.map((q) => [q, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const quantum of quanta) {
    const r = runOurs(`name: bench\nguest: { program: compute, args: { count: ${COUNT} } }\ncpu: { timer: { quantum: ${quantum} } }\n`);
    seconds[quantum].push(r.stats.hostSeconds);
    kicks[quantum].push(r.stats.numExitSignal);
  }
}
const base = median(seconds['10s']);
const rows = [['quantum', 'kicks', 'host s', 'vs unkicked']];
for (const q of quanta) rows.push([q === '10s' ? 'unkicked' : q, median(kicks[q]), median(seconds[q]).toFixed(4), (median(seconds[q]) / base).toFixed(3)]);
console.log(`timer kicks: compute count=${COUNT}, median of ${ROUNDS} interleaved rounds`);
printTable(rows);
