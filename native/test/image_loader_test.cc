// loadImage on crafted files: a minimal valid ELF64 and flat image, and files
// that are malformed, for another machine, or do not fit. Every failure must be
// a CoreError with the right code and a message naming the file and the field.
#include <doctest/doctest.h>
#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "boot/image_loader.hh"
#include "boot/layout.hh"
#include "expect_error.hh"
#include "elf_header.hh"
#include "temp_dir.hh"

namespace kx {
namespace {

using test::expectCoreError;
using test::TempDir;

constexpr uint64_t kMemory = 4ull << 20;
constexpr uint64_t kLoad = layout::kImageFloor;


// The smallest image the loader takes: one header, one PT_LOAD, 16 bytes of code.
struct Elf {
  Elf64_Ehdr eh{};
  std::vector<Elf64_Phdr> ph;
  std::vector<uint8_t> code = {0xf4, 0xeb, 0xfd, 0x90, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

  Elf() {
    eh = test::elf64Header(ET_EXEC, kLoad, 1);
    Elf64_Phdr load{};
    load.p_type = PT_LOAD;
    load.p_flags = PF_R | PF_X;
    load.p_offset = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
    load.p_vaddr = load.p_paddr = kLoad;
    load.p_filesz = code.size();
    load.p_memsz = 0x1000;  // the rest is bss, zeroed
    load.p_align = 0x1000;
    ph.push_back(load);
  }
  Elf64_Phdr& seg() { return ph[0]; }

  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out(sizeof eh);
    std::memcpy(out.data(), &eh, sizeof eh);
    for (const Elf64_Phdr& p : ph) {
      const auto* raw = reinterpret_cast<const uint8_t*>(&p);
      out.insert(out.end(), raw, raw + sizeof p);
    }
    out.insert(out.end(), code.begin(), code.end());
    return out;
  }
};

struct Fixture {
  TempDir dir;
  GuestMemory memory{kMemory};

  LoadedImage loadElf(const std::vector<uint8_t>& bytes) {
    return loadImage(dir.write("guest.elf", bytes), ImageFormat::Elf, memory);
  }
  void elfFails(const Elf& elf, const std::string& code, std::initializer_list<const char*> inMessage) {
    std::string file = dir.write("guest.elf", elf.bytes());
    expectCoreError([&] { loadImage(file, ImageFormat::Elf, memory); }, code, inMessage);
  }
};

TEST_CASE_FIXTURE(Fixture, "ELF: a minimal valid image loads, its bss zeroed") {
  std::memset(memory.at(kLoad, 0x2000), 0xaa, 0x2000);
  Elf elf;
  LoadedImage image = loadElf(elf.bytes());
  CHECK(image.entry == kLoad);
  CHECK(image.lowest == kLoad);
  CHECK(image.highest == kLoad + 0x1000);
  CHECK(std::memcmp(memory.at(kLoad, elf.code.size()), elf.code.data(), elf.code.size()) == 0);
  CHECK(memory.load<uint8_t>(kLoad + elf.code.size()) == 0);
  CHECK(memory.load<uint8_t>(kLoad + 0xfff) == 0);
  CHECK(memory.load<uint8_t>(kLoad + 0x1000) == 0xaa);  // past p_memsz: untouched
}

TEST_CASE_FIXTURE(Fixture, "ELF: segments other than PT_LOAD are not followed") {
  Elf elf;
  Elf64_Phdr note{};
  note.p_type = PT_NOTE;
  note.p_offset = UINT64_MAX;
  note.p_filesz = UINT64_MAX;
  note.p_paddr = 0;
  note.p_memsz = UINT64_MAX;
  elf.ph.push_back(note);
  elf.eh.e_phnum = 2;
  elf.seg().p_offset += sizeof(Elf64_Phdr);
  CHECK(loadElf(elf.bytes()).entry == kLoad);
}

TEST_CASE_FIXTURE(Fixture, "ELF: a truncated or missing header") {
  std::vector<uint8_t> bytes = Elf().bytes();
  SUBCASE("header cut short") {
    bytes.resize(40);
    std::string file = dir.write("short.elf", bytes);
    expectCoreError([&] { loadImage(file, ImageFormat::Elf, memory); }, "image-invalid",
                   {"short.elf", "not an ELF file"});
  }
  SUBCASE("empty file") {
    std::string file = dir.write("empty.elf", {});
    expectCoreError([&] { loadImage(file, ImageFormat::Elf, memory); }, "image-invalid", {"not an ELF file"});
  }
  SUBCASE("bad magic") {
    bytes[1] = 'X';
    std::string file = dir.write("magic.elf", bytes);
    expectCoreError([&] { loadImage(file, ImageFormat::Elf, memory); }, "image-invalid", {"bad magic"});
  }
}

TEST_CASE_FIXTURE(Fixture, "ELF: identity and header fields for another machine") {
  Elf elf;
  SUBCASE("ELF32 class") {
    elf.eh.e_ident[EI_CLASS] = ELFCLASS32;
    elfFails(elf, "image-invalid", {"guest.elf", "e_ident[EI_CLASS] is 1", "ELFCLASS64"});
  }
  SUBCASE("big-endian") {
    elf.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    elfFails(elf, "image-invalid", {"e_ident[EI_DATA]", "little-endian"});
  }
  SUBCASE("wrong machine") {
    elf.eh.e_machine = EM_AARCH64;
    elfFails(elf, "image-invalid", {"e_machine is 183", "EM_X86_64"});
  }
  SUBCASE("not an executable") {
    elf.eh.e_type = ET_DYN;
    elfFails(elf, "image-invalid", {"e_type is 3", "ET_EXEC"});
  }
  SUBCASE("program header entry size") {
    elf.eh.e_phentsize = 32;
    elfFails(elf, "image-invalid", {"e_phentsize is 32", "expected 56"});
  }
  SUBCASE("no program headers") {
    elf.eh.e_phnum = 0;
    elfFails(elf, "image-invalid", {"e_phnum is 0"});
  }
  SUBCASE("too many program headers") {
    elf.eh.e_phnum = 65;
    elfFails(elf, "image-invalid", {"e_phnum is 65"});
  }
}

TEST_CASE_FIXTURE(Fixture, "ELF: a program-header table past the end of the file") {
  Elf elf;
  SUBCASE("starts past the end") {
    elf.eh.e_phoff = 0x10000;
    elfFails(elf, "image-invalid", {"program headers (e_phoff 0x10000) run past the end of the file"});
  }
  SUBCASE("starts inside, ends past") {
    elf.eh.e_phoff = elf.bytes().size() - 8;
    elfFails(elf, "image-invalid", {"program headers", "past the end of the file"});
  }
  SUBCASE("more entries than the file holds") {
    elf.eh.e_phnum = 64;
    elfFails(elf, "image-invalid", {"program headers", "past the end of the file"});
  }
  SUBCASE("an offset that wraps 64 bits") {
    elf.eh.e_phoff = UINT64_MAX - 8;
    elfFails(elf, "image-invalid", {"program headers (e_phoff 0xfffffffffffffff7)"});
  }
}

TEST_CASE_FIXTURE(Fixture, "ELF: segment contents past the end of the file") {
  Elf elf;
  SUBCASE("p_filesz past the end") {
    elf.seg().p_filesz = 0x100;
    elfFails(elf, "image-invalid", {"segment 0", "p_offset 0x78 + p_filesz 0x100 runs past the end of the file"});
  }
  SUBCASE("p_offset past the end") {
    elf.seg().p_offset = 0x100000;
    elfFails(elf, "image-invalid", {"segment 0", "runs past the end of the file"});
  }
  SUBCASE("p_offset + p_filesz wraps 64 bits") {
    elf.seg().p_offset = 0x10;
    elf.seg().p_filesz = UINT64_MAX - 0x8;
    elf.seg().p_memsz = UINT64_MAX;
    elfFails(elf, "image-invalid", {"segment 0", "runs past the end of the file"});
  }
}

TEST_CASE_FIXTURE(Fixture, "ELF: p_filesz larger than p_memsz") {
  Elf elf;
  elf.seg().p_memsz = elf.seg().p_filesz - 1;
  elfFails(elf, "image-invalid", {"segment 0", "p_filesz is larger than p_memsz"});
}

TEST_CASE_FIXTURE(Fixture, "ELF: a segment below the 1 MiB image floor") {
  Elf elf;
  elf.seg().p_vaddr = elf.seg().p_paddr = 0x8000;  // the page tables live here
  elf.eh.e_entry = 0x8000;
  elfFails(elf, "image-invalid", {"segment 0 (p_paddr) at 0x8000", "boot structures below 0x100000"});
  elf.seg().p_vaddr = elf.seg().p_paddr = kLoad - 1;
  elfFails(elf, "image-invalid", {"at 0xfffff", "boot structures"});
}

TEST_CASE_FIXTURE(Fixture, "ELF: a segment past guest memory") {
  Elf elf;
  SUBCASE("starting inside, ending past") {
    elf.seg().p_vaddr = elf.seg().p_paddr = kMemory - 0x800;
    elf.eh.e_entry = kMemory - 0x800;
    elfFails(elf, "image-too-big", {"guest.elf", "segment 0 (p_paddr)", "lies outside guest memory of 0x400000 bytes",
                                    "raise guest.memory"});
  }
  SUBCASE("starting past the end") {
    elf.seg().p_vaddr = elf.seg().p_paddr = 0x40000000;
    elfFails(elf, "image-too-big", {"[0x40000000,", "lies outside guest memory"});
  }
  SUBCASE("p_paddr + p_memsz wraps 64 bits") {
    elf.seg().p_vaddr = elf.seg().p_paddr = UINT64_MAX - 0xfff;
    elfFails(elf, "image-too-big", {"segment 0", "lies outside guest memory"});
  }
  SUBCASE("a huge p_memsz") {
    elf.seg().p_memsz = UINT64_MAX;
    elfFails(elf, "image-too-big", {"segment 0", "lies outside guest memory"});
  }
}

TEST_CASE_FIXTURE(Fixture, "ELF: segment and entry consistency") {
  Elf elf;
  SUBCASE("p_vaddr differs from p_paddr") {
    elf.seg().p_vaddr = 0xffffffff80000000;
    elfFails(elf, "image-invalid", {"p_vaddr 0xffffffff80000000 differs from p_paddr 0x100000"});
  }
  SUBCASE("entry outside every segment") {
    elf.eh.e_entry = kLoad + 0x1000;
    elfFails(elf, "image-invalid", {"e_entry 0x101000 is not inside an executable PT_LOAD segment"});
  }
  SUBCASE("entry in a segment that is not executable") {
    elf.seg().p_flags = PF_R | PF_W;
    elfFails(elf, "image-invalid", {"e_entry 0x100000"});
  }
  SUBCASE("no PT_LOAD at all") {
    elf.seg().p_type = PT_NOTE;
    elfFails(elf, "image-invalid", {"no PT_LOAD segment"});
  }
}

TEST_CASE_FIXTURE(Fixture, "ELF: random corruption of the headers is refused or loaded, never followed") {
  std::vector<uint8_t> valid = Elf().bytes();
  size_t headers = sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr);
  std::mt19937_64 rng(7);
  std::string file = dir.path() + "/fuzz.elf";
  int loaded = 0, refused = 0;
  for (int round = 0; round < 1000; ++round) {
    std::vector<uint8_t> bytes = valid;
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % headers;
      uint64_t value = rng() % 4 == 0 ? UINT64_MAX - rng() % 0x10000 : rng() % 3 == 0 ? rng() % 0x200000 : rng();
      size_t width = std::min<size_t>(size_t{1} << (rng() % 4), bytes.size() - at);
      std::memcpy(bytes.data() + at, &value, width);
    }
    if (rng() % 8 == 0) bytes.resize(rng() % bytes.size());
    dir.write("fuzz.elf", bytes);
    try {
      LoadedImage image = loadImage(file, ImageFormat::Elf, memory);
      REQUIRE(image.lowest >= layout::kImageFloor);
      REQUIRE(image.highest <= kMemory);
      ++loaded;
    } catch (const CoreError& e) {
      REQUIRE_MESSAGE((e.code() == "image-invalid" || e.code() == "image-too-big"), e.code() << ": " << e.what());
      REQUIRE(std::string(e.what()).rfind(file + ": ", 0) == 0);
      ++refused;
    }
  }
  CHECK(loaded + refused == 1000);
  CHECK(refused > 0);
}

TEST_CASE_FIXTURE(Fixture, "flat: an image loads at the image floor") {
  std::vector<uint8_t> bytes(3000, 0x5a);
  LoadedImage image = loadImage(dir.write("guest.bin", bytes), ImageFormat::Flat, memory);
  CHECK(image.entry == kLoad);
  CHECK(image.lowest == kLoad);
  CHECK(image.highest == kLoad + 3000);
  CHECK(memory.load<uint8_t>(kLoad + 2999) == 0x5a);
}

TEST_CASE_FIXTURE(Fixture, "flat: an empty image") {
  std::string file = dir.write("empty.bin", {});
  expectCoreError([&] { loadImage(file, ImageFormat::Flat, memory); }, "image-invalid",
                 {"empty.bin", "flat image is empty"});
}

TEST_CASE_FIXTURE(Fixture, "flat: an image larger than guest memory") {
  std::string file = dir.write("big.bin", std::vector<uint8_t>(kMemory + 1));
  expectCoreError([&] { loadImage(file, ImageFormat::Flat, memory); }, "image-too-big",
                 {"big.bin", "image is 4194305 bytes, larger than guest memory (4194304 bytes)", "raise guest.memory"});
}

TEST_CASE_FIXTURE(Fixture, "flat: an image that fits in memory but not above the image floor") {
  std::string file = dir.write("tight.bin", std::vector<uint8_t>(kMemory - kLoad + 1));
  expectCoreError([&] { loadImage(file, ImageFormat::Flat, memory); }, "image-too-big",
                 {"tight.bin", "flat image [0x100000, 0x400001) lies outside guest memory"});
}

TEST_CASE_FIXTURE(Fixture, "unreadable images: missing, a directory, a FIFO") {
  for (ImageFormat format : {ImageFormat::Elf, ImageFormat::Flat}) {
    expectCoreError([&] { loadImage(dir.path() + "/missing.elf", format, memory); }, "image-unreadable",
                   {"missing.elf: cannot open guest image", "No such file"});
    expectCoreError([&] { loadImage(dir.path(), format, memory); }, "image-unreadable", {"is not a regular file"});
    std::string fifo = dir.path() + "/fifo";
    ::unlink(fifo.c_str());
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    // Must not wait for a writer.
    expectCoreError([&] { loadImage(fifo, format, memory); }, "image-unreadable", {"fifo", "is not a regular file"});
  }
}

}  // namespace
}  // namespace kx
