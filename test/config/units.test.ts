// One units module: sweep ranges take every unit a value may be written in,
// and the bounds the schema states in units are the ones the core enforces.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDuration, parseFrequency, parseQuantity, parseSize, unitParser, type UnitRule } from '../../src/config/units.js';
import { nativeCore } from '../../src/native/addon.js';
import { expandRange } from '../../src/sweep/ranges.js';
import { ROOT } from '../support/cli.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'schemas/experiment.schema.json'), 'utf8'));
const memoryRule: Extract<UnitRule, object> = schema.definitions.guest.properties.memory.unit;
const dumpEveryRule: Extract<UnitRule, object> = schema.definitions.stats.properties.dumpEvery.unit;

describe('sweep ranges read units with the parsers values are read with', () => {
  it.each([
    [{ from: '1min', to: '3min', step: '1min' }, ['1min', '2min', '3min']],
    [{ from: '1h', to: '2h', step: '30min' }, ['1h', '1.5h', '2h']],
    [{ from: '1TiB', to: '2TiB', step: '512GiB' }, ['1TiB', '1.5TiB', '2TiB']],
    [{ from: '1TB', to: '100TB', factor: 10 }, ['1TB', '10TB', '100TB']],
    [{ from: -2, to: 2, step: 2 }, [-2, 0, 2]],
  ])('%o', (range, values) => {
    expect(expandRange(range)).toEqual(values);
  });

  it.each([
    ['1min', parseDuration],
    ['2h', parseDuration],
    ['1µs', parseDuration],
    ['3TiB', parseSize],
    ['2TB', parseSize],
    ['1.5GHz', parseFrequency],
  ])('%s is the same quantity to a range as to a value', (text, parse) => {
    const quantity = parseQuantity(text);
    expect(quantity.ok && quantity.value).toBe((parse(text) as { value: number }).value);
  });

  it('says what is wrong with a bound', () => {
    expect(() => expandRange({ from: '1fortnight', to: '2min', step: '1min' })).toThrow('from "1fortnight" has an unknown unit "fortnight"');
    expect(() => expandRange({ from: '1min', to: '2MiB', step: '1min' })).toThrow('from and to must have units of the same kind');
  });
});

describe('bounds in the schema, in units', () => {
  const memory = unitParser(memoryRule);

  it('guest.memory is what the core takes: 2MiB to 3GiB, whole 4KiB pages', () => {
    expect(memory('2MiB')).toEqual({ ok: true, value: 2 * 2 ** 20 });
    expect(memory('3GiB')).toEqual({ ok: true, value: 3 * 2 ** 30 });
    const core = nativeCore();
    const hello = join(ROOT, 'native/guests/build/hello.elf');
    const coreRefuses = (bytes: number) => {
      try {
        core.checkImage({ imagePath: hello, imageFormat: 'elf', memoryBytes: bytes });
        return false;
      } catch (error) {
        return (error as { code?: string }).code === 'memory-size';
      }
    };
    expect(coreRefuses(2 * 2 ** 20)).toBe(false);
    for (const bytes of [2 * 2 ** 20 - 4096, 3 * 2 ** 30 + 4096, 2 * 2 ** 20 + 1]) {
      expect(memory(bytes).ok, `${bytes} bytes`).toBe(false);
      expect(coreRefuses(bytes), `${bytes} bytes`).toBe(true);
    }
  });

  it('stats.dumpEvery starts at the core minimum, and 0 is none', () => {
    const dumpEvery = unitParser(dumpEveryRule);
    expect(parseDuration(dumpEveryRule.minimum)).toEqual({ ok: true, value: nativeCore().minDumpEveryNs });
    expect(dumpEvery('0s')).toEqual({ ok: true, value: 0 });
    expect(dumpEvery('999us')).toMatchObject({ ok: false });
  });
});
