/* hello: the smallest useful guest: one line on the console, exit 0. */
#include "kx.h"

int main(void) {
  kx_printf("hello from ring 3 (guest.args: \"%s\")\n", kx_args());
  return 0;
}
