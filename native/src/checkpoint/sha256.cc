#include "checkpoint/sha256.hh"

#include <algorithm>
#include <cstring>

#include "checkpoint/sha256_compress.hh"

namespace kx {
namespace sha256 {
namespace {

// Section 5.3.3: the first 32 bits of the fractional parts of the square roots of the first 8 primes.
constexpr Sha256::State kInitial = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                    0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

// Written so that compilers emit a single rotate instruction.
inline uint32_t rotr(uint32_t x, unsigned n) { return (x >> n) | (x << (32 - n)); }

inline uint32_t loadBigEndian(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void compressBlock(Sha256::State& state, const uint8_t* block) {
  uint32_t w[64];
  for (int t = 0; t < 16; ++t) w[t] = loadBigEndian(block + 4 * t);
  for (int t = 16; t < 64; ++t) {
    uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
    uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
    w[t] = w[t - 16] + s0 + w[t - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int t = 0; t < 64; ++t) {
    uint32_t t1 = h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kRound[t] + w[t];
    uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
  state[4] += e;
  state[5] += f;
  state[6] += g;
  state[7] += h;
}

// Asked once: every Sha256 of the process then uses the same implementation.
Sha256::Compress fastestCompress() {
  static const Sha256::Compress chosen = shaNiAvailable() ? compressShaNi : compressPortable;
  return chosen;
}

}  // namespace

void compressPortable(Sha256::State& state, const uint8_t* blocks, size_t count) {
  for (size_t i = 0; i < count; ++i) compressBlock(state, blocks + 64 * i);
}

}  // namespace sha256

Sha256::Sha256() : Sha256(sha256::fastestCompress()) {}

Sha256::Sha256(Compress compress) : compress_(compress), state_(sha256::kInitial) {}

void Sha256::update(const void* data, size_t size) {
  const auto* p = static_cast<const uint8_t*>(data);
  totalBytes_ += size;
  if (blockUsed_ > 0) {
    size_t take = std::min(size, block_.size() - blockUsed_);
    std::memcpy(block_.data() + blockUsed_, p, take);
    blockUsed_ += take;
    p += take;
    size -= take;
    if (blockUsed_ < block_.size()) return;
    compress_(state_, block_.data(), 1);
    blockUsed_ = 0;
  }
  // Whole blocks straight from the caller's buffer, in one call: no copy, and
  // the SHA-NI code keeps the state in registers from one block to the next.
  size_t whole = size / 64;
  compress_(state_, p, whole);
  p += 64 * whole;
  size -= 64 * whole;
  if (size > 0) std::memcpy(block_.data(), p, size);
  blockUsed_ = size;
}

Sha256::Digest Sha256::finish() {
  // Section 5.1.1: a 1 bit, zeros to 56 bytes mod 64, then the length in bits, big-endian.
  uint64_t bits = totalBytes_ * 8;
  block_[blockUsed_++] = 0x80;
  if (blockUsed_ > 56) {
    std::memset(block_.data() + blockUsed_, 0, block_.size() - blockUsed_);
    compress_(state_, block_.data(), 1);
    blockUsed_ = 0;
  }
  std::memset(block_.data() + blockUsed_, 0, 56 - blockUsed_);
  for (int i = 0; i < 8; ++i) block_[56 + i] = static_cast<uint8_t>(bits >> (56 - 8 * i));
  compress_(state_, block_.data(), 1);

  Digest digest;
  for (int i = 0; i < 8; ++i)
    for (int j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<uint8_t>(state_[i] >> (24 - 8 * j));
  *this = Sha256(compress_);
  return digest;
}

std::string toHex(const Sha256::Digest& digest) {
  static const char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * digest.size());
  for (uint8_t byte : digest) {
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 15]);
  }
  return text;
}

}  // namespace kx
