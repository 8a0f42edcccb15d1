// Units, normalized in one place: sizes to bytes, durations to nanoseconds,
// frequencies to hertz, counts to plain numbers. Each parser returns either
// a value or a reason that the caller turns into a located error. Sweep
// ranges read their bounds here too (parseQuantity), so that any unit a
// value may be written in is one a range may be written in.

export type Parsed = { ok: true; value: number } | { ok: false; reason: string };

const SIZE_UNITS: Record<string, number> = {
  B: 1,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
};

const DURATION_UNITS: Record<string, number> = {
  ps: 1e-3,
  ns: 1,
  us: 1e3,
  µs: 1e3,
  ms: 1e6,
  s: 1e9,
  min: 60e9,
  h: 3600e9,
};

const FREQUENCY_UNITS: Record<string, number> = { Hz: 1, kHz: 1e3, MHz: 1e6, GHz: 1e9 };

const UNITS_BY_KIND = { size: SIZE_UNITS, duration: DURATION_UNITS, frequency: FREQUENCY_UNITS };

export type QuantityKind = keyof typeof UNITS_BY_KIND;

// Signed, for ranges of plain numbers; the parsers of values with units refuse a negative one.
const QUANTITY = /^\s*([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-zµ]*)\s*$/;

function withUnit(input: unknown, units: Record<string, number>, kind: string, example: string, bareUnit?: string): Parsed {
  if (typeof input === 'number') {
    if (!Number.isFinite(input) || input < 0) return { ok: false, reason: `${kind} must be a non-negative number` };
    if (bareUnit === undefined) return { ok: false, reason: `${kind} ${input} needs a unit, e.g. ${example}` };
    return { ok: true, value: input * units[bareUnit] };
  }
  if (typeof input !== 'string') return { ok: false, reason: `${kind} must be a number with a unit, e.g. ${example}` };
  const match = QUANTITY.exec(input);
  const unit = match?.[2] || bareUnit;
  if (!match || unit === undefined || !(unit in units)) {
    return {
      ok: false,
      reason: `bad ${kind} "${input}": expected a number with one of the units ${Object.keys(units).join(', ')} (e.g. ${example})`,
    };
  }
  const value = Number(match[1]) * units[unit];
  return value < 0 ? { ok: false, reason: `${kind} "${input}" must not be negative` } : { ok: true, value };
}

/** A sweep range's bound or step: a number with an optional unit of any kind, its value in that kind's base unit. */
export interface Quantity {
  value: number;
  /** As written; "" for a plain number. */
  unit: string;
  kind?: QuantityKind;
  /** What one `unit` is in the base unit (1 for a plain number). */
  scale: number;
}

export function parseQuantity(input: unknown): ({ ok: true } & Quantity) | { ok: false; reason: string } {
  if (typeof input === 'number' && Number.isFinite(input)) return { ok: true, value: input, unit: '', scale: 1 };
  const match = typeof input === 'string' ? QUANTITY.exec(input) : null;
  if (!match) return { ok: false, reason: `"${String(input)}" is not a number (with an optional unit)` };
  const [, number, unit] = match;
  if (!unit) return { ok: true, value: Number(number), unit, scale: 1 };
  const kind = (Object.keys(UNITS_BY_KIND) as QuantityKind[]).find((k) => unit in UNITS_BY_KIND[k]);
  if (!kind) return { ok: false, reason: `"${input}" has an unknown unit "${unit}"` };
  const scale = UNITS_BY_KIND[kind][unit];
  return { ok: true, value: Number(number) * scale, unit, kind, scale };
}

/** Bytes. A bare number is bytes. */
export function parseSize(input: unknown): Parsed {
  const parsed = withUnit(input, SIZE_UNITS, 'size', '64MiB', 'B');
  if (parsed.ok && !Number.isInteger(parsed.value)) return { ok: false, reason: `size "${String(input)}" is not a whole number of bytes` };
  return parsed;
}

/** Nanoseconds. A unit is required: "1ms", not 1. */
export function parseDuration(input: unknown): Parsed {
  return withUnit(input, DURATION_UNITS, 'duration', '1ms');
}

/** Nanoseconds above zero, for limits: a limit of 0 would read as no limit at all. */
export function parsePositiveDuration(input: unknown): Parsed {
  const parsed = parseDuration(input);
  if (parsed.ok && parsed.value <= 0) return { ok: false, reason: `duration "${String(input)}" must be above zero` };
  return parsed;
}

/** Hertz. A bare number is hertz. */
export function parseFrequency(input: unknown): Parsed {
  const parsed = withUnit(input, FREQUENCY_UNITS, 'frequency', '2GHz', 'Hz');
  if (parsed.ok && parsed.value <= 0) return { ok: false, reason: 'frequency must be above zero' };
  return parsed;
}

/** A count such as 1e9 or "1e9": a non-negative integer. */
export function parseCount(input: unknown): Parsed {
  const value = typeof input === 'string' && /^\s*\d+(\.\d+)?([eE]\+?\d+)?\s*$/.test(input) ? Number(input) : input;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || !Number.isSafeInteger(value))
    return { ok: false, reason: `bad count "${String(input)}": expected a whole number such as 1000 or 1e9` };
  return { ok: true, value };
}

/** Simulated-time limit in picosecond ticks: a duration with a unit, or a bare number of ticks. */
export function parseTicks(input: unknown): Parsed {
  if (typeof input === 'number') return parseCount(input);
  const ns = parseDuration(input);
  return ns.ok ? { ok: true, value: Math.round(ns.value * 1000) } : ns;
}

/** A guest-physical address or port: an integer or a "0x..." string. */
export function parseAddress(input: unknown): Parsed {
  if (typeof input === 'number' && Number.isSafeInteger(input) && input >= 0) return { ok: true, value: input };
  if (typeof input === 'string' && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(input.trim())) return { ok: true, value: Number(input.trim()) };
  return { ok: false, reason: `bad address "${String(input)}": expected an integer or a hex string like 0xd0000000` };
}

/**
 * Whole seconds since 1970-01-01T00:00:00Z: an ISO 8601 UTC time such as
 * "2024-01-01T00:00:00Z", or a bare number of seconds. For SE mode's epoch.
 */
export function parseInstant(input: unknown): Parsed {
  if (typeof input === 'number') {
    const count = parseCount(input);
    return count.ok ? count : { ok: false, reason: `bad time "${input}": expected seconds since 1970 or "2024-01-01T00:00:00Z"` };
  }
  const text = typeof input === 'string' ? input : '';
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || new Date(ms).toISOString().replace('.000', '') !== text)
    return { ok: false, reason: `bad time "${String(input)}": expected a UTC time such as "2024-01-01T00:00:00Z" (from 1970 on)` };
  return { ok: true, value: ms / 1000 };
}

/** The unit parsers by JSON Schema format name (schemas/experiment.schema.json uses these formats). */
export const UNIT_FORMATS = {
  size: parseSize,
  duration: parseDuration,
  positiveDuration: parsePositiveDuration,
  frequency: parseFrequency,
  count: parseCount,
  ticks: parseTicks,
  address: parseAddress,
  instant: parseInstant,
} as const;

export type UnitFormat = keyof typeof UNIT_FORMATS;

/**
 * The schema's `unit` keyword: a format, or a format with bounds written in
 * its own units ({format: size, minimum: 2MiB, maximum: 3GiB}), so that a
 * range is stated once, in the schema, in the units a file uses.
 */
export type UnitRule =
  | UnitFormat
  | {
      format: UnitFormat;
      minimum?: string;
      maximum?: string;
      multipleOf?: string;
      /** 0 is allowed whatever the bounds, and means this (e.g. "no time series"). */
      zeroMeans?: string;
      /** Why the bounds are what they are; ends every message about them. */
      why?: string;
    };

function between(rule: Exclude<UnitRule, UnitFormat>): string {
  const { minimum, maximum, zeroMeans } = rule;
  const range = minimum !== undefined && maximum !== undefined ? `between ${minimum} and ${maximum}` : minimum !== undefined ? `at least ${minimum}` : `at most ${maximum}`;
  return zeroMeans === undefined ? range : `${range}, or 0 for ${zeroMeans}`;
}

/** The parser for a rule, its bounds parsed once; a bound its own format refuses is a mistake in the schema. */
export function unitParser(rule: UnitRule): (input: unknown) => Parsed {
  if (typeof rule === 'string') return UNIT_FORMATS[rule];
  const parse = UNIT_FORMATS[rule.format];
  const bound = (text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const parsed = parse(text);
    if (!parsed.ok) throw new Error(`internal: the schema's bound "${text}" is not a ${rule.format}: ${parsed.reason}`);
    return parsed.value;
  };
  const [minimum, maximum, multipleOf] = [bound(rule.minimum), bound(rule.maximum), bound(rule.multipleOf)];
  const refused = (input: unknown, condition: string): Parsed => ({
    ok: false,
    reason: `${rule.format} "${String(input)}" must be ${condition}${rule.why === undefined ? '' : `: ${rule.why}`}`,
  });
  return (input) => {
    const parsed = parse(input);
    if (!parsed.ok || (parsed.value === 0 && rule.zeroMeans !== undefined)) return parsed;
    if ((minimum !== undefined && parsed.value < minimum) || (maximum !== undefined && parsed.value > maximum)) return refused(input, between(rule));
    if (multipleOf !== undefined && parsed.value % multipleOf !== 0) return refused(input, `a multiple of ${rule.multipleOf}`);
    return parsed;
  };
}
