// A scratch folder packed into a checkpoint part and unpacked elsewhere, and
// archives that try to reach outside the folder or lie about their entries.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "checkpoint/folder_archive.hh"
#include "expect_error.hh"
#include "sim/state_codec.hh"
#include "temp_dir.hh"

namespace kx {
namespace {

namespace fs = std::filesystem;

std::string contents(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeText(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST_CASE("folder archive: folders, files, contents and modes come back as they were") {
  test::TempDir from, to;
  fs::create_directories(fs::path(from.path()) / "out/deep");
  writeText(fs::path(from.path()) / "out/deep/result.txt", "42\n");
  writeText(fs::path(from.path()) / "empty", "");
  std::string big(300000, 'x');
  writeText(fs::path(from.path()) / "out/big.bin", big);
  ::chmod((fs::path(from.path()) / "out/big.bin").c_str(), 0640);
  unpackFolder(packFolder(from.path()), to.path());
  CHECK(contents(fs::path(to.path()) / "out/deep/result.txt") == "42\n");
  CHECK(contents(fs::path(to.path()) / "out/big.bin") == big);
  CHECK(fs::exists(fs::path(to.path()) / "empty"));
  CHECK((fs::status(fs::path(to.path()) / "out/big.bin").permissions() & fs::perms::all) == static_cast<fs::perms>(0640));
}

TEST_CASE("folder archive: a symlink in the folder cannot be kept, and says so") {
  test::TempDir from;
  fs::create_symlink("/etc/passwd", fs::path(from.path()) / "link");
  test::expectCoreError([&] { packFolder(from.path()); }, "checkpoint-unsupported", {"link", "neither a folder nor a regular file"});
}

std::vector<uint8_t> archiveWith(uint8_t kind, const std::string& path) {
  StateWriter out;
  out.put<uint32_t>(1);
  out.put<uint64_t>(1);
  out.put<uint8_t>(kind);
  out.putString(path);
  out.put<uint32_t>(0644);
  out.putString("owned");
  return out.bytes();
}

TEST_CASE("folder archive: paths that leave the folder, and unknown kinds, are refused before anything is written") {
  test::TempDir to;
  for (const char* path : {"../escape", "/etc/evil", "a/../../b", "", "./x"})
    test::expectCoreError([&] { unpackFolder(archiveWith(2, path), to.path()); }, "checkpoint-corrupt", {"is not a plain relative folder or file"});
  test::expectCoreError([&] { unpackFolder(archiveWith(7, "ok"), to.path()); }, "checkpoint-corrupt", {"entry 0"});
  CHECK(fs::is_empty(to.path()));
  test::expectCoreError([&] { unpackFolder(std::vector<uint8_t>{2, 0, 0, 0}, to.path()); }, "checkpoint-corrupt", {"version 2"});
}

}  // namespace
}  // namespace kx
