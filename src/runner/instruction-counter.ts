// Which method counts committedInsts for a run (the CSV's instsSource),
// decided from what the experiment asks (cpu.usePerf, cpu.instructionCounter,
// limits.maxInsts, checkpoint.atInsts) and what the host offers. Pure, so that
// the decision can be tested with any host (a PMU, none, a paranoid kernel).
import type { NormalizedPoint } from '../config/experiment.js';
import type { PerfProbe } from '../native/addon.js';
import type { MachineSpec } from '../types.js';

export type Counter = MachineSpec['instructionCounter'];

export type CounterDecision =
  | { ok: true; counter: Counter; /** Said once per sweep when auto fell back. */ note?: string }
  | { ok: false; field: string[]; message: string };

function noPmu(perf: PerfProbe): string {
  return `${perf.error}: ${perf.cause}`;
}

export function decideInstructionCounter(point: Pick<NormalizedPoint, 'cpu' | 'limits' | 'checkpoint'>, perf: PerfProbe): CounterDecision {
  const { cpu, limits, checkpoint } = point;
  const pmu = perf.errno === 0;
  let counter: Counter;
  let note: string | undefined;
  if (cpu.instructionCounter === 'perf' || (cpu.usePerf === true && cpu.instructionCounter === 'auto')) {
    const field = cpu.instructionCounter === 'perf' ? ['cpu', 'instructionCounter'] : ['cpu', 'usePerf'];
    if (!pmu) return { ok: false, field, message: `perf counters were asked for, but ${noPmu(perf)}. Use cpu.usePerf: auto to run without them.` };
    counter = 'perf';
  } else if (cpu.instructionCounter === 'singlestep') {
    counter = 'singlestep';
  } else if (cpu.instructionCounter === 'none' || cpu.usePerf === false) {
    counter = 'none';
  } else if (pmu) {
    counter = 'perf';
  } else {
    counter = 'none';
    note = `no guest instruction counter (${noPmu(perf)}); committedInsts is not counted (instsSource: none). For exact counts of small ring-0 workloads use cpu.instructionCounter: singlestep.`;
  }
  for (const [section, key, value] of [['limits', 'maxInsts', limits.maxInsts], ['checkpoint', 'atInsts', checkpoint.atInsts]] as const) {
    if ((value ?? 0) === 0 || counter !== 'none') continue;
    const why = cpu.instructionCounter === 'none' || cpu.usePerf === false ? 'this file turns counting off' : 'this host has no PMU';
    return { ok: false, field: [section, key], message: `${section}.${key} needs an instruction counter, and ${why}: set cpu.instructionCounter: singlestep` };
  }
  return { ok: true, counter, note };
}
