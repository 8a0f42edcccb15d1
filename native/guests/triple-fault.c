/* triple-fault: empties the IDT (guest memory is user-writable) and raises
 * #UD: with no gate for it, nor for the #GP and #DF that follow, the CPU
 * shuts down: KVM_EXIT_SHUTDOWN. */
#include "kx.h"

int main(void) {
  kx_puts("triple-fault: clearing the IDT, then ud2\n");
  volatile uint64_t *idt = (volatile uint64_t *)0x2000;
  for (int i = 0; i < 256 * 2; i++) idt[i] = 0;
  __asm__ volatile("ud2");
  return 0;
}
