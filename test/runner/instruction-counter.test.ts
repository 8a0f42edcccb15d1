// How committedInsts gets counted, for hosts with and without a PMU. The
// perf probe result is injected: this host has no PMU, users' nodes do.
import { describe, expect, it } from 'vitest';
import { normalizePoint } from '../../src/config/experiment.js';
import { decideInstructionCounter } from '../../src/runner/instruction-counter.js';

const pmu = { errno: 0, error: '', cause: '' };
const noPmu = { errno: 2, error: 'perf_event_open: No such file or directory (errno 2)', cause: 'this CPU exposes no hardware PMU to us' };
const paranoid = { errno: 13, error: 'perf_event_open: Permission denied (errno 13)', cause: 'perf_event_paranoid forbids it' };

function decide(cpu: Record<string, unknown>, perf: typeof pmu, limits: Record<string, unknown> = {}, checkpoint: Record<string, unknown> = {}) {
  return decideInstructionCounter(normalizePoint({ guest: { program: 'hello' }, cpu, limits, checkpoint }), perf);
}

describe('instruction counter decision', () => {
  it('auto uses perf where a PMU opens', () => {
    expect(decide({}, pmu)).toEqual({ ok: true, counter: 'perf', note: undefined });
  });

  it('auto falls back to none without a PMU, and says so', () => {
    const d = decide({}, noPmu);
    expect(d).toMatchObject({ ok: true, counter: 'none' });
    expect(d.ok && d.note).toContain('no guest instruction counter (perf_event_open: No such file or directory (errno 2)');
  });

  it('usePerf: true without a PMU is an error naming errno and cause', () => {
    const d = decide({ usePerf: true }, paranoid);
    expect(d).toMatchObject({ ok: false, field: ['cpu', 'usePerf'] });
    expect(!d.ok && d.message).toContain('Permission denied (errno 13): perf_event_paranoid forbids it');
  });

  it('instructionCounter: perf without a PMU points at instructionCounter', () => {
    expect(decide({ instructionCounter: 'perf' }, noPmu)).toMatchObject({ ok: false, field: ['cpu', 'instructionCounter'] });
  });

  it('singlestep is honoured with or without a PMU', () => {
    expect(decide({ instructionCounter: 'singlestep' }, noPmu)).toMatchObject({ ok: true, counter: 'singlestep' });
    expect(decide({ instructionCounter: 'singlestep' }, pmu)).toMatchObject({ ok: true, counter: 'singlestep' });
  });

  it('usePerf: false means no counter even with a PMU', () => {
    expect(decide({ usePerf: false }, pmu)).toMatchObject({ ok: true, counter: 'none' });
  });

  it('maxInsts without any counter is an error', () => {
    expect(decide({}, noPmu, { maxInsts: 1000 })).toMatchObject({ ok: false, field: ['limits', 'maxInsts'], message: expect.stringContaining('this host has no PMU') });
    expect(decide({ instructionCounter: 'none' }, pmu, { maxInsts: 1000 })).toMatchObject({ ok: false, message: expect.stringContaining('this file turns counting off') });
    expect(decide({ instructionCounter: 'singlestep' }, noPmu, { maxInsts: 1000 })).toMatchObject({ ok: true });
  });

  it('checkpoint.atInsts without any counter is an error, at its key', () => {
    expect(decide({}, noPmu, {}, { atInsts: 500 })).toMatchObject({
      ok: false,
      field: ['checkpoint', 'atInsts'],
      message: 'checkpoint.atInsts needs an instruction counter, and this host has no PMU: set cpu.instructionCounter: singlestep',
    });
    expect(decide({ instructionCounter: 'singlestep' }, noPmu, {}, { atInsts: 500 })).toMatchObject({ ok: true, counter: 'singlestep' });
  });

});
