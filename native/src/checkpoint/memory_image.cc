#include "checkpoint/memory_image.hh"

#include <cstring>
#include <vector>

#include "boot/populated_pages.hh"
#include "sim/core_error.hh"

namespace kx {
namespace {

using namespace memory_image;

static_assert(kHeaderBytes == sizeof kMagic + 4 + 4 + 8 + 8);
static_assert(kPageSize == PopulatedPages::kPageSize);

// For the pages PopulatedPages cannot rule out. A populated page may still
// be zero (written with zeros, or only read), and most non-zero pages differ
// from zero early: 64 bytes at a time as whole words, stopping at the first
// non-zero block. The memcpy is how C++ spells an unaliased word load; it
// compiles to plain loads.
bool isZeroPage(const uint8_t* page) {
  for (size_t at = 0; at < kPageSize; at += 64) {
    uint64_t w[8];
    std::memcpy(w, page + at, sizeof w);
    if (w[0] | w[1] | w[2] | w[3] | w[4] | w[5] | w[6] | w[7]) return false;
  }
  return true;
}

bool present(const std::vector<uint8_t>& bitmap, uint64_t page) { return (bitmap[page / 8] >> (page % 8)) & 1; }

template <typename T>
void putLittleEndian(uint8_t* out, T value) {
  for (size_t i = 0; i < sizeof(T); ++i) out[i] = static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * i));
}

template <typename T>
T getLittleEndian(const uint8_t* in) {
  uint64_t value = 0;
  for (size_t i = 0; i < sizeof(T); ++i) value |= uint64_t{in[i]} << (8 * i);
  return static_cast<T>(value);
}

// Calls run(first, count) for each maximal run of pages whose bit is `bit`,
// so that present pages go to and from the file in as few calls as possible.
template <typename F>
void forEachRun(const std::vector<uint8_t>& bitmap, uint64_t pages, bool bit, F&& run) {
  uint64_t page = 0;
  while (page < pages) {
    if (present(bitmap, page) != bit) {
      ++page;
      continue;
    }
    uint64_t first = page;
    while (page < pages && present(bitmap, page) == bit) ++page;
    run(first, page - first);
  }
}

}  // namespace

PartRecord writeMemoryImage(const std::string& dir, const GuestMemory& memory) {
  if (memory.size() % kPageSize != 0)
    throw CoreError("internal", "guest memory of " + std::to_string(memory.size()) +
                                    " bytes is not a whole number of 4 KiB pages");
  const uint64_t pages = memory.size() / kPageSize;
  std::vector<uint8_t> bitmap((pages + 7) / 8, 0);
  uint64_t count = 0;
  PopulatedPages populated(memory);
  for (uint64_t page = 0; page < pages; ++page) {
    if (!populated.contains(page) || isZeroPage(memory.host() + page * kPageSize)) continue;
    bitmap[page / 8] |= static_cast<uint8_t>(1u << (page % 8));
    ++count;
  }

  uint8_t header[kHeaderBytes];
  std::memcpy(header, kMagic, sizeof kMagic);
  putLittleEndian<uint32_t>(header + 8, kVersion);
  putLittleEndian<uint32_t>(header + 12, kPageSize);
  putLittleEndian<uint64_t>(header + 16, memory.size());
  putLittleEndian<uint64_t>(header + 24, count);

  PartWriter writer(dir, "memory", "memory.bin");
  writer.write(header, sizeof header);
  writer.write(bitmap.data(), bitmap.size());
  forEachRun(bitmap, pages, true, [&](uint64_t first, uint64_t n) {
    writer.write(memory.host() + first * kPageSize, static_cast<size_t>(n * kPageSize));
  });
  return writer.commit();
}

void readMemoryImage(const std::string& dir, const PartRecord& record, GuestMemory& memory) {
  PartReader reader(dir, record);
  const std::string& path = reader.path();
  if (record.bytes < kHeaderBytes)
    throw CoreError("checkpoint-corrupt", path + ": " + std::to_string(record.bytes) +
                                              " bytes, too short for the memory image header");
  uint8_t header[kHeaderBytes];
  reader.read(header, sizeof header);
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0)
    throw CoreError("checkpoint-corrupt", path + ": not a memory image (no \"KXMEM\" at its start)");
  uint32_t version = getLittleEndian<uint32_t>(header + 8);
  if (version != kVersion)
    throw CoreError("checkpoint-corrupt", path + ": memory image version " + std::to_string(version) +
                                              ", this build reads version " + std::to_string(kVersion));
  uint32_t pageSize = getLittleEndian<uint32_t>(header + 12);
  if (pageSize != kPageSize)
    throw CoreError("checkpoint-corrupt", path + ": a page size of " + std::to_string(pageSize) + ", not " +
                                              std::to_string(kPageSize));
  uint64_t size = getLittleEndian<uint64_t>(header + 16);
  if (size != memory.size())
    throw CoreError("checkpoint-corrupt", path + ": an image of " + std::to_string(size) +
                                              " bytes of guest memory, but the machine has " +
                                              std::to_string(memory.size()));
  if (size % kPageSize != 0)
    throw CoreError("checkpoint-corrupt", path + ": a memory size of " + std::to_string(size) +
                                              " bytes, not a whole number of pages");
  const uint64_t pages = size / kPageSize;
  uint64_t count = getLittleEndian<uint64_t>(header + 24);
  if (count > pages)
    throw CoreError("checkpoint-corrupt", path + ": " + std::to_string(count) + " present pages in a memory of " +
                                              std::to_string(pages));
  // No overflow: count <= pages <= 2^64 / 4096.
  const uint64_t bitmapBytes = (pages + 7) / 8;
  const uint64_t expected = kHeaderBytes + bitmapBytes + count * kPageSize;
  if (record.bytes != expected)
    throw CoreError("checkpoint-corrupt", path + ": " + std::to_string(record.bytes) + " bytes, but its header (" +
                                              std::to_string(count) + " pages present of " + std::to_string(pages) +
                                              ") makes " + std::to_string(expected));

  std::vector<uint8_t> bitmap(static_cast<size_t>(bitmapBytes));
  reader.read(bitmap.data(), bitmap.size());
  uint64_t popcount = 0;
  for (uint8_t byte : bitmap) popcount += static_cast<uint64_t>(__builtin_popcount(byte));
  if (pages % 8 != 0 && (bitmap.back() >> (pages % 8)) != 0)
    throw CoreError("checkpoint-corrupt", path + ": the bitmap marks pages past the end of memory");
  if (popcount != count)
    throw CoreError("checkpoint-corrupt", path + ": the bitmap marks " + std::to_string(popcount) +
                                              " pages present, the header says " + std::to_string(count));

  forEachRun(bitmap, pages, true, [&](uint64_t first, uint64_t n) {
    reader.read(memory.host() + first * kPageSize, static_cast<size_t>(n * kPageSize));
  });
  reader.verify();
  PopulatedPages populated(memory);
  forEachRun(bitmap, pages, false, [&](uint64_t first, uint64_t n) {
    for (uint64_t page = first; page < first + n; ++page) {
      uint8_t* p = memory.host() + page * kPageSize;
      if (populated.contains(page) && !isZeroPage(p)) std::memset(p, 0, kPageSize);
    }
  });
}

std::string memoryDigest(const GuestMemory& memory) {
  Sha256 hash;
  hash.update(memory.host(), static_cast<size_t>(memory.size()));
  return toHex(hash.finish());
}

}  // namespace kx
