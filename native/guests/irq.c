/* irq: count=N timer interrupts, period_us=P apart in simulated time,
 * halting in between. Prints how many interrupts it took itself, for a test
 * to compare with the host's numInterrupts. vector=2 asks for NMIs instead,
 * which the runtime reports as an unhandled exception. */
#include "kx.h"

int main(void) {
  uint64_t count = kx_arg_u64("count", 100);
  uint64_t halts = 0;
  kx_outl(KX_TIMER_PORT + 0x8, (uint32_t)kx_arg_u64("vector", 32));
  kx_timer_start((uint32_t)kx_arg_u64("period_us", 10000));
  while (kx_interrupts() < count) {
    kx_wait_for_interrupt();
    halts++;
  }
  kx_timer_stop();
  kx_printf("irq: interrupts=%lu halts=%lu\n", kx_interrupts(), halts);
  return 0;
}
