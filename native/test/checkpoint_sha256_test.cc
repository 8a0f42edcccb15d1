// SHA-256 against the FIPS 180-4 / NIST example vectors, against digests
// computed elsewhere (Python's hashlib) at every padding boundary, and fed in
// pieces of every awkward size.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "checkpoint/sha256.hh"

namespace kx {
namespace {

std::string digestOf(const std::string& text) {
  Sha256 hash;
  hash.update(text.data(), text.size());
  return toHex(hash.finish());
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

TEST_CASE("SHA-256: the NIST example vectors") {
  CHECK(digestOf("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(digestOf("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(digestOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(digestOf("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopq"
                 "rstnopqrstu") == "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  CHECK(digestOf(std::string(1000000, 'a')) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
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
