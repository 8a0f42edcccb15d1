/* avx-state: fills every vector register the CPU has (ymm0-15 with AVX;
 * zmm0-31 and the mask registers k1-k7 with AVX-512) with a pattern, asks
 * for gem5's m5 checkpoint while they hold it, and then checks every lane.
 * Fill, checkpoint and check are one asm block, so nothing but the machine
 * itself (an exit, a kick, a checkpoint and its restore) stands between
 * writing the registers and reading them back. Prints what was kept, or the
 * first lane that changed. */
#include "kx.h"

#define M5_CHECKPOINT_ADDR 0xffff4300ul /* the m5ops window, operation 0x43 << 8 */

static uint64_t expected[32][8], seen[32][8];
static uint16_t masks[8], maskSeen[8];

static void cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
  __asm__ volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(sub));
}

static uint64_t xcr0(void) {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return ((uint64_t)hi << 32) | lo;
}

static int compare(int regs, int lanes, const char *name) {
  for (int r = 0; r < regs; r++)
    for (int l = 0; l < lanes; l++)
      if (seen[r][l] != expected[r][l]) {
        kx_printf("avx-state: %s%d lane %d is %lx, expected %lx\n", name, r, l, seen[r][l], expected[r][l]);
        return 0;
      }
  return 1;
}

static void avx(void) {
  __asm__ volatile(
#define FILL(n) "vmovdqu " #n "*64(%[in]), %%ymm" #n "\n\t"
      FILL(0) FILL(1) FILL(2) FILL(3) FILL(4) FILL(5) FILL(6) FILL(7)
      FILL(8) FILL(9) FILL(10) FILL(11) FILL(12) FILL(13) FILL(14) FILL(15)
      "movq (%[m5]), %%rax\n\t"
#define STORE(n) "vmovdqu %%ymm" #n ", " #n "*64(%[out])\n\t"
      STORE(0) STORE(1) STORE(2) STORE(3) STORE(4) STORE(5) STORE(6) STORE(7)
      STORE(8) STORE(9) STORE(10) STORE(11) STORE(12) STORE(13) STORE(14) STORE(15)
      :
      : [in] "r"(expected), [out] "r"(seen), [m5] "r"(M5_CHECKPOINT_ADDR), "D"(0ul), "S"(0ul)
      : "rax", "memory");
}

static void avx512(void) {
  __asm__ volatile(
#define ZFILL(n) "vmovdqu64 " #n "*64(%[in]), %%zmm" #n "\n\t"
      ZFILL(0) ZFILL(1) ZFILL(2) ZFILL(3) ZFILL(4) ZFILL(5) ZFILL(6) ZFILL(7)
      ZFILL(8) ZFILL(9) ZFILL(10) ZFILL(11) ZFILL(12) ZFILL(13) ZFILL(14) ZFILL(15)
      ZFILL(16) ZFILL(17) ZFILL(18) ZFILL(19) ZFILL(20) ZFILL(21) ZFILL(22) ZFILL(23)
      ZFILL(24) ZFILL(25) ZFILL(26) ZFILL(27) ZFILL(28) ZFILL(29) ZFILL(30) ZFILL(31)
#define KFILL(n) "kmovw " #n "*2(%[kin]), %%k" #n "\n\t"
      KFILL(1) KFILL(2) KFILL(3) KFILL(4) KFILL(5) KFILL(6) KFILL(7)
      "movq (%[m5]), %%rax\n\t"
#define ZSTORE(n) "vmovdqu64 %%zmm" #n ", " #n "*64(%[out])\n\t"
      ZSTORE(0) ZSTORE(1) ZSTORE(2) ZSTORE(3) ZSTORE(4) ZSTORE(5) ZSTORE(6) ZSTORE(7)
      ZSTORE(8) ZSTORE(9) ZSTORE(10) ZSTORE(11) ZSTORE(12) ZSTORE(13) ZSTORE(14) ZSTORE(15)
      ZSTORE(16) ZSTORE(17) ZSTORE(18) ZSTORE(19) ZSTORE(20) ZSTORE(21) ZSTORE(22) ZSTORE(23)
      ZSTORE(24) ZSTORE(25) ZSTORE(26) ZSTORE(27) ZSTORE(28) ZSTORE(29) ZSTORE(30) ZSTORE(31)
#define KSTORE(n) "kmovw %%k" #n ", " #n "*2(%[kout])\n\t"
      KSTORE(1) KSTORE(2) KSTORE(3) KSTORE(4) KSTORE(5) KSTORE(6) KSTORE(7)
      :
      : [in] "r"(expected), [out] "r"(seen), [kin] "r"(masks), [kout] "r"(maskSeen), [m5] "r"(M5_CHECKPOINT_ADDR),
        "D"(0ul), "S"(0ul)
      : "rax", "memory");
}

int main(void) {
  uint32_t r[4];
  for (int i = 0; i < 32; i++)
    for (int l = 0; l < 8; l++) expected[i][l] = 0x0123456789abcdefull * (uint64_t)(i * 8 + l + 1) ^ (uint64_t)l << 56;
  for (int k = 1; k < 8; k++) masks[k] = (uint16_t)(0x1111u * (unsigned)k ^ 0xa5a5u);
  cpuid(1, 0, r);
  int osxsave = (r[2] >> 27) & 1, hasAvx = (r[2] >> 28) & 1;
  uint64_t enabled = osxsave ? xcr0() : 0;
  if (!hasAvx || (enabled & 0x6) != 0x6) {
    kx_printf("avx-state: no AVX here (xcr0 %lx)\n", enabled);
    return 0;
  }
  cpuid(7, 0, r);
  int hasAvx512 = (r[1] >> 16) & 1 && (enabled & 0xe6) == 0xe6;
  if (!hasAvx512) {
    avx();
    if (compare(16, 4, "ymm")) kx_printf("avx-state: ymm0-15 kept\n");
    return 0;
  }
  avx512();
  int ok = compare(32, 8, "zmm");
  for (int k = 1; k < 8 && ok; k++)
    if (maskSeen[k] != masks[k]) {
      kx_printf("avx-state: k%d is %x, expected %x\n", k, maskSeen[k], masks[k]);
      ok = 0;
    }
  if (ok) kx_printf("avx-state: zmm0-31 and k1-k7 kept\n");
  return 0;
}
