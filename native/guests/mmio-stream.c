/* mmio-stream: count=N 32-bit MMIO writes of 0, 1, 2, ... to the sink.
 * Prints nothing: the run's MMIO is exactly these N writes. */
#include "kx.h"

int main(void) {
  uint64_t count = kx_arg_u64("count", 1000);
  for (uint64_t i = 0; i < count; i++) kx_mmio_write32(KX_SINK_MMIO, (uint32_t)i);
  return 0;
}
