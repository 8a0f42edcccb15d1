#pragma once
// SHA-256 (FIPS 180-4), fed in pieces: a checkpoint part is hashed as it is
// written or read, so a part of hundreds of MiB is never held whole. Its
// digest, in hex, is what the manifest records and the restore compares.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace kx {

class Sha256 {
 public:
  using Digest = std::array<uint8_t, 32>;
  using State = std::array<uint32_t, 8>;
  // Runs `count` whole 64-byte blocks through the compression function, in
  // order. sha256_compress.hh has the implementations.
  using Compress = void (*)(State& state, const uint8_t* blocks, size_t count);

  // With the fastest compression function this CPU has.
  Sha256();
  // With a given one: tests compare the implementations.
  explicit Sha256(Compress compress);
  void update(const void* data, size_t size);
  // Pads and returns the digest; the object is then reset for a new message.
  Digest finish();

 private:
  Compress compress_;
  State state_;
  std::array<uint8_t, 64> block_;
  size_t blockUsed_ = 0;
  uint64_t totalBytes_ = 0;
};

// 64 lowercase hex digits, as the manifest spells a checksum.
std::string toHex(const Sha256::Digest& digest);

}  // namespace kx
