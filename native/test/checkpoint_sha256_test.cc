// SHA-256 against the FIPS 180-4 / NIST example vectors, against digests
// computed elsewhere (Python's hashlib) at every padding boundary, and fed in
// pieces of every awkward size; and its two compression functions, portable
// and SHA-NI, against each other.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "checkpoint/sha256.hh"
#include "checkpoint/sha256_compress.hh"

namespace kx {
namespace {

std::string digestOf(const std::string& text, Sha256 hash = Sha256()) {
  hash.update(text.data(), text.size());
  return toHex(hash.finish());
}

// Those this CPU can run, by name.
std::vector<std::pair<const char*, Sha256::Compress>> implementations() {
  std::vector<std::pair<const char*, Sha256::Compress>> all = {{"portable", sha256::compressPortable}};
  if (sha256::shaNiAvailable()) all.emplace_back("SHA-NI", sha256::compressShaNi);
  return all;
}

std::vector<uint8_t> pattern(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i * 7 + 3);
  return bytes;
}

std::string digestOf(const std::vector<uint8_t>& bytes) {
  Sha256 hash;
  hash.update(bytes.data(), bytes.size());
  return toHex(hash.finish());
}

TEST_CASE("SHA-256: the NIST example vectors, with each compression function") {
  for (const auto& [name, compress] : implementations()) {
    CAPTURE(name);
    CHECK(digestOf("", Sha256(compress)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(digestOf("abc", Sha256(compress)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(digestOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", Sha256(compress)) ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    CHECK(digestOf("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                   "mnopqrstnopqrstu",
                   Sha256(compress)) == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
    CHECK(digestOf(std::string(1000000, 'a'), Sha256(compress)) ==
          "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  }
}

TEST_CASE("SHA-256: SHA-NI and the portable code agree on random messages fed in random pieces") {
  if (!sha256::shaNiAvailable()) {
    MESSAGE("this CPU has no SHA extensions: only the portable code runs here");
    return;
  }
  std::mt19937_64 rng(29);
  // Each message is fed to each implementation in its own split, so that the
  // pieces cross block boundaries differently. Piece sizes are spread over
  // the powers of two up to 2 KiB: empty and partial blocks as much as runs
  // of whole ones.
  auto hashInPieces = [&](const std::vector<uint8_t>& bytes, Sha256::Compress compress) {
    Sha256 hash(compress);
    for (size_t at = 0; at < bytes.size();) {
      size_t take = std::min<size_t>(rng() % (size_t{1} << (rng() % 12)), bytes.size() - at);
      hash.update(bytes.data() + at, take);
      at += take;
    }
    return toHex(hash.finish());
  };
  for (int round = 0; round < 400; ++round) {
    std::vector<uint8_t> bytes(rng() % 10001);
    for (uint8_t& byte : bytes) byte = static_cast<uint8_t>(rng());
    CAPTURE(bytes.size());
    CHECK(hashInPieces(bytes, sha256::compressShaNi) == hashInPieces(bytes, sha256::compressPortable));
  }
}

TEST_CASE("SHA-256: lengths around the 55/56/64-byte padding boundaries") {
  CHECK(digestOf(pattern(55)) == "e7313d333c272e639f790978283f9eb392e843d0f29b7016828bb1daa4aac70b");
  CHECK(digestOf(pattern(56)) == "4324d65f3c103567f5589c710bc08f8523f929a9272e3af36fc968e52abc6c27");
  CHECK(digestOf(pattern(63)) == "81c80242132f230c3bd41b3e63bbcff16107339549214a99614ff26664625055");
  CHECK(digestOf(pattern(64)) == "39e3d7b6b5d075d37d053ad89b24b41bef4f3c29760c84447cab3f3be1882241");
  CHECK(digestOf(pattern(65)) == "aacca6ff74fdbb296d165a45cecfa04e5127bc008770fbbdd48006f2d2fae95e");
  CHECK(digestOf(pattern(119)) == "9ce7368e4daf32341631b492e80359dc9f594b48453cd0dd5bf0b19279cc177e");
  CHECK(digestOf(pattern(120)) == "7836b787757e95e58b3ca5aec90b1b004e8deba1e50e9675af9cabf1a13a04b5");
  CHECK(digestOf(pattern(1000)) == "1e9bc38cbf860b9ec31918b065f9b52476c549a782e0e7990bed8ce3868d2371");
}

TEST_CASE("SHA-256: any split of the input gives the digest of one update") {
  const std::vector<uint8_t> bytes = pattern(5000);
  const std::string whole = digestOf(bytes);
  for (size_t chunk : {1, 3, 7, 63, 64, 65, 127, 1000, 4999}) {
    CAPTURE(chunk);
    Sha256 hash;
    for (size_t at = 0; at < bytes.size(); at += chunk) hash.update(bytes.data() + at, std::min(chunk, bytes.size() - at));
    CHECK(toHex(hash.finish()) == whole);
  }
  // Pieces of growing, uneven sizes, with empty updates between them.
  Sha256 hash;
  size_t at = 0;
  for (size_t n = 0; at < bytes.size(); n = (n * 5 + 3) % 211) {
    size_t take = std::min(n, bytes.size() - at);
    hash.update(bytes.data() + at, take);
    hash.update(bytes.data(), 0);
    at += take;
  }
  CHECK(toHex(hash.finish()) == whole);
}

TEST_CASE("SHA-256: finish resets, so the object hashes a second message from scratch") {
  Sha256 hash;
  hash.update("xyz", 3);
  hash.finish();
  hash.update("abc", 3);
  CHECK(toHex(hash.finish()) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(toHex(hash.finish()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

}  // namespace
}  // namespace kx
