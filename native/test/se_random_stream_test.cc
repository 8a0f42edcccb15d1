// RandomStream: ChaCha20 as RFC 8439 defines it, and a stream that depends
// on the seed alone, not on how it is read.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "se/random_stream.hh"

namespace kx::se {
namespace {

TEST_CASE("random stream: the ChaCha20 block function matches RFC 8439 section 2.3.2") {
  uint32_t key[8];
  for (int i = 0; i < 8; ++i)
    key[i] = static_cast<uint32_t>(4 * i) | static_cast<uint32_t>(4 * i + 1) << 8 |
             static_cast<uint32_t>(4 * i + 2) << 16 | static_cast<uint32_t>(4 * i + 3) << 24;
  const uint32_t counterAndNonce[4] = {1, 0x09000000, 0x4a000000, 0};
  const uint8_t expected[64] = {
      0x10, 0xf1, 0xe7, 0xe4, 0xd1, 0x3b, 0x59, 0x15, 0x50, 0x0f, 0xdd, 0x1f, 0xa3, 0x20, 0x71, 0xc4,
      0xc7, 0xd1, 0xf4, 0xc7, 0x33, 0xc0, 0x68, 0x03, 0x04, 0x22, 0xaa, 0x9a, 0xc3, 0xd4, 0x6c, 0x4e,
      0xd2, 0x82, 0x64, 0x46, 0x07, 0x9f, 0xaa, 0x09, 0x14, 0xc2, 0xd7, 0x05, 0xd9, 0x8b, 0x02, 0xa2,
      0xb5, 0x12, 0x9c, 0xd1, 0xde, 0x16, 0x4e, 0xb9, 0xcb, 0xd0, 0x83, 0xe8, 0xa2, 0x50, 0x3c, 0x4e};
  uint8_t out[64];
  chacha20Block(key, counterAndNonce, out);
  CHECK(std::memcmp(out, expected, 64) == 0);
}

TEST_CASE("random stream: the same seed gives the same bytes however they are read") {
  RandomStream whole(42), pieces(42);
  std::vector<uint8_t> a(300), b(300);
  whole.fill(a.data(), a.size());
  pieces.fill(b.data(), 1);
  pieces.fill(b.data() + 1, 63);
  pieces.fill(b.data() + 64, 100);
  pieces.fill(b.data() + 164, 136);
  CHECK(a == b);
}

TEST_CASE("random stream: different seeds give different bytes, and the stream moves on") {
  RandomStream one(1), two(2);
  uint8_t a[32], b[32], c[32];
  one.fill(a, 32);
  two.fill(b, 32);
  one.fill(c, 32);
  CHECK(std::memcmp(a, b, 32) != 0);
  CHECK(std::memcmp(a, c, 32) != 0);
}

}  // namespace
}  // namespace kx::se
