/* hypercall: count=N "add" hypercalls by port, adding 1, 2, ..., N; the
 * host's running sum must come back as N(N+1)/2 (mod 2^32), else exit 1. */
#include "kx.h"

int main(void) {
  uint64_t count = kx_arg_u64("count", 1000);
  uint32_t sum = 0, expected = 0;
  for (uint64_t i = 1; i <= count; i++) {
    sum = kx_hypercall(2 /* add */, (uint32_t)i);
    expected += (uint32_t)i;
  }
  kx_printf("hypercall: calls=%lu sum=%u expected=%u\n", count, sum, expected);
  return sum == expected ? 0 : 1;
}
