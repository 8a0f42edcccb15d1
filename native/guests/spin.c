/* spin: never ends, never exits to the host. For timeouts and tick limits. */
#include "kx.h"

int main(void) {
  kx_puts("spin: looping forever\n");
  for (;;) __asm__ volatile("" ::: "memory");
}
