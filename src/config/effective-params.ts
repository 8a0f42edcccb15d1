// Every parameter a run used, defaults included, as CSV columns: a row must
// say which memory size or wall timeout it ran with even when the file left
// them out. Values with a unit get it in the column name and a plain number
// in the cell (guest.memory_bytes, cpu.timer.quantum_ns), so they sort and
// plot as numbers beside the text the file had (guest.memory: 16MiB).
import type { NormalizedPoint } from './experiment.js';

type Cell = string | number | boolean | undefined;

const EFFECTIVE: Record<string, (p: NormalizedPoint) => Cell> = {
  'guest.format': (p) => p.guest.format,
  'guest.memory_bytes': (p) => p.guest.memory,
  'cpu.hostFactor': (p) => p.cpu.hostFactor,
  'cpu.clock_hz': (p) => p.cpu.clock,
  'cpu.useCoalescedMMIO': (p) => p.cpu.useCoalescedMMIO,
  'cpu.usePerf': (p) => p.cpu.usePerf,
  'cpu.usePerfOverflow': (p) => p.cpu.usePerfOverflow,
  'cpu.instructionCounter': (p) => p.cpu.instructionCounter,
  'cpu.timer.kind': (p) => p.cpu.timer.kind,
  'cpu.timer.quantum_ns': (p) => p.cpu.timer.quantum,
  'cpu.alwaysSyncTC': (p) => p.cpu.alwaysSyncTC,
  // Empty when there is no limit: 0 would read as "stop at once".
  'limits.maxTicks_ps': (p) => p.limits.maxTicks || undefined,
  'limits.maxInsts': (p) => p.limits.maxInsts || undefined,
  'limits.wallTimeout_ns': (p) => p.limits.wallTimeout,
  'devices.unclaimedAccess': (p) => p.devices.unclaimedAccess,
  'stats.dumpEvery_ns': (p) => p.stats.dumpEvery || undefined,
};

export const EFFECTIVE_COLUMNS = Object.keys(EFFECTIVE);

export function effectiveParams(point: NormalizedPoint): Record<string, string> {
  return Object.fromEntries(Object.entries(EFFECTIVE).map(([column, read]) => [column, String(read(point) ?? '')]));
}
