/* vector_state.h: fills every vector register the CPU has with a pattern,
 * asks for gem5's m5 checkpoint while they hold it, and stores them back,
 * all in one asm block, so that nothing but the machine (exits, kicks, a
 * checkpoint and its restore) stands between writing and reading them.
 * Shared by the full-system guest avx-state and its SE twin. The caller
 * checks CPUID and XCR0 first: AVX for the ymm form; AVX-512F with opmask
 * and ZMM state enabled for the zmm form.
 *
 * Our own header; the m5 checkpoint is one 8-byte load at the m5ops window
 * plus (0x43 << 8), as include/m5ops.h describes. */
#ifndef VECTOR_STATE_H
#define VECTOR_STATE_H

#include <stdint.h>

#define VECTOR_STATE_M5_CHECKPOINT 0xffff4300ul

struct vector_state {
  uint64_t expected[32][8], seen[32][8];
  uint16_t masks[8], masks_seen[8];
};

static inline void vector_state_pattern(struct vector_state *v) {
  for (int i = 0; i < 32; i++)
    for (int l = 0; l < 8; l++) v->expected[i][l] = 0x0123456789abcdefull * (uint64_t)(i * 8 + l + 1) ^ (uint64_t)l << 56;
  for (int k = 1; k < 8; k++) v->masks[k] = (uint16_t)(0x1111u * (unsigned)k ^ 0xa5a5u);
}

/* 1 when the first `regs` registers' first `lanes` lanes came back; else 0
 * with *reg and *lane at the first that did not. */
static inline int vector_state_kept(const struct vector_state *v, int regs, int lanes, int *reg, int *lane) {
  for (int r = 0; r < regs; r++)
    for (int l = 0; l < lanes; l++)
      if (v->seen[r][l] != v->expected[r][l]) {
        *reg = r;
        *lane = l;
        return 0;
      }
  return 1;
}

static inline void vector_state_ymm(struct vector_state *v) {
  __asm__ volatile(
#define VS_FILL(n) "vmovdqu " #n "*64(%[in]), %%ymm" #n "\n\t"
      VS_FILL(0) VS_FILL(1) VS_FILL(2) VS_FILL(3) VS_FILL(4) VS_FILL(5) VS_FILL(6) VS_FILL(7)
      VS_FILL(8) VS_FILL(9) VS_FILL(10) VS_FILL(11) VS_FILL(12) VS_FILL(13) VS_FILL(14) VS_FILL(15)
      "movq (%[m5]), %%rax\n\t"
#define VS_STORE(n) "vmovdqu %%ymm" #n ", " #n "*64(%[out])\n\t"
      VS_STORE(0) VS_STORE(1) VS_STORE(2) VS_STORE(3) VS_STORE(4) VS_STORE(5) VS_STORE(6) VS_STORE(7)
      VS_STORE(8) VS_STORE(9) VS_STORE(10) VS_STORE(11) VS_STORE(12) VS_STORE(13) VS_STORE(14) VS_STORE(15)
      :
      : [in] "r"(v->expected), [out] "r"(v->seen), [m5] "r"(VECTOR_STATE_M5_CHECKPOINT), "D"(0ul), "S"(0ul)
      : "rax", "memory");
}

static inline void vector_state_zmm(struct vector_state *v) {
  __asm__ volatile(
#define VS_ZFILL(n) "vmovdqu64 " #n "*64(%[in]), %%zmm" #n "\n\t"
      VS_ZFILL(0) VS_ZFILL(1) VS_ZFILL(2) VS_ZFILL(3) VS_ZFILL(4) VS_ZFILL(5) VS_ZFILL(6) VS_ZFILL(7)
      VS_ZFILL(8) VS_ZFILL(9) VS_ZFILL(10) VS_ZFILL(11) VS_ZFILL(12) VS_ZFILL(13) VS_ZFILL(14) VS_ZFILL(15)
      VS_ZFILL(16) VS_ZFILL(17) VS_ZFILL(18) VS_ZFILL(19) VS_ZFILL(20) VS_ZFILL(21) VS_ZFILL(22) VS_ZFILL(23)
      VS_ZFILL(24) VS_ZFILL(25) VS_ZFILL(26) VS_ZFILL(27) VS_ZFILL(28) VS_ZFILL(29) VS_ZFILL(30) VS_ZFILL(31)
#define VS_KFILL(n) "kmovw " #n "*2(%[kin]), %%k" #n "\n\t"
      VS_KFILL(1) VS_KFILL(2) VS_KFILL(3) VS_KFILL(4) VS_KFILL(5) VS_KFILL(6) VS_KFILL(7)
      "movq (%[m5]), %%rax\n\t"
#define VS_ZSTORE(n) "vmovdqu64 %%zmm" #n ", " #n "*64(%[out])\n\t"
      VS_ZSTORE(0) VS_ZSTORE(1) VS_ZSTORE(2) VS_ZSTORE(3) VS_ZSTORE(4) VS_ZSTORE(5) VS_ZSTORE(6) VS_ZSTORE(7)
      VS_ZSTORE(8) VS_ZSTORE(9) VS_ZSTORE(10) VS_ZSTORE(11) VS_ZSTORE(12) VS_ZSTORE(13) VS_ZSTORE(14) VS_ZSTORE(15)
      VS_ZSTORE(16) VS_ZSTORE(17) VS_ZSTORE(18) VS_ZSTORE(19) VS_ZSTORE(20) VS_ZSTORE(21) VS_ZSTORE(22) VS_ZSTORE(23)
      VS_ZSTORE(24) VS_ZSTORE(25) VS_ZSTORE(26) VS_ZSTORE(27) VS_ZSTORE(28) VS_ZSTORE(29) VS_ZSTORE(30) VS_ZSTORE(31)
#define VS_KSTORE(n) "kmovw %%k" #n ", " #n "*2(%[kout])\n\t"
      VS_KSTORE(1) VS_KSTORE(2) VS_KSTORE(3) VS_KSTORE(4) VS_KSTORE(5) VS_KSTORE(6) VS_KSTORE(7)
      :
      : [in] "r"(v->expected), [out] "r"(v->seen), [kin] "r"(v->masks), [kout] "r"(v->masks_seen),
        [m5] "r"(VECTOR_STATE_M5_CHECKPOINT), "D"(0ul), "S"(0ul)
      : "rax", "memory");
}

/* What the CPU lets this program use: 0 nothing, 1 AVX (ymm), 2 AVX-512 (zmm, k). */
static inline int vector_state_level(uint64_t *xcr0_out) {
  uint32_t a, b, c, d;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
  int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1;
  uint64_t xcr0 = 0;
  if (osxsave) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    xcr0 = ((uint64_t)hi << 32) | lo;
  }
  *xcr0_out = xcr0;
  if (!avx || (xcr0 & 0x6) != 0x6) return 0;
  __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(7), "c"(0));
  return ((b >> 16) & 1) && (xcr0 & 0xe6) == 0xe6 ? 2 : 1;
}

/* The whole program, for a runtime with a printf-like PRINT (the FS runtime's
 * kx_printf, or libc's printf): checks what the CPU offers, runs the ymm or
 * zmm form, and reports. Exit status 1 when a lane changed. */
#define VECTOR_STATE_MAIN(PRINT)                                                                            \
  static struct vector_state v;                                                                             \
  int main(void) {                                                                                          \
    uint64_t xcr0;                                                                                          \
    int level = vector_state_level(&xcr0);                                                                  \
    if (level == 0) {                                                                                       \
      PRINT("avx-state: no AVX here (xcr0 %lx)\n", (unsigned long)xcr0);                                   \
      return 0;                                                                                             \
    }                                                                                                       \
    vector_state_pattern(&v);                                                                               \
    if (level == 1) vector_state_ymm(&v);                                                                   \
    else vector_state_zmm(&v);                                                                              \
    const char *name = level == 1 ? "ymm" : "zmm";                                                          \
    int reg, lane;                                                                                          \
    if (!vector_state_kept(&v, level == 1 ? 16 : 32, level == 1 ? 4 : 8, &reg, &lane)) {                    \
      PRINT("avx-state: %s%d lane %d is %lx, expected %lx\n", name, reg, lane, (unsigned long)v.seen[reg][lane], \
            (unsigned long)v.expected[reg][lane]);                                                          \
      return 1;                                                                                             \
    }                                                                                                       \
    for (int k = 1; level == 2 && k < 8; k++)                                                               \
      if (v.masks_seen[k] != v.masks[k]) {                                                                  \
        PRINT("avx-state: k%d is %x, expected %x\n", k, v.masks_seen[k], v.masks[k]);                      \
        return 1;                                                                                           \
      }                                                                                                     \
    PRINT(level == 1 ? "avx-state: ymm0-15 kept\n" : "avx-state: zmm0-31 and k1-k7 kept\n");              \
    return 0;                                                                                               \
  }

#endif
