// One declaration per parameter: the schema states each one's name, type,
// unit, range, default and doc; the TypeScript type and the normalized
// defaults are read off it, and the core's own starting values must agree.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script, untyped
import { configTypes, DOC_PATH, OUTPUT_PATH, parametersDoc, POINT_SECTIONS, SCHEMA_PATH } from '../../scripts/config-types.mjs';
import { normalizePoint, pointParameters, schemaDefault, SECTIONS } from '../../src/config/experiment.js';
import { nativeCore } from '../../src/native/addon.js';

const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));

describe('the parameter declarations', () => {
  const params = pointParameters().map(({ path, node }) => [path, node] as const);

  it('types NormalizedPoint and documents the parameters from the schema; the checked-in files are current (npm run build:ts regenerates them)', () => {
    expect(readFileSync(OUTPUT_PATH, 'utf8')).toBe(configTypes(schema));
    expect(readFileSync(DOC_PATH, 'utf8')).toBe(parametersDoc(schema));
    expect(SECTIONS).toEqual(POINT_SECTIONS);
  });

  it('gives every parameter a one-line description', () => {
    const undocumented = params.filter(([, node]) => typeof node.description !== 'string' || node.description.includes('\n'));
    expect(undocumented.map(([path]) => path)).toEqual([]);
  });

  it('fills every default from the schema, converted through its unit', () => {
    const point = normalizePoint({ guest: { program: 'hello' } });
    expect(point.guest.memory).toBe(64 * 2 ** 20);
    expect(point.cpu.timer.quantum).toBe(1e6);
    expect(point.cpu.clock).toBe(2e9);
    expect(point.limits.wallTimeout).toBe(60e9);
    expect(point.limits.maxTicks).toBeUndefined();
    for (const [path, node] of params.filter(([p]) => p !== 'guest.program')) {
      const value = path.split('.').reduce<any>((o, key) => o?.[key], point);
      if (node.default === undefined) expect(value, path).toBeUndefined();
      else expect(value, path).not.toBeUndefined();
    }
    expect(schemaDefault('repeat')).toBe(1);
  });

  it('keeps the core’s own starting values equal to the schema’s defaults', () => {
    const point = normalizePoint({ guest: { program: 'hello' } });
    const core = nativeCore().coreDefaults();
    expect(core.memoryBytes).toBe(point.guest.memory);
    expect(core.cpu).toEqual({
      hostFactor: point.cpu.hostFactor,
      clock: point.cpu.clock,
      timer: { quantum: point.cpu.timer.quantum },
      alwaysSyncTC: point.cpu.alwaysSyncTC,
      useCoalescedMMIO: point.cpu.useCoalescedMMIO,
    });
    // No limit and no time series unless asked: 0 in the core, absent in a point.
    expect([core.maxTicks, core.maxInsts, core.dumpEveryTicks]).toEqual([0, 0, 0]);
    expect(core.unclaimedAccess).toBe(point.devices.unclaimedAccess);
  });
});
