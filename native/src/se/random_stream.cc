#include "se/random_stream.hh"

#include <cstring>

#include "devices/device_state.hh"

namespace kx::se {
namespace {

uint32_t rotl(uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

void quarterRound(uint32_t* s, int a, int b, int c, int d) {
  s[a] += s[b]; s[d] = rotl(s[d] ^ s[a], 16);
  s[c] += s[d]; s[b] = rotl(s[b] ^ s[c], 12);
  s[a] += s[b]; s[d] = rotl(s[d] ^ s[a], 8);
  s[c] += s[d]; s[b] = rotl(s[b] ^ s[c], 7);
}

}  // namespace

void chacha20Block(const uint32_t key[8], const uint32_t counterAndNonce[4], uint8_t out[64]) {
  uint32_t initial[16] = {0x61707865, 0x3320646e, 0x79622d32, 0x6b206574};  // "expand 32-byte k"
  std::memcpy(initial + 4, key, 32);
  std::memcpy(initial + 12, counterAndNonce, 16);
  uint32_t s[16];
  std::memcpy(s, initial, sizeof s);
  for (int round = 0; round < 10; ++round) {
    quarterRound(s, 0, 4, 8, 12);
    quarterRound(s, 1, 5, 9, 13);
    quarterRound(s, 2, 6, 10, 14);
    quarterRound(s, 3, 7, 11, 15);
    quarterRound(s, 0, 5, 10, 15);
    quarterRound(s, 1, 6, 11, 12);
    quarterRound(s, 2, 7, 8, 13);
    quarterRound(s, 3, 4, 9, 14);
  }
  for (int i = 0; i < 16; ++i) {
    uint32_t word = s[i] + initial[i];
    for (int byte = 0; byte < 4; ++byte) out[i * 4 + byte] = static_cast<uint8_t>(word >> (8 * byte));
  }
}

RandomStream::RandomStream(uint64_t seed) {
  key_[0] = static_cast<uint32_t>(seed);
  key_[1] = static_cast<uint32_t>(seed >> 32);
}

void RandomStream::nextBlock() {
  const uint32_t counter[4] = {static_cast<uint32_t>(blockIndex_), static_cast<uint32_t>(blockIndex_ >> 32), 0, 0};
  chacha20Block(key_, counter, block_);
  ++blockIndex_;
  used_ = 0;
}

void RandomStream::fill(void* dst, size_t n) {
  auto* out = static_cast<uint8_t*>(dst);
  while (n > 0) {
    if (used_ == sizeof block_) nextBlock();
    size_t take = sizeof block_ - used_ < n ? sizeof block_ - used_ : n;
    std::memcpy(out, block_ + used_, take);
    used_ += take;
    out += take;
    n -= take;
  }
}

void RandomStream::saveState(StateWriter& out) const {
  for (uint32_t word : key_) out.put<uint32_t>(word);
  out.put<uint64_t>(blockIndex_);
  out.put<uint64_t>(used_);
}

void RandomStream::loadState(StateReader& in) {
  const std::string what = "SE random stream";
  uint32_t key[8];
  for (uint32_t& word : key) word = in.get<uint32_t>();
  uint64_t blockIndex = in.get<uint64_t>(), used = in.get<uint64_t>();
  // Before the first block, nothing of a block is left to use.
  if (used > sizeof block_ || (blockIndex == 0 && used != sizeof block_)) stateOutOfRange(what, "bytes used", std::to_string(used));
  std::memcpy(key_, key, sizeof key_);
  if (blockIndex > 0) {
    blockIndex_ = blockIndex - 1;
    nextBlock();
  }
  blockIndex_ = blockIndex;
  used_ = used;
}

}  // namespace kx::se
