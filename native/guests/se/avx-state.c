/* avx-state: the SE twin of native/guests/avx-state.c. Every vector
 * register the CPU offers (ymm0-15, or zmm0-31 and k1-k7) holds a pattern
 * across gem5's m5 checkpoint (include/vector_state.h); prints what was
 * kept, or the first lane that changed (exit 1). Only under SE: natively
 * the m5ops window is not mapped. */
#include <stdio.h>

#include "vector_state.h"

VECTOR_STATE_MAIN(printf)
