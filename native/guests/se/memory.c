/* memory: address-space system calls (brk, mmap, mremap, mprotect, munmap).
 *
 *   memory [MIB]        (default 256)
 *
 * Touches MIB MiB in total, split in three parts, every page written with a
 * pattern (each 8-byte word = f(page, word)) and then verified:
 *   - brk:    MIB/4 MiB by moving the program break with the raw brk system
 *             call (not sbrk: musl's malloc owns the break), then moved back;
 *   - malloc: MIB/4 MiB in 64 KiB blocks, then freed (the blocks are under
 *             glibc malloc's mmap threshold, so glibc grows the heap with
 *             brk; musl's malloc takes them from mmap'ed groups instead);
 *   - mmap:   the remaining MiB as one anonymous private mapping.
 * Then mremap grows a 4 MiB mapping to 16 MiB (MREMAP_MAYMOVE), the old
 * content must survive and the new part must be zero-filled and writable;
 * mprotect makes one page of a two-page mapping read-only, it is read and
 * verified (never written), the other page stays writable, and it is made
 * writable again; munmap releases everything.
 * Prints one line per part, "total touched: N MiB", then "memory ok"
 * (exit 0) or "FAIL: ..." lines and "memory bad" (exit 1).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

#define MiB (1024UL * 1024UL)
#define PAGE 4096UL

static uint64_t pattern(uint64_t seed, uint64_t word) {
  uint64_t x = seed * 0x9e3779b97f4a7c15ULL + word;
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ULL;
  return x ^ (x >> 29);
}

/* Fill [p, p+len) with the pattern for seed; len is a multiple of 8. */
static void fill(void *p, size_t len, uint64_t seed) {
  uint64_t *w = p;
  for (size_t i = 0; i < len / 8; i++) w[i] = pattern(seed, i);
}

/* Number of words in [p, p+len) that do not hold the pattern. */
static size_t verify(const void *p, size_t len, uint64_t seed) {
  const uint64_t *w = p;
  size_t bad = 0;
  for (size_t i = 0; i < len / 8; i++) bad += w[i] != pattern(seed, i);
  return bad;
}

static size_t part_brk(size_t bytes) {
  uintptr_t start = (uintptr_t)syscall(SYS_brk, 0);
  uintptr_t want = start + bytes;
  uintptr_t got = (uintptr_t)syscall(SYS_brk, want);
  if (got != want) {
    CHECK(0, "brk(%#lx) returned %#lx", (unsigned long)want, (unsigned long)got);
    syscall(SYS_brk, start);
    return 0;
  }
  /* The old break need not be page aligned: start on the next page. */
  uintptr_t a = (start + PAGE - 1) & ~(PAGE - 1);
  size_t len = (want - a) & ~(PAGE - 1);
  fill((void *)a, len, 1);
  size_t bad = verify((void *)a, len, 1);
  CHECK(bad == 0, "brk area: %zu bad words", bad);
  got = (uintptr_t)syscall(SYS_brk, start);
  CHECK(got == start, "brk shrink returned %#lx", (unsigned long)got);
  printf("brk: grew %zu MiB, pattern %s, shrunk back\n", bytes / MiB,
         bad ? "bad" : "ok");
  return bytes;
}

static size_t part_malloc(size_t bytes) {
  const size_t block = 64 * 1024;
  size_t n = bytes / block;
  void **blocks = calloc(n, sizeof *blocks);
  size_t got = 0, bad = 0;
  for (size_t i = 0; i < n; i++) {
    blocks[i] = malloc(block);
    if (!blocks[i]) break;
    fill(blocks[i], block, 100 + i);
    got++;
  }
  CHECK(got == n, "malloc: only %zu of %zu blocks", got, n);
  for (size_t i = 0; i < got; i++) bad += verify(blocks[i], block, 100 + i);
  CHECK(bad == 0, "malloc blocks: %zu bad words", bad);
  for (size_t i = 0; i < got; i++) free(blocks[i]);
  free(blocks);
  printf("malloc: %zu blocks of 64 KiB (%zu MiB), pattern %s, freed\n", got,
         got * block / MiB, bad ? "bad" : "ok");
  return got * block;
}

static size_t part_mmap(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    CHECK(0, "mmap %zu MiB: %s", bytes / MiB, errname(errno));
    return 0;
  }
  fill(p, bytes, 2);
  size_t bad = verify(p, bytes, 2);
  CHECK(bad == 0, "mmap area: %zu bad words", bad);
  CHECK(munmap(p, bytes) == 0, "munmap: %s", errname(errno));
  printf("mmap: %zu MiB, pattern %s, unmapped\n", bytes / MiB, bad ? "bad" : "ok");
  return bytes;
}

static void part_mremap(void) {
  size_t small = 4 * MiB, big = 16 * MiB;
  char *p = mmap(NULL, small, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    CHECK(0, "mmap for mremap: %s", errname(errno));
    return;
  }
  fill(p, small, 3);
  char *q = mremap(p, small, big, MREMAP_MAYMOVE);
  if (q == MAP_FAILED) {
    CHECK(0, "mremap: %s", errname(errno));
    munmap(p, small);
    return;
  }
  size_t old_bad = verify(q, small, 3);
  CHECK(old_bad == 0, "mremap lost old content: %zu bad words", old_bad);
  size_t nonzero = 0;
  for (size_t i = small; i < big; i += 8) nonzero += *(uint64_t *)(q + i) != 0;
  CHECK(nonzero == 0, "mremap new part not zero: %zu words", nonzero);
  fill(q + small, big - small, 4);
  size_t new_bad = verify(q + small, big - small, 4);
  CHECK(new_bad == 0, "mremap new part: %zu bad words", new_bad);
  CHECK(munmap(q, big) == 0, "munmap after mremap: %s", errname(errno));
  printf("mremap: 4 MiB -> 16 MiB, old content %s, new part %s\n",
         old_bad ? "bad" : "kept", nonzero || new_bad ? "bad" : "zeroed and writable");
}

static void part_mprotect(void) {
  char *p = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    CHECK(0, "mmap for mprotect: %s", errname(errno));
    return;
  }
  fill(p, 2 * PAGE, 5);
  int rc = mprotect(p, PAGE, PROT_READ);
  CHECK(rc == 0, "mprotect read-only: %s", errname(errno));
  size_t bad = verify(p, PAGE, 5); /* reads only */
  CHECK(bad == 0, "read-only page: %zu bad words", bad);
  fill(p + PAGE, PAGE, 6); /* the other page is still writable */
  bad += verify(p + PAGE, PAGE, 6);
  CHECK(mprotect(p, PAGE, PROT_READ | PROT_WRITE) == 0, "mprotect back: %s", errname(errno));
  fill(p, PAGE, 7);
  bad += verify(p, PAGE, 7);
  CHECK(bad == 0, "mprotect pages: pattern bad");
  CHECK(munmap(p, 2 * PAGE) == 0, "munmap after mprotect: %s", errname(errno));
  printf("mprotect: page made read-only and read back %s, made writable again\n",
         bad ? "bad" : "ok");
}

int main(int argc, char **argv) {
  long mib = argc > 1 ? strtol(argv[1], NULL, 0) : 256;
  if (mib < 4) mib = 4;
  size_t total = (size_t)mib * MiB;
  size_t quarter = (size_t)(mib / 4) * MiB;

  size_t touched = 0;
  touched += part_brk(quarter); /* first, before malloc grows the heap much */
  touched += part_malloc(quarter);
  touched += part_mmap(total - 2 * quarter);
  part_mremap();
  part_mprotect();
  printf("total touched: %zu MiB\n", touched / MiB);
  puts(se_failures ? "memory bad" : "memory ok");
  return se_failures ? 1 : 0;
}
