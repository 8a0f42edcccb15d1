/* page-fault: reads an address beyond the 4 GiB the page tables map. The
 * runtime's handler reports the #PF (vector 14, cr2) to sim-control. */
#include "kx.h"

int main(void) {
  kx_puts("page-fault: reading 0x100000000\n");
  return (int)*(volatile uint32_t *)0x100000000ul;
}
