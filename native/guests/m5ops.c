/* m5ops: gem5's m5ops from a full-system guest, the same header SE programs
 * use (include/m5ops.h): count=N rounds of work between reset_stats and
 * dump_stats, a work_begin/work_end pair, then m5_exit, or m5_fail with
 * code=C when C is given. */
#include "kx.h"
#include "m5ops.h"

int main(void) {
  uint64_t rounds = kx_arg_u64("count", 100);
  uint64_t code = kx_arg_u64("code", 0);
  kx_outb(KX_SINK_PORT, 0); /* one port write before the region: reset_stats must clear it */
  m5_reset_stats(0, 0);
  m5_work_begin(1, 0);
  for (uint64_t i = 0; i < rounds; i++) kx_outb(KX_SINK_PORT, (uint8_t)i);
  m5_work_end(1, 0);
  m5_dump_stats(0, 0);
  kx_printf("m5ops: rounds=%lu\n", rounds);
  if (code != 0) m5_fail(0, code);
  m5_exit(0);
  kx_printf("m5ops: m5_exit returned\n");
  return 1;
}
