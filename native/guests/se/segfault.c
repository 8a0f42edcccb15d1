/* segfault: an unhandled page fault on an unmapped user address.
 *
 *   segfault
 *
 * Prints "segfault: writing to 0xdead000", flushes stdout, then stores to
 * address 0xdead000, which nothing maps natively: static binaries are
 * loaded at 0x400000, PIE and shared objects near 0x55.../0x7f...; the
 * kernel starts the heap at a random page up to 1 GiB above the binary,
 * but this program's heap is a few KiB, so the chance that it covers
 * 0xdead000 is about 1e-5.  (Under SE the runner chooses the layout.)
 * Natively the process dies of SIGSEGV (shell status 139); under SE the
 * runner must stop the run and report the faulting address 0xdead000 (a
 * write, from user mode).  If the store somehow succeeds the program says
 * so and exits 1.
 */
#include <stdint.h>
#include <stdio.h>

#define TARGET 0xdead000UL

int main(void) {
  printf("segfault: writing to %#lx\n", TARGET);
  fflush(stdout);
  *(volatile uint32_t *)TARGET = 0x5eaf00d;
  printf("segfault: the write succeeded (unexpected)\n");
  return 1;
}
