/* compute: count=N rounds of CRC-32 over a 4 KiB buffer that each round
 * perturbs, so no round can be skipped. Prints the checksum, which
 * test/guests/compute-reference.ts computes on the host the same way. */
#include "kx.h"

static uint32_t table[256];
static uint8_t buffer[4096];

int main(void) {
  uint64_t rounds = kx_arg_u64("count", 1000);
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
    table[i] = c;
  }
  uint32_t x = 0x12345678u; /* xorshift32 */
  for (uint32_t i = 0; i < sizeof buffer; i++) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    buffer[i] = (uint8_t)x;
  }
  uint32_t crc = 0xffffffffu;
  for (uint64_t r = 0; r < rounds; r++) {
    for (uint32_t i = 0; i < sizeof buffer; i++) crc = table[(crc ^ buffer[i]) & 0xff] ^ (crc >> 8);
    buffer[r % sizeof buffer] ^= (uint8_t)crc;
  }
  kx_printf("compute: rounds=%lu crc32=%08x\n", rounds, ~crc);
  return 0;
}
