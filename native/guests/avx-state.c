/* avx-state: every vector register the CPU has (ymm0-15 with AVX; zmm0-31
 * and k1-k7 with AVX-512) holds a pattern across gem5's m5 checkpoint
 * (include/vector_state.h). Prints what was kept, or the first lane that
 * changed. native/guests/se/avx-state.c is the same check in SE mode. */
#include "kx.h"
#include "vector_state.h"

static struct vector_state v;

int main(void) {
  uint64_t xcr0;
  int level = vector_state_level(&xcr0);
  if (level == 0) {
    kx_printf("avx-state: no AVX here (xcr0 %lx)\n", xcr0);
    return 0;
  }
  vector_state_pattern(&v);
  int reg, lane;
  if (level == 1) vector_state_ymm(&v);
  else vector_state_zmm(&v);
  if (!vector_state_kept(&v, level == 1 ? 16 : 32, level == 1 ? 4 : 8, &reg, &lane)) {
    kx_printf("avx-state: %s%d lane %d is %lx, expected %lx\n", level == 1 ? "ymm" : "zmm", reg, lane, v.seen[reg][lane], v.expected[reg][lane]);
    return 1;
  }
  for (int k = 1; level == 2 && k < 8; k++)
    if (v.masks_seen[k] != v.masks[k]) {
      kx_printf("avx-state: k%d is %x, expected %x\n", k, v.masks_seen[k], v.masks[k]);
      return 1;
    }
  kx_printf(level == 1 ? "avx-state: ymm0-15 kept\n" : "avx-state: zmm0-31 and k1-k7 kept\n");
  return 0;
}
