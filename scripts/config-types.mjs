#!/usr/bin/env node
// Writes, from schemas/experiment.schema.json, where each parameter is
// declared once (name, type, unit, range, default, doc):
// - src/config/experiment.generated.ts, the TypeScript type of a normalized
//   point, so the code that reads a parameter is checked against it;
// - docs/parameters.md, the table of parameters for users.
// `npm run build:ts` runs it first; test/config/parameters.test.ts fails when
// a checked-in file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const SCHEMA_PATH = join(root, 'schemas/experiment.schema.json');
export const OUTPUT_PATH = join(root, 'src/config/experiment.generated.ts');
export const DOC_PATH = join(root, 'docs/parameters.md');

/** The sections of an experiment that make up one point's parameters. */
export const POINT_SECTIONS = ['guest', 'cpu', 'limits', 'machine', 'devices', 'checkpoint', 'stats', 'se'];

function resolve(schema, node) {
  if (node.$ref === undefined) return node;
  const name = node.$ref.replace('#/definitions/', '');
  return schema.definitions[name];
}

function typeOf(schema, raw, indent) {
  const node = resolve(schema, raw);
  // Every value with a unit is a plain number once normalized (bytes, ns, Hz, ps).
  if (node.unit !== undefined) return 'number';
  if (node.enum !== undefined) return node.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (node.properties !== undefined) return objectType(schema, node, indent);
  if (node.oneOf !== undefined) return node.oneOf.map((alternative) => typeOf(schema, alternative, indent)).join(' | ');
  if (node.type === 'array') return `Array<${typeOf(schema, node.items, indent)}>`;
  if (node.type === 'object') return `Record<string, ${typeOf(schema, node.additionalProperties, indent)}>`;
  const types = [node.type].flat().map((t) => (t === 'integer' ? 'number' : t));
  return [...new Set(types)].join(' | ');
}

function objectType(schema, node, indent) {
  const inner = `${indent}  `;
  const lines = Object.entries(node.properties).map(([key, child]) => {
    const resolved = resolve(schema, child);
    const doc = resolved.description === undefined ? '' : `${inner}/** ${resolved.description.replace(/\*\//g, '*\\/')} */\n`;
    // A required value, one with a default, or an object (always built) is always there.
    const always = node.required?.includes(key) || resolved.default !== undefined || resolved.properties !== undefined;
    return `${doc}${inner}${key}${always ? '' : '?'}: ${typeOf(schema, child, inner)};`;
  });
  return `{\n${lines.join('\n')}\n${indent}}`;
}

export function configTypes(schema) {
  const sections = POINT_SECTIONS.map((name) => `  ${name}: ${typeOf(schema, schema.properties[name], '  ')};`);
  return [
    '// Generated from schemas/experiment.schema.json by scripts/config-types.mjs: do not edit.',
    '// One experiment point as the runner uses it: every unit converted to a number',
    '// (bytes, ns, Hz, ps ticks), every default the schema declares filled in.',
    '',
    'export interface NormalizedPoint {',
    ...sections,
    '}',
    '',
  ].join('\n');
}

function rows(schema, raw, path) {
  const node = resolve(schema, raw);
  if (node.properties !== undefined && node.type !== 'array')
    return Object.entries(node.properties).flatMap(([key, child]) => rows(schema, child, [...path, key]));
  const rule = node.unit;
  const kind =
    rule !== undefined
      ? typeof rule === 'string' ? rule : rule.format
      : node.enum !== undefined ? node.enum.map((v) => `\`${v}\``).join(', ')
      : node.type === 'array' ? `list of ${node.items.$ref ? node.items.$ref.replace('#/definitions/', '') : node.items.type}s` : [node.type].flat().join(' or ');
  const range = [];
  if (rule?.minimum !== undefined) range.push(`>= ${rule.minimum}`);
  if (rule?.maximum !== undefined) range.push(`<= ${rule.maximum}`);
  if (rule?.multipleOf !== undefined) range.push(`multiple of ${rule.multipleOf}`);
  if (rule?.zeroMeans !== undefined) range.push(`0: ${rule.zeroMeans}`);
  if (node.exclusiveMinimum !== undefined) range.push(`> ${node.exclusiveMinimum}`);
  const fallback = node.default === undefined ? 'none' : `\`${JSON.stringify(node.default).replace(/^"|"$/g, '')}\``;
  const cell = (text) => String(text).replace(/\|/g, '\\|');
  return [`| \`${path.join('.')}\` | ${cell(kind)} | ${cell(fallback)} | ${cell(range.join(', '))} | ${cell(node.description ?? '')} |`];
}

export function parametersDoc(schema) {
  return [
    '<!-- Generated from schemas/experiment.schema.json by scripts/config-types.mjs: do not edit. -->',
    '# Experiment parameters',
    '',
    'Every key of a point, as `sweep:` and the CSV name it. Units are written as in a file',
    '(`64MiB`, `250us`, `2GHz`); the CSV has each value with a unit once more as a plain number',
    'in its base unit (`guest.memory_bytes`, `cpu.timer.quantum_ns`, `cpu.clock_hz`).',
    '',
    '| key | type or unit | default | range | meaning |',
    '| --- | --- | --- | --- | --- |',
    ...POINT_SECTIONS.flatMap((section) => rows(schema, schema.properties[section], [section])),
    '',
  ].join('\n');
}

function writeIfChanged(path, text) {
  let current = '';
  try {
    current = readFileSync(path, 'utf8');
  } catch {}
  if (current !== text) writeFileSync(path, text);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
  writeIfChanged(OUTPUT_PATH, configTypes(schema));
  writeIfChanged(DOC_PATH, parametersDoc(schema));
}
