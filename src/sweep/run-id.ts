// A run's identity: a hash of what the run is (its experiment name, its
// normalized configuration and its repeat index), so that editing one point
// of a sweep renames no other, and --resume can trust ids across edits.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so equal values always hash equally. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

export function runId(experiment: string, normalized: unknown, repeat: number): string {
  return createHash('sha256').update(canonical({ experiment, normalized, repeat })).digest('hex').slice(0, 16);
}
