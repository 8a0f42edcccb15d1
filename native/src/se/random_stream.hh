#pragma once
// The guest's only source of randomness (getrandom, AT_RANDOM, /dev/urandom
// and /dev/random): ChaCha20 keyed by the run's 64-bit seed, so a run with
// the same seed sees the same bytes, and different seeds look independent.
#include <cstddef>
#include <cstdint>

#include "sim/state_codec.hh"

namespace kx::se {

// One ChaCha20 block (RFC 8439 2.3): key words, then the block counter and
// nonce words 12..15 of the state, little-endian words in, 64 bytes out.
void chacha20Block(const uint32_t key[8], const uint32_t counterAndNonce[4], uint8_t out[64]);

class RandomStream {
 public:
  explicit RandomStream(uint64_t seed);
  // The next n bytes of the stream: fill(a) then fill(b) gives the same
  // bytes as one fill(a + b).
  void fill(void* dst, size_t n);

  // The key and the position in the stream; the current block is computed
  // again from them.
  void saveState(StateWriter& out) const;
  void loadState(StateReader& in);

 private:
  void nextBlock();

  uint32_t key_[8] = {};
  uint64_t blockIndex_ = 0;  // a 64-bit counter in words 12 and 13: never wraps
  uint8_t block_[64] = {};
  size_t used_ = sizeof block_;
};

}  // namespace kx::se
