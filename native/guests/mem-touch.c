/* mem-touch: fills mib=N MiB of guest memory, from 16 MiB up, with a
 * pattern no page of which is zero, asks for gem5's m5 checkpoint, then
 * checks the pattern and prints its checksum. What bench/checkpoint.mjs
 * measures a checkpoint's size and speed against: memory the guest really
 * touched. */
#include "kx.h"

#define FIRST_BYTE (16ul << 20)
#define M5_CHECKPOINT_ADDR 0xffff4300ul /* the m5ops window, operation 0x43 << 8 */

int main(void) {
  uint64_t mib = kx_arg_u64("mib", 16);
  uint64_t end = FIRST_BYTE + (mib << 20);
  if (end > kx_boot_info()->memory_bytes) {
    kx_printf("mem-touch: %lu MiB from 16 MiB do not fit in %lu bytes of memory\n", mib, kx_boot_info()->memory_bytes);
    return 1;
  }
  volatile uint64_t *words = (volatile uint64_t *)FIRST_BYTE;
  uint64_t count = (end - FIRST_BYTE) / 8;
  for (uint64_t i = 0; i < count; i++) words[i] = i * 0x9e3779b97f4a7c15ull + 1;
  uint64_t ignored;
  __asm__ volatile("movq (%1), %0" : "=r"(ignored) : "r"(M5_CHECKPOINT_ADDR), "D"(0ul), "S"(0ul) : "memory");
  uint64_t sum = 0;
  for (uint64_t i = 0; i < count; i++) {
    if (words[i] != i * 0x9e3779b97f4a7c15ull + 1) {
      kx_printf("mem-touch: word %lu changed\n", i);
      return 1;
    }
    sum += words[i];
  }
  kx_printf("mem-touch: %lu MiB, sum %lx\n", mib, sum);
  return 0;
}
