// Every parameter a run used, defaults included, as CSV columns: a row must
// say which memory size or wall timeout it ran with even when the file left
// them out. Values with a unit get it in the column name and a plain number
// in the cell (guest.memory_bytes, cpu.timer.quantum_ns), so they sort and
// plot as numbers beside the text the file had (guest.memory: 16MiB). The
// columns are read off the schema: each scalar parameter with a default or a
// unit, so a new parameter gets its column without a line here.
import { pointParameters, type NormalizedPoint } from './experiment.js';
import type { UnitFormat } from './units.js';

const UNIT_SUFFIX: Record<UnitFormat, string> = {
  size: '_bytes',
  duration: '_ns',
  positiveDuration: '_ns',
  frequency: '_hz',
  ticks: '_ps',
  count: '',
  address: '',
  instant: '_unix_s',
};

interface Effective {
  column: string;
  path: string[];
}

const EFFECTIVE: Effective[] = pointParameters()
  .filter(({ node }) => node.type !== 'array' && node.type !== 'object' && (node.default !== undefined || node.unit !== undefined))
  .map(({ path, node }) => {
    const format: UnitFormat | undefined = typeof node.unit === 'string' ? node.unit : node.unit?.format;
    return { column: path + (format === undefined ? '' : UNIT_SUFFIX[format]), path: path.split('.') };
  });

export const EFFECTIVE_COLUMNS = EFFECTIVE.map((e) => e.column);

export function effectiveParams(point: NormalizedPoint): Record<string, string> {
  // A limit or a period that is not set is an empty cell: 0 would read as "stop at once".
  const read = (path: string[]) => path.reduce<any>((o, key) => o?.[key], point);
  return Object.fromEntries(EFFECTIVE.map(({ column, path }) => [column, String(read(path) ?? '')]));
}
