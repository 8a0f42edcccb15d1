/* avx-state: every vector register the CPU has (ymm0-15 with AVX; zmm0-31
 * and k1-k7 with AVX-512) holds a pattern across gem5's m5 checkpoint
 * (include/vector_state.h). Prints what was kept, or the first lane that
 * changed. native/guests/se/avx-state.c is the same check in SE mode. */
#include "kx.h"
#include "vector_state.h"

VECTOR_STATE_MAIN(kx_printf)
