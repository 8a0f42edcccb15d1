/* vector-loop: count=N rounds that keep a running sum in %xmm0 and %xmm1
 * and never spill it to memory, so the sum is right only if the vector
 * registers survive every exit and timer kick the run takes (alwaysSyncTC
 * writes them back before each entry). Prints both lanes' sums. */
#include "kx.h"

int main(void) {
  uint64_t rounds = kx_arg_u64("count", 1000000);
  uint64_t lo, hi;
  __asm__ volatile(
      "pxor %%xmm0, %%xmm0\n\t"
      "mov $1, %%eax\n\t"
      "movq %%rax, %%xmm1\n\t"         /* xmm1 = {1, 0} */
      "mov $3, %%eax\n\t"
      "movq %%rax, %%xmm2\n\t"
      "pslldq $8, %%xmm2\n\t"
      "por %%xmm2, %%xmm1\n\t"         /* xmm1 = {1, 3}: the step per round */
      "1:\n\t"
      "paddq %%xmm1, %%xmm0\n\t"
      "dec %[n]\n\t"
      "jnz 1b\n\t"
      "movq %%xmm0, %[lo]\n\t"
      "punpckhqdq %%xmm0, %%xmm0\n\t"
      "movq %%xmm0, %[hi]\n\t"
      : [lo] "=r"(lo), [hi] "=r"(hi), [n] "+r"(rounds)
      :
      : "rax", "cc"); /* -mgeneral-regs-only: the compiler keeps nothing in vector registers */
  kx_printf("vector-loop: lanes=%lu,%lu\n", lo, hi);
  return 0;
}
