// gem5's m5ops in address mode (0xffff0000, operation << 8, arguments in
// registers) from a full-system guest: the region of interest is what the
// statistics count, and m5_exit / m5_fail end the run as gem5 would.
import { describe, expect, it } from 'vitest';
import { num, runExperiment } from '../support/experiment-run.js';
import { HAS_KVM, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';

describe.skipIf(!HAS_KVM)('m5ops from a full-system guest', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it('reset_stats starts the region, work_begin/end are counted, m5_exit is ok and m5_fail carries its code', async () => {
    const rounds = 40;
    const { table, runFile } = await runExperiment(
      ['name: m5', `guest: { program: m5ops, args: { count: ${rounds} } }`, 'sweep:', '  guest.args.code: [0, 7]'].join('\n'),
    );
    // Rows are written as runs finish, in either order.
    const exit = table.rows.find((row) => row['guest.args.code'] === '0')!;
    const fail = table.rows.find((row) => row['guest.args.code'] === '7')!;
    expect(exit).toMatchObject({ status: 'ok', exit_cause: 'm5-exit' });
    expect(fail).toMatchObject({ status: 'failed', exit_cause: 'm5-fail', error: 'the guest called m5_fail with code 7' });
    for (const row of table.rows) {
      // After the reset: work_begin, work_end, dump_stats, and exit or fail (and exit, not reached).
      expect(num(row, 'm5ops.calls')).toBe(4);
      expect(num(row, 'm5ops.workBegin')).toBe(1);
      expect(num(row, 'm5ops.workEnd')).toBe(1);
      // The write before reset_stats is gone from the counts; the region's are all there.
      expect(num(row, 'pioSink.writes')).toBe(rounds);
      expect(num(row, 'numMMIO')).toBe(4);
      expect(await runFile(row, 'console.log')).toContain(`m5ops: rounds=${rounds}`);
      // dump_stats wrote a block of its own before the final one.
      expect((await runFile(row, 'stats.txt')).match(/Begin Simulation Statistics/g)).toHaveLength(2);
    }
  });
});
