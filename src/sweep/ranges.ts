// Range sweeps ({from, to, step} and {from, to, factor}) into lists of values.
// Units are those a value may be written in ("1us" to "1min", src/config/units.ts);
// values keep the unit of `from`.
import { parseQuantity, type Quantity } from '../config/units.js';

const MAX_RANGE_VALUES = 100000;

function quantity(input: unknown, what: string): Quantity {
  const parsed = parseQuantity(input);
  if (!parsed.ok) throw new RangeError(`${what} ${parsed.reason}`);
  return parsed;
}

export type RangeSpec = { from: unknown; to: unknown; step?: unknown; factor?: number };

/** The values of a range, or a RangeError saying what is wrong with it. */
export function expandRange(range: RangeSpec): (number | string)[] {
  const from = quantity(range.from, 'from');
  const to = quantity(range.to, 'to');
  if (from.kind !== to.kind) throw new RangeError('from and to must have units of the same kind');
  const start = from.value;
  const end = to.value;
  if (end < start) throw new RangeError('to must not be below from');
  const values: number[] = [];
  const slack = Math.abs(end) * 1e-9;
  if (range.factor !== undefined) {
    if (start <= 0) throw new RangeError('a factor range needs from > 0');
    for (let v = start; v <= end + slack && values.length <= MAX_RANGE_VALUES; v *= range.factor) values.push(v);
  } else {
    const step = quantity(range.step, 'step');
    if (step.kind !== from.kind) throw new RangeError('step must have a unit of the same kind as from');
    const stride = step.value;
    if (!(stride > 0)) throw new RangeError('step must be above zero');
    for (let i = 0; start + i * stride <= end + slack && values.length <= MAX_RANGE_VALUES; i++) values.push(start + i * stride);
  }
  if (values.length > MAX_RANGE_VALUES) throw new RangeError(`the range has more than ${MAX_RANGE_VALUES} values`);
  // 12 significant digits hide binary rounding (0.1 + 0.2) without losing real precision.
  return values.map((v) => {
    const n = Number((v / from.scale).toPrecision(12));
    return from.unit ? `${n}${from.unit}` : n;
  });
}
