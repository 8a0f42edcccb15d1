// The memory image: only non-zero pages are saved, and a restored guest's RAM
// is byte for byte the saved one. Damaged images are built by editing a good
// one and rewriting it with a correct checksum, so that each check is reached
// on its own rather than hidden behind the checksum.
#include <doctest/doctest.h>

#include <cstring>
#include <initializer_list>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "boot/populated_pages.hh"
#include "checkpoint/memory_image.hh"
#include "expect_error.hh"
#include "temp_dir.hh"

namespace kx {
namespace {

using test::expectCoreError;
using test::TempDir;

constexpr uint64_t kMemory = 16ull << 20;
constexpr uint64_t kPage = 4096;
constexpr uint64_t kBitmapBytes = kMemory / kPage / 8;

std::vector<uint8_t> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Three scattered pages: the first, one in the middle touched only in its
// last byte (the zero test must look at the whole page), and the last.
void fill(GuestMemory& memory) {
  std::memset(memory.at(0, 100), 0x5a, 100);
  memory.store<uint8_t>(5 * 1024 * 1024 + 3 * kPage + kPage - 1, 0x01);
  memory.store<uint64_t>(kMemory - 8, 0x0123456789abcdefull);
}

TEST_CASE("Memory image: a round trip saves only the non-zero pages") {
  TempDir dir;
  GuestMemory saved(kMemory);
  fill(saved);
  PartRecord record = writeMemoryImage(dir.path(), saved);
  CHECK(record.name == "memory");
  CHECK(record.file == "memory.bin");
  CHECK(record.bytes == memory_image::kHeaderBytes + kBitmapBytes + 3 * kPage);

  std::vector<uint8_t> image = readFile(dir.path() + "/memory.bin");
  REQUIRE(image.size() == record.bytes);
  CHECK(std::memcmp(image.data(), "KXMEM\0\0\0", 8) == 0);
  uint32_t version, pageSize;
  uint64_t size, count;
  std::memcpy(&version, &image[8], 4);
  std::memcpy(&pageSize, &image[12], 4);
  std::memcpy(&size, &image[16], 8);
  std::memcpy(&count, &image[24], 8);
  CHECK(version == 1);
  CHECK(pageSize == 4096);
  CHECK(size == kMemory);
  CHECK(count == 3);
  const uint8_t* bitmap = &image[32];
  uint64_t middle = (5 * 1024 * 1024 + 3 * kPage) / kPage;
  CHECK(bitmap[0] == 0x01);
  CHECK(bitmap[middle / 8] == 1 << (middle % 8));
  CHECK(bitmap[kBitmapBytes - 1] == 0x80);
  CHECK(image[32 + kBitmapBytes] == 0x5a);  // the first page's data follows the bitmap

  GuestMemory restored(kMemory);
  readMemoryImage(dir.path(), record, restored);
  CHECK(memoryDigest(restored) == memoryDigest(saved));
  CHECK(restored.load<uint8_t>(5 * 1024 * 1024 + 3 * kPage + kPage - 1) == 0x01);

  // Memory that was not fresh: pages absent from the image end up zero.
  GuestMemory dirty(kMemory);
  std::memset(dirty.at(0, 8 * kPage), 0xff, 8 * kPage);
  dirty.store<uint8_t>(kMemory / 2, 9);
  readMemoryImage(dir.path(), record, dirty);
  CHECK(memoryDigest(dirty) == memoryDigest(saved));
}

TEST_CASE("Memory image: pages written and zeroed again, or only read, are saved as absent, and stay untouched in a fresh mapping") {
  TempDir dir;
  GuestMemory saved(kMemory);
  fill(saved);
  // 8 MiB and 11 MiB are 2 MiB and more from fill's pages and from each
  // other, so that no transparent huge page joins them.
  std::memset(saved.at(8 * 1024 * 1024, 4 * kPage), 0x33, 4 * kPage);
  std::memset(saved.at(8 * 1024 * 1024, 4 * kPage), 0, 4 * kPage);
  CHECK(saved.load<uint64_t>(11 * 1024 * 1024) == 0);
  PartRecord record = writeMemoryImage(dir.path(), saved);
  CHECK(record.bytes == memory_image::kHeaderBytes + kBitmapBytes + 3 * kPage);

  GuestMemory restored(kMemory);
  readMemoryImage(dir.path(), record, restored);
  // Asked before the digest below reads every page.
  PopulatedPages populated(restored);
  CHECK(populated.contains(0));
  CHECK_FALSE(populated.contains(8 * 1024 * 1024 / kPage));
  CHECK_FALSE(populated.contains(11 * 1024 * 1024 / kPage));
  CHECK(memoryDigest(restored) == memoryDigest(saved));

  // Into memory whose absent pages were written: they are zeroed.
  GuestMemory dirty(kMemory);
  std::memset(dirty.at(8 * 1024 * 1024, 4 * kPage), 0x44, 4 * kPage);
  readMemoryImage(dir.path(), record, dirty);
  CHECK(memoryDigest(dirty) == memoryDigest(saved));
}

TEST_CASE("Memory image: all-zero memory is a header and a bitmap") {
  TempDir dir;
  GuestMemory memory(kMemory);
  PartRecord record = writeMemoryImage(dir.path(), memory);
  CHECK(record.bytes == memory_image::kHeaderBytes + kBitmapBytes);
  GuestMemory restored(kMemory);
  readMemoryImage(dir.path(), record, restored);
  CHECK(memoryDigest(restored) == memoryDigest(memory));
}

TEST_CASE("Memory image: a machine of another memory size is refused, naming both") {
  TempDir dir;
  GuestMemory saved(kMemory);
  fill(saved);
  PartRecord record = writeMemoryImage(dir.path(), saved);
  GuestMemory smaller(kMemory / 2);
  expectCoreError([&] { readMemoryImage(dir.path(), record, smaller); }, "checkpoint-corrupt",
                  {"memory.bin", "16777216 bytes of guest memory", "the machine has 8388608"});
  GuestMemory odd(kMemory + 100);
  expectCoreError([&] { writeMemoryImage(dir.path(), odd); }, "internal", {"16777316 bytes", "4 KiB pages"});
}

TEST_CASE("Memory image: a truncated image is refused") {
  TempDir dir;
  GuestMemory saved(kMemory);
  fill(saved);
  PartRecord record = writeMemoryImage(dir.path(), saved);
  std::vector<uint8_t> image = readFile(dir.path() + "/memory.bin");
  image.resize(image.size() - kPage);
  dir.write("memory.bin", image);
  GuestMemory restored(kMemory);
  expectCoreError([&] { readMemoryImage(dir.path(), record, restored); }, "checkpoint-corrupt",
                  {"memory.bin: 8736 bytes, the manifest says 12832 (truncated?)"});

  // Cut short with a matching manifest record: the header's page count gives it away.
  PartRecord cut = writePart(dir.path(), "memory", image);
  expectCoreError([&] { readMemoryImage(dir.path(), cut, restored); }, "checkpoint-corrupt",
                  {"8736 bytes, but its header (3 pages present of 4096) makes 12832"});
  image.resize(20);
  PartRecord stub = writePart(dir.path(), "memory", image);
  expectCoreError([&] { readMemoryImage(dir.path(), stub, restored); }, "checkpoint-corrupt",
                  {"20 bytes, too short"});
}

TEST_CASE("Memory image: a changed byte in a page is found by the checksum") {
  TempDir dir;
  GuestMemory saved(kMemory);
  fill(saved);
  PartRecord record = writeMemoryImage(dir.path(), saved);
  std::vector<uint8_t> image = readFile(dir.path() + "/memory.bin");
  image[image.size() - 1000] ^= 1;
  dir.write("memory.bin", image);
  GuestMemory restored(kMemory);
  expectCoreError([&] { readMemoryImage(dir.path(), record, restored); }, "checkpoint-corrupt",
                  {"memory.bin: its checksum is", "the file was changed or damaged"});
}

TEST_CASE("Memory image: a header or bitmap that disagrees with itself is refused") {
  TempDir dir;
  GuestMemory saved(kMemory);
  fill(saved);
  writeMemoryImage(dir.path(), saved);
  const std::vector<uint8_t> good = readFile(dir.path() + "/memory.bin");
  GuestMemory restored(kMemory);
  auto refuse = [&](std::vector<uint8_t> image, std::initializer_list<const char*> inMessage) {
    PartRecord record = writePart(dir.path(), "memory", image);
    expectCoreError([&] { readMemoryImage(dir.path(), record, restored); }, "checkpoint-corrupt", inMessage);
  };

  std::vector<uint8_t> image = good;
  image[32] &= 0xfe;  // page 0 cleared from the bitmap, the header still says 3
  refuse(image, {"the bitmap marks 2 pages present, the header says 3"});
  image = good;
  image[40] |= 0x02;  // a fourth page marked, still 3 pages of data
  refuse(image, {"the bitmap marks 4 pages present, the header says 3"});
  image = good;
  image[0] = 'X';
  refuse(image, {"not a memory image"});
  image = good;
  image[8] = 2;
  refuse(image, {"memory image version 2, this build reads version 1"});
  image = good;
  image[13] = 0x20;  // 8192-byte pages
  refuse(image, {"a page size of 8192"});
  image = good;
  image[24] = 0xff;
  image[25] = 0xff;  // more pages present than memory has
  refuse(image, {"65535 present pages in a memory of 4096"});
}

TEST_CASE("Memory image: a page count that is not a multiple of 8 leaves spare bitmap bits, which must be zero") {
  TempDir dir;
  GuestMemory saved(12 * kPage);
  saved.store<uint8_t>(11 * kPage, 1);
  PartRecord record = writeMemoryImage(dir.path(), saved);
  CHECK(record.bytes == memory_image::kHeaderBytes + 2 + kPage);
  GuestMemory restored(12 * kPage);
  readMemoryImage(dir.path(), record, restored);
  CHECK(memoryDigest(restored) == memoryDigest(saved));

  std::vector<uint8_t> image = readFile(dir.path() + "/memory.bin");
  image[33] = 0x18;  // page 11 and a page 12 that does not exist
  image[24] = 2;
  image.resize(image.size() + kPage);
  PartRecord bad = writePart(dir.path(), "memory", image);
  expectCoreError([&] { readMemoryImage(dir.path(), bad, restored); }, "checkpoint-corrupt",
                  {"pages past the end of memory"});
}

}  // namespace
}  // namespace kx
