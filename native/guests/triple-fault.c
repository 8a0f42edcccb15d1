/* triple-fault: raises #UD with no exception gates in the IDT, which
 * escalates to a triple fault and a KVM_EXIT_SHUTDOWN. */
#include "kx.h"

int main(void) {
  kx_puts("triple-fault: executing ud2\n");
  __asm__ volatile("ud2");
  return 0;
}
