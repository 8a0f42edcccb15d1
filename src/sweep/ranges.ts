// Range sweeps ({from, to, step} and {from, to, factor}) into lists of values.
// Units are allowed ("1us" to "1ms"); values keep the unit of `from`.

const FAMILIES: Record<string, number>[] = [
  { ps: 1e-3, ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9 },
  { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 },
  { Hz: 1, kHz: 1e3, MHz: 1e6, GHz: 1e9 },
];

export const MAX_RANGE_VALUES = 100000;

interface Quantity {
  value: number;
  unit: string;
  family?: Record<string, number>;
}

function quantity(input: unknown, what: string): Quantity {
  if (typeof input === 'number' && Number.isFinite(input)) return { value: input, unit: '' };
  const m = typeof input === 'string' ? /^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-zµ]*)\s*$/.exec(input) : null;
  if (!m) throw new RangeError(`${what} "${String(input)}" is not a number (with an optional unit)`);
  const unit = m[2];
  const family = unit ? FAMILIES.find((f) => unit in f) : undefined;
  if (unit && !family) throw new RangeError(`${what} "${String(input)}" has an unknown unit "${unit}"`);
  return { value: Number(m[1]), unit, family };
}

function inBase(q: Quantity): number {
  return q.family ? q.value * q.family[q.unit] : q.value;
}

export type RangeSpec = { from: unknown; to: unknown; step?: unknown; factor?: number };

/** The values of a range, or a RangeError saying what is wrong with it. */
export function expandRange(range: RangeSpec): (number | string)[] {
  const from = quantity(range.from, 'from');
  const to = quantity(range.to, 'to');
  if (from.family !== to.family) throw new RangeError('from and to must have units of the same kind');
  const start = inBase(from);
  const end = inBase(to);
  if (end < start) throw new RangeError('to must not be below from');
  const values: number[] = [];
  const slack = Math.abs(end) * 1e-9;
  if (range.factor !== undefined) {
    if (start <= 0) throw new RangeError('a factor range needs from > 0');
    for (let v = start; v <= end + slack && values.length <= MAX_RANGE_VALUES; v *= range.factor) values.push(v);
  } else {
    const step = quantity(range.step, 'step');
    if (step.family !== from.family) throw new RangeError('step must have a unit of the same kind as from');
    const stride = inBase(step);
    if (!(stride > 0)) throw new RangeError('step must be above zero');
    for (let i = 0; start + i * stride <= end + slack && values.length <= MAX_RANGE_VALUES; i++) values.push(start + i * stride);
  }
  if (values.length > MAX_RANGE_VALUES) throw new RangeError(`the range has more than ${MAX_RANGE_VALUES} values`);
  const scale = from.family ? from.family[from.unit] : 1;
  // 12 significant digits hide binary rounding (0.1 + 0.2) without losing real precision.
  return values.map((v) => {
    const n = Number((v / scale).toPrecision(12));
    return from.unit ? `${n}${from.unit}` : n;
  });
}
