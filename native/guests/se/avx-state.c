/* avx-state: the SE twin of native/guests/avx-state.c. Every vector
 * register the CPU offers (ymm0-15, or zmm0-31 and k1-k7) holds a pattern
 * across gem5's m5 checkpoint (include/vector_state.h); prints what was
 * kept, or the first lane that changed (exit 1). Only under SE: natively
 * the m5ops window is not mapped. */
#include <stdio.h>

#include "vector_state.h"

static struct vector_state v;

int main(void) {
  uint64_t xcr0;
  int level = vector_state_level(&xcr0);
  if (level == 0) {
    printf("avx-state: no AVX here (xcr0 %lx)\n", (unsigned long)xcr0);
    return 0;
  }
  vector_state_pattern(&v);
  int reg, lane;
  if (level == 1) vector_state_ymm(&v);
  else vector_state_zmm(&v);
  if (!vector_state_kept(&v, level == 1 ? 16 : 32, level == 1 ? 4 : 8, &reg, &lane)) {
    printf("avx-state: %s%d lane %d is %lx, expected %lx\n", level == 1 ? "ymm" : "zmm", reg, lane, (unsigned long)v.seen[reg][lane],
           (unsigned long)v.expected[reg][lane]);
    return 1;
  }
  for (int k = 1; level == 2 && k < 8; k++)
    if (v.masks_seen[k] != v.masks[k]) {
      printf("avx-state: k%d is %x, expected %x\n", k, v.masks_seen[k], v.masks[k]);
      return 1;
    }
  puts(level == 1 ? "avx-state: ymm0-15 kept" : "avx-state: zmm0-31 and k1-k7 kept");
  return 0;
}
