/* pio-stream: count=N 32-bit port writes of 0, 1, 2, ... to the sink.
 * Prints nothing, so the run's port IO is exactly N writes plus the
 * runtime's one sim-control exit write. */
#include "kx.h"

int main(void) {
  uint64_t count = kx_arg_u64("count", 1000);
  for (uint64_t i = 0; i < count; i++) kx_outl(KX_SINK_PORT, (uint32_t)i);
  return 0;
}
