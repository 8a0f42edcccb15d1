// Checkpoint part files: written under a temporary name and renamed into
// place, read back with the size checked at open and the checksum at the end,
// and every name and number from the manifest treated as untrusted.
#include <doctest/doctest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>
#include <vector>

#include "checkpoint/part_file.hh"
#include "expect_error.hh"
#include "temp_dir.hh"

namespace kx {
namespace {

using test::expectCoreError;
using test::TempDir;

const std::string kAbcSha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

bool exists(const std::string& path) { return std::filesystem::exists(path); }

std::vector<uint8_t> pattern(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i * 13 + 1);
  return bytes;
}

TEST_CASE("Part file: written, renamed into place, and read back whole") {
  TempDir dir;
  PartRecord record = writePart(dir.path(), "state", {'a', 'b', 'c'});
  CHECK(record.name == "state");
  CHECK(record.file == "state.bin");
  CHECK(record.bytes == 3);
  CHECK(record.sha256 == kAbcSha256);
  CHECK(exists(dir.path() + "/state.bin"));
  CHECK_FALSE(exists(dir.path() + "/state.bin.tmp"));
  CHECK(readPart(dir.path(), record, 3) == std::vector<uint8_t>{'a', 'b', 'c'});

  PartRecord empty = writePart(dir.path(), "empty", {});
  CHECK(empty.bytes == 0);
  CHECK(empty.sha256 == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(readPart(dir.path(), empty, 0).empty());
}

TEST_CASE("Part file: the final name appears only at commit; an abandoned writer leaves nothing") {
  TempDir dir;
  const std::vector<uint8_t> bytes = pattern(100000);
  {
    PartWriter writer(dir.path(), "devices", "devices.bin");
    writer.write(bytes.data(), 1);
    writer.write(bytes.data() + 1, 65535);
    writer.write(bytes.data() + 65536, bytes.size() - 65536);
    CHECK(writer.bytes() == bytes.size());
    CHECK(exists(dir.path() + "/devices.bin.tmp"));
    CHECK_FALSE(exists(dir.path() + "/devices.bin"));
    PartRecord record = writer.commit();
    CHECK(record.bytes == bytes.size());
    CHECK(exists(dir.path() + "/devices.bin"));
    CHECK_FALSE(exists(dir.path() + "/devices.bin.tmp"));

    // Read in uneven pieces, then verified.
    PartReader reader(dir.path(), record);
    std::vector<uint8_t> back(bytes.size());
    size_t at = 0;
    for (size_t n = 1; at < back.size(); n = n * 3 + 1) {
      size_t take = std::min(n, back.size() - at);
      reader.read(back.data() + at, take);
      at += take;
    }
    CHECK(reader.remaining() == 0);
    reader.verify();
    CHECK(back == bytes);
  }
  {
    PartWriter writer(dir.path(), "memory", "memory.bin");
    writer.write(bytes.data(), bytes.size());
  }
  CHECK_FALSE(exists(dir.path() + "/memory.bin.tmp"));
  CHECK_FALSE(exists(dir.path() + "/memory.bin"));
}

TEST_CASE("Part file: a folder that cannot be written is a checkpoint-io error naming the file") {
  TempDir dir;
  expectCoreError([&] { writePart(dir.path() + "/missing", "state", {1}); }, "checkpoint-io",
                  {"/missing/state.bin.tmp", "No such file or directory"});
  expectCoreError([&] { PartWriter(dir.path(), "state", "../state.bin"); }, "internal", {"../state.bin"});
}

TEST_CASE("Part file: only plain file names inside the checkpoint folder") {
  for (const char* good : {"memory.bin", "vcpu-0_registers.bin", "A", "x.y.z"}) {
    CAPTURE(good);
    CHECK(isPartFileName(good));
  }
  for (const char* bad : {"", ".", "..", "../memory.bin", "a/b", "/etc/passwd", ".hidden", "x..y", "a b", "tab\t",
                          "caf\xc3\xa9", "a\\b"}) {
    CAPTURE(bad);
    CHECK_FALSE(isPartFileName(bad));
  }
  CHECK(isPartFileName(std::string(128, 'a')));
  CHECK_FALSE(isPartFileName(std::string(129, 'a')));

  TempDir dir;
  PartRecord record{"state", "../state.bin", 3, kAbcSha256};
  expectCoreError([&] { PartReader(dir.path(), record); }, "checkpoint-corrupt", {"state part", "\"../state.bin\""});
}

TEST_CASE("Part file: a missing file, or a folder in its place, is a checkpoint-io error naming the path") {
  TempDir dir;
  PartRecord record{"state", "state.bin", 3, kAbcSha256};
  expectCoreError([&] { PartReader(dir.path(), record); }, "checkpoint-io",
                  {(dir.path() + "/state.bin").c_str(), "No such file or directory"});
  REQUIRE(::mkdir((dir.path() + "/state.bin").c_str(), 0755) == 0);
  expectCoreError([&] { PartReader(dir.path(), record); }, "checkpoint-io", {"state.bin", "not a regular file"});
}

TEST_CASE("Part file: a size other than the manifest's is refused when the file is opened") {
  TempDir dir;
  std::string path = dir.write("memory.bin", std::vector<uint8_t>(1000, 7));
  expectCoreError([&] { PartReader(dir.path(), PartRecord{"memory", "memory.bin", 4096, kAbcSha256}); },
                  "checkpoint-corrupt", {(path + ": 1000 bytes, the manifest says 4096 (truncated?)").c_str()});
  expectCoreError([&] { PartReader(dir.path(), PartRecord{"memory", "memory.bin", 999, kAbcSha256}); },
                  "checkpoint-corrupt", {(path + ": 1000 bytes, the manifest says 999").c_str()});
}

TEST_CASE("Part file: a changed byte is found by the checksum") {
  TempDir dir;
  std::vector<uint8_t> bytes = pattern(5000);
  PartRecord record = writePart(dir.path(), "state", bytes);
  bytes[4321] ^= 0x10;
  std::string path = dir.write("state.bin", bytes);
  expectCoreError([&] { readPart(dir.path(), record, 5000); }, "checkpoint-corrupt",
                  {path.c_str(), "its checksum is ", ("the manifest says " + record.sha256).c_str(),
                   "the file was changed or damaged"});
}

TEST_CASE("Part file: reads past the end, bytes left unread, and a malformed checksum are refused") {
  TempDir dir;
  PartRecord record = writePart(dir.path(), "state", {'a', 'b', 'c'});
  {
    PartReader reader(dir.path(), record);
    uint8_t buffer[4];
    reader.read(buffer, 2);
    expectCoreError([&] { reader.read(buffer, 2); }, "checkpoint-corrupt", {"state.bin", "runs 1 bytes past the end"});
    expectCoreError([&] { reader.verify(); }, "checkpoint-corrupt", {"state.bin", "1 bytes left over"});
  }
  PartRecord upper = record;
  upper.sha256 = "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD";
  expectCoreError([&] { PartReader(dir.path(), upper); }, "checkpoint-corrupt", {"not 64 lowercase hex digits"});
  PartRecord shortSum = record;
  shortSum.sha256 = "ba7816bf";
  expectCoreError([&] { PartReader(dir.path(), shortSum); }, "checkpoint-corrupt", {"\"ba7816bf\""});
}

TEST_CASE("Part file: readPart refuses a part larger than its limit before reading it") {
  TempDir dir;
  // The manifest claims an enormous part: refused by its size, not by an allocation failure.
  PartRecord huge{"state", "state.bin", uint64_t{1} << 60, kAbcSha256};
  expectCoreError([&] { readPart(dir.path(), huge, 1 << 20); }, "checkpoint-corrupt",
                  {"state.bin", "1152921504606846976 bytes, more than the 1048576 it may have"});
  PartRecord record = writePart(dir.path(), "state", {'a', 'b', 'c'});
  expectCoreError([&] { readPart(dir.path(), record, 2); }, "checkpoint-corrupt", {"3 bytes, more than the 2"});
}

}  // namespace
}  // namespace kx
