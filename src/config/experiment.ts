// The normalized form of one experiment point: every unit converted, every
// default filled in, both read off the schema, where each parameter is
// declared once. Built only from data the schema has already accepted.
import { experimentSchema } from './schema.js';
import { UNIT_FORMATS, type UnitRule } from './units.js';
import type { NormalizedPoint } from './experiment.generated.js';

export type { NormalizedPoint } from './experiment.generated.js';
export type Zone = NonNullable<NormalizedPoint['cpu']['coalescedMMIO']>[number];

type Raw = Record<string, any>;
type SchemaNode = Record<string, any>;

// Kept in step with POINT_SECTIONS in scripts/config-types.mjs, which types the result.
export const SECTIONS = ['guest', 'cpu', 'limits', 'machine', 'devices', 'checkpoint', 'stats', 'se'] as const;

function resolve(node: SchemaNode): SchemaNode {
  if (node.$ref === undefined) return node;
  return experimentSchema().definitions[String(node.$ref).replace('#/definitions/', '')];
}

function converted(rule: UnitRule, value: unknown): number {
  const format = typeof rule === 'string' ? rule : rule.format;
  const parsed = UNIT_FORMATS[format](value);
  // The schema ran the same parser already; failing here is a bug, not bad input.
  if (!parsed.ok) throw new Error(`internal: ${format} "${String(value)}" passed validation but does not parse`);
  return parsed.value;
}

function normalized(raw: SchemaNode, value: unknown): unknown {
  const node = resolve(raw);
  if (node.properties !== undefined) {
    const given = (value ?? {}) as Raw;
    const out: Raw = {};
    for (const [key, child] of Object.entries(node.properties as Record<string, SchemaNode>)) {
      const v = normalized(child, given[key]);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }
  // A default is written as a file would write it (64MiB), so it goes through the same conversion.
  const v = value ?? structuredClone(node.default);
  if (v === undefined) return undefined;
  if (node.unit !== undefined) return converted(node.unit, v);
  if (node.type === 'array' && Array.isArray(v)) return v.map((item) => normalized(node.items, item));
  return v;
}

export function normalizePoint(doc: Raw): NormalizedPoint {
  const schema = experimentSchema();
  return Object.fromEntries(SECTIONS.map((section) => [section, normalized(schema.properties[section], doc[section])])) as unknown as NormalizedPoint;
}

/** One parameter of a point as the schema declares it: a value, a list of zones, or a map. */
export interface Parameter {
  /** Dotted, as in YAML and the CSV: cpu.timer.quantum. */
  path: string;
  node: SchemaNode;
}

/** Every parameter of a point, in schema order: the leaves below the point's sections. */
export function pointParameters(): Parameter[] {
  const walk = (raw: SchemaNode, path: string[]): Parameter[] => {
    const node = resolve(raw);
    if (node.properties === undefined) return [{ path: path.join('.'), node }];
    return Object.entries(node.properties as Record<string, SchemaNode>).flatMap(([key, child]) => {
      const c = resolve(child);
      // A list of zones is one parameter, not a walk into its items.
      return c.type === 'array' ? [{ path: [...path, key].join('.'), node: c }] : walk(child, [...path, key]);
    });
  };
  const schema = experimentSchema();
  return SECTIONS.flatMap((section) => walk(schema.properties[section], [section]));
}

/** What the schema declares as the default of a dotted parameter path, as a file would write it. */
export function schemaDefault(path: string): unknown {
  let node: SchemaNode = experimentSchema();
  for (const key of path.split('.')) node = resolve(node.properties?.[key] ?? {});
  return node.default;
}

/** guest.args as the guest reads it: "key=value key=value", in file order. */
export function argsString(args: NormalizedPoint['guest']['args']): string {
  return Object.entries(args)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(' ');
}
