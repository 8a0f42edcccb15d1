/* The CPU-bound kernel shared by cpu-bound and m5ops-roi: one "unit" is a
 * 64x64 32-bit integer matrix product C = A * B followed by feeding C back
 * into A (each element mixed with its index), so every unit depends on the
 * previous one.  Integer arithmetic only: the result is the same with any
 * compiler, libc or CPU.  Memory: three 16 KiB matrices (stays in L1). */
#ifndef SE_WORK_H
#define SE_WORK_H

#include <stdint.h>

#define WORK_N 64

static uint32_t work_a[WORK_N][WORK_N], work_b[WORK_N][WORK_N], work_c[WORK_N][WORK_N];

static void work_init(void) {
  uint32_t x = 12345;
  for (int i = 0; i < WORK_N; i++)
    for (int j = 0; j < WORK_N; j++) {
      x = x * 1664525u + 1013904223u;
      work_a[i][j] = x >> 8;
      x = x * 1664525u + 1013904223u;
      work_b[i][j] = x >> 8;
    }
}

static void work_unit(void) {
  for (int i = 0; i < WORK_N; i++) {
    for (int j = 0; j < WORK_N; j++) work_c[i][j] = 0;
    for (int k = 0; k < WORK_N; k++) {
      uint32_t a = work_a[i][k];
      for (int j = 0; j < WORK_N; j++) work_c[i][j] += a * work_b[k][j];
    }
  }
  for (int i = 0; i < WORK_N; i++)
    for (int j = 0; j < WORK_N; j++) {
      uint32_t v = work_c[i][j] ^ (uint32_t)(i * WORK_N + j);
      work_a[i][j] = (v << 7 | v >> 25) + 0x9e3779b9u;
    }
}

/* FNV-1a over the current A matrix. */
static uint32_t work_checksum(void) {
  uint32_t h = 2166136261u;
  for (int i = 0; i < WORK_N; i++)
    for (int j = 0; j < WORK_N; j++) {
      uint32_t v = work_a[i][j];
      for (int b = 0; b < 4; b++) h = (h ^ ((v >> (8 * b)) & 0xff)) * 16777619u;
    }
  return h;
}

static uint32_t work_run(long units) {
  work_init();
  for (long u = 0; u < units; u++) work_unit();
  return work_checksum();
}

#endif
