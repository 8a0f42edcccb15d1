// loadMultiboot on images built here byte by byte: a good a.out-kludge image,
// good ELF32 and ELF64 images, modules and command lines, and every refusal
// of a hostile header, checked by its exact message.
#include <doctest/doctest.h>
#include <elf.h>

#include <cstring>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "boot/multiboot.hh"
#include "elf_header.hh"
#include "expect_error.hh"
#include "temp_dir.hh"

namespace kx {
namespace {

namespace mb = multiboot;
using test::TempDir;

constexpr uint64_t kMemory = 4ull << 20;
constexpr uint32_t kLoad = 0x100000;

void put32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
  std::vector<uint8_t> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(seed + i * 7);
  return out;
}

uint32_t checksumFor(uint32_t flags) { return 0u - mb::kHeaderMagic - flags; }

// An a.out-kludge image: `lead` bytes of some other header, the multiboot
// header with address fields, then the body. Loaded whole at kLoad.
struct Aout {
  uint32_t lead = 0x40;
  uint32_t flags = mb::kPageAlignModules | mb::kNeedMemoryInfo | mb::kAddressFields;
  std::optional<uint32_t> checksum;  // default: the right one
  uint32_t headerAddr = kLoad + 0x40;
  uint32_t loadAddr = kLoad;
  uint32_t loadEndAddr = 0;
  uint32_t bssEndAddr = 0;
  uint32_t entryAddr = kLoad + 0x40 + 32;
  std::vector<uint8_t> body = pattern(0x1c0, 0x11);

  Aout() {
    loadEndAddr = kLoad + size();
    bssEndAddr = loadEndAddr + 0x1000;
  }
  uint32_t size() const { return lead + 32 + static_cast<uint32_t>(body.size()); }
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out(lead, 0xcc);
    put32(out, mb::kHeaderMagic);
    put32(out, flags);
    put32(out, checksum ? *checksum : checksumFor(flags));
    for (uint32_t v : {headerAddr, loadAddr, loadEndAddr, bssEndAddr, entryAddr}) put32(out, v);
    out.insert(out.end(), body.begin(), body.end());
    return out;
  }
};

// An ELF image with a multiboot header (no address fields) at the start of
// its first segment's contents, which begin at file offset 0x200.
template <typename Ehdr, typename Phdr>
struct Elf {
  static constexpr uint32_t kPayload = 0x200;
  Ehdr eh{};
  std::vector<Phdr> ph;
  std::vector<uint8_t> payload;

  Elf(unsigned char elfClass, uint16_t machine) {
    eh = test::elfHeader<Ehdr, Phdr>(elfClass, machine, ET_EXEC, kLoad + 12, 0);  // e_phnum: once ph is known
    uint32_t flags = mb::kPageAlignModules | mb::kNeedMemoryInfo;
    put32(payload, mb::kHeaderMagic);
    put32(payload, flags);
    put32(payload, checksumFor(flags));
    std::vector<uint8_t> code = pattern(0x100 - 12, 0x90);
    payload.insert(payload.end(), code.begin(), code.end());
    std::vector<uint8_t> data = pattern(0x40, 0x33);
    payload.insert(payload.end(), data.begin(), data.end());
    Phdr text{};
    text.p_type = PT_LOAD;
    text.p_flags = PF_R | PF_X;
    text.p_offset = kPayload;
    text.p_vaddr = text.p_paddr = kLoad;
    text.p_filesz = 0x100;
    text.p_memsz = 0x1000;
    text.p_align = 0x1000;
    Phdr rw = text;
    rw.p_flags = PF_R | PF_W;
    rw.p_offset = kPayload + 0x100;
    rw.p_vaddr = rw.p_paddr = kLoad + 0x2000;
    rw.p_filesz = 0x40;
    rw.p_memsz = 0x3000;  // the rest is bss
    ph = {text, rw};
    eh.e_phnum = 2;
  }
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out(kPayload, 0);
    std::memcpy(out.data(), &eh, sizeof eh);
    REQUIRE(sizeof(Ehdr) + ph.size() * sizeof(Phdr) <= kPayload);
    std::memcpy(out.data() + sizeof(Ehdr), ph.data(), ph.size() * sizeof(Phdr));
    out.insert(out.end(), payload.begin(), payload.end());
    return out;
  }
};

struct Elf32 : Elf<Elf32_Ehdr, Elf32_Phdr> {
  Elf32() : Elf(ELFCLASS32, EM_386) {}
};
struct Elf64 : Elf<Elf64_Ehdr, Elf64_Phdr> {
  Elf64() : Elf(ELFCLASS64, EM_X86_64) {}
};

struct Fixture {
  TempDir dir;
  GuestMemory memory{kMemory};

  std::string kernel(const std::vector<uint8_t>& bytes) { return dir.write("kernel", bytes); }
  MultibootImage load(const std::vector<uint8_t>& bytes, const MultibootBoot& boot = {}) {
    return loadMultiboot(kernel(bytes), memory, boot);
  }
  // The message must be exactly "<kernel path>: <what>".
  void refused(const std::vector<uint8_t>& bytes, const std::string& what, const MultibootBoot& boot = {}) {
    std::string path = kernel(bytes);
    refusedPath(path, path + ": " + what, boot);
  }
  void refusedPath(const std::string& path, const std::string& message, const MultibootBoot& boot = {}) {
    try {
      loadMultiboot(path, memory, boot);
      FAIL_CHECK("loaded; expected: " << message);
    } catch (const CoreError& e) {
      CHECK(e.code() == "multiboot-image");
      CHECK(std::string(e.what()) == message);
    }
  }
  uint32_t u32(uint64_t at) const { return memory.load<uint32_t>(at); }
  uint64_t u64(uint64_t at) const { return memory.load<uint64_t>(at); }
  std::string cstr(uint64_t at) const { return reinterpret_cast<const char*>(memory.at(at, 1)); }
};

// The information block every good load writes, whatever the kernel.
void checkInfo(const Fixture& f, const MultibootImage& image, const std::string& cmdline, uint32_t mods) {
  uint64_t info = image.infoAddress;
  CHECK(info % 4096 == 0);
  CHECK(info >= image.kernelEnd);
  CHECK(f.u32(info + mb::kFlags) == 0x24f);  // MEM | BOOTDEV | CMDLINE | MODS | MMAP | LOADER_NAME, as QEMU
  CHECK(f.u32(info + mb::kMemLower) == 639);
  CHECK(f.u32(info + mb::kMemUpper) == (kMemory - (1 << 20) - (128 << 10)) / 1024);
  CHECK(f.u32(info + mb::kBootDevice) == 0x8000ffff);
  CHECK(f.cstr(f.u32(info + mb::kLoaderName)) == "kvm-experiments");
  CHECK(f.cstr(f.u32(info + mb::kCmdline)) == cmdline);
  CHECK(f.u32(info + mb::kModsCount) == mods);
  CHECK(f.u32(info + mb::kMmapLength) == 5 * 24);
  uint64_t mmap = f.u32(info + mb::kMmapAddr);
  CHECK(mmap > info);
  struct {
    uint64_t base, length;
    uint32_t type;
  } expected[] = {{0, 0x9fc00, 1},
                  {0x9fc00, 0x400, 2},
                  {0xf0000, 0x10000, 2},
                  {0x100000, kMemory - 0x100000 - 0x20000, 1},
                  {kMemory - 0x20000, 0x20000, 2}};
  for (unsigned i = 0; i < 5; ++i) {
    uint64_t e = mmap + 24 * i;
    CHECK(f.u32(e) == 20);
    CHECK(f.u64(e + 4) == expected[i].base);
    CHECK(f.u64(e + 12) == expected[i].length);
    CHECK(f.u32(e + 20) == expected[i].type);
  }
  for (uint64_t at : {mmap, uint64_t{f.u32(info + mb::kModsAddr)}, uint64_t{f.u32(info + mb::kCmdline)}})
    CHECK((at >= info && at < image.end));
}

TEST_CASE_FIXTURE(Fixture, "a.out kludge: a good image loads whole at load_addr, bss zeroed, info after it") {
  std::memset(memory.at(kLoad, 0x3000), 0xaa, 0x3000);
  Aout aout;
  std::vector<uint8_t> bytes = aout.bytes();
  MultibootImage image = load(bytes, {"hello world", {}});
  CHECK(image.entry == kLoad + 0x60);
  CHECK(image.kernelStart == kLoad);
  CHECK(image.kernelEnd == kLoad + bytes.size() + 0x1000);
  CHECK(image.headerFlags == aout.flags);
  CHECK(std::memcmp(memory.at(kLoad, bytes.size()), bytes.data(), bytes.size()) == 0);
  CHECK(memory.load<uint8_t>(kLoad + bytes.size()) == 0);
  CHECK(memory.load<uint8_t>(kLoad + bytes.size() + 0xfff) == 0);
  CHECK(image.infoAddress == kLoad + 0x2000);  // the page after bss_end (0x101220)
  checkInfo(*this, image, "hello world", 0);
}

TEST_CASE_FIXTURE(Fixture, "a.out kludge: load_end_addr 0 loads the rest of the file; bss_end_addr 0 means no bss") {
  Aout aout;
  aout.loadEndAddr = 0;
  aout.bssEndAddr = 0;
  MultibootImage image = load(aout.bytes());
  CHECK(image.kernelEnd == kLoad + aout.size());
  CHECK(image.infoAddress == kLoad + 0x1000);
}

TEST_CASE_FIXTURE(Fixture, "a.out kludge: a header deep in the file: loaded from offset - (header_addr - load_addr)") {
  Aout aout;
  aout.lead = 0x1000;  // 0x1000 bytes of something else before the header
  aout.headerAddr = kLoad + 0x10;
  aout.entryAddr = kLoad + 0x10;
  aout.loadEndAddr = kLoad + 0x10 + 32 + static_cast<uint32_t>(aout.body.size());
  aout.bssEndAddr = 0;
  std::vector<uint8_t> bytes = aout.bytes();
  MultibootImage image = load(bytes);
  CHECK(image.kernelEnd == aout.loadEndAddr);
  // File offset 0xff0 lands at kLoad.
  CHECK(std::memcmp(memory.at(kLoad, 0x10 + 32), bytes.data() + 0xff0, 0x10 + 32) == 0);
  CHECK(u32(kLoad + 0x10) == mb::kHeaderMagic);
}

TEST_CASE_FIXTURE(Fixture, "ELF32: segments load at p_paddr, bss zeroed, entry and info block") {
  std::memset(memory.at(kLoad, 0x6000), 0xaa, 0x6000);
  Elf32 elf;
  std::vector<uint8_t> bytes = elf.bytes();
  MultibootImage image = load(bytes, {"kernel args", {}});
  CHECK(image.entry == kLoad + 12);
  CHECK(image.kernelStart == kLoad);
  CHECK(image.kernelEnd == kLoad + 0x5000);
  CHECK(image.headerFlags == 0x3);
  CHECK(std::memcmp(memory.at(kLoad, 0x100), bytes.data() + 0x200, 0x100) == 0);
  CHECK(memory.load<uint8_t>(kLoad + 0x100) == 0);
  CHECK(memory.load<uint8_t>(kLoad + 0xfff) == 0);
  CHECK(memory.load<uint8_t>(kLoad + 0x1000) == 0xaa);  // between the segments: untouched
  CHECK(std::memcmp(memory.at(kLoad + 0x2000, 0x40), bytes.data() + 0x300, 0x40) == 0);
  CHECK(memory.load<uint8_t>(kLoad + 0x4fff) == 0);
  CHECK(image.infoAddress == kLoad + 0x5000);
  checkInfo(*this, image, "kernel args", 0);
}

TEST_CASE_FIXTURE(Fixture, "ELF32: a higher-half kernel loads by p_paddr, its entry moved to the physical address") {
  Elf32 elf;
  for (Elf32_Phdr& p : elf.ph) p.p_vaddr += 0xc0000000;
  elf.eh.e_entry = 0xc0000000 + kLoad + 12;
  MultibootImage image = load(elf.bytes());
  CHECK(image.entry == kLoad + 12);
  CHECK(u32(kLoad) == mb::kHeaderMagic);
}

TEST_CASE_FIXTURE(Fixture, "ELF32: empty segments and other program headers are skipped") {
  Elf32 elf;
  Elf32_Phdr note{};
  note.p_type = PT_NOTE;
  note.p_offset = 0xffffffff;
  note.p_filesz = 0xffffffff;
  Elf32_Phdr empty{};
  empty.p_type = PT_LOAD;
  empty.p_paddr = 0x10;  // would be below 1 MiB, but holds nothing
  elf.ph.push_back(note);
  elf.ph.push_back(empty);
  elf.eh.e_phnum = 4;
  CHECK(load(elf.bytes()).kernelEnd == kLoad + 0x5000);
}

TEST_CASE_FIXTURE(Fixture, "ELF64: loaded by p_paddr too (QEMU refuses these; we do not)") {
  Elf64 elf;
  MultibootImage image = load(elf.bytes(), {"x", {}});
  CHECK(image.entry == kLoad + 12);
  CHECK(image.kernelEnd == kLoad + 0x5000);
  checkInfo(*this, image, "x", 0);
}

TEST_CASE_FIXTURE(Fixture, "modules: page aligned after the strings, with their command lines and contents") {
  std::vector<uint8_t> first = pattern(5000, 1), second = pattern(3, 9);
  MultibootBoot boot{"/boot/kernel hello", {{dir.write("initrd", first), "initrd arg=1"},
                                            {dir.write("tiny", second), ""},
                                            {dir.write("empty", {}), "empty"}}};
  MultibootImage image = load(Aout().bytes(), boot);
  checkInfo(*this, image, "/boot/kernel hello", 3);
  uint64_t list = u32(image.infoAddress + mb::kModsAddr);
  struct {
    const std::vector<uint8_t>* bytes;
    const char* cmdline;
  } expected[] = {{&first, "initrd arg=1"}, {&second, ""}, {nullptr, "empty"}};
  uint64_t previousEnd = image.infoAddress;
  for (unsigned i = 0; i < 3; ++i) {
    uint64_t start = u32(list + 16 * i), end = u32(list + 16 * i + 4);
    CHECK(start % 4096 == 0);
    CHECK(start >= previousEnd);
    size_t size = expected[i].bytes ? expected[i].bytes->size() : 0;
    CHECK(end - start == size);
    if (size) CHECK(std::memcmp(memory.at(start, size), expected[i].bytes->data(), size) == 0);
    CHECK(cstr(u32(list + 16 * i + 8)) == expected[i].cmdline);
    CHECK(u32(list + 16 * i + 12) == 0);
    previousEnd = end;
  }
  CHECK(image.end == previousEnd);
  CHECK(u32(list) == image.infoAddress + 0x1000);  // the strings fit the information page
}

TEST_CASE("qemuCommandLine: the kernel path, a space, the -append text") {
  CHECK(qemuCommandLine("build/mbinfo.elf", "hello world") == "build/mbinfo.elf hello world");
  CHECK(qemuCommandLine("k", "") == "k ");
}

TEST_CASE_FIXTURE(Fixture, "refused: files that are not multiboot images") {
  SUBCASE("missing") {
    std::string path = dir.path() + "/missing";
    try {
      loadMultiboot(path, memory, {});
      FAIL_CHECK("loaded");
    } catch (const CoreError& e) {
      CHECK(e.code() == "multiboot-image");
      CHECK(std::string(e.what()) ==
            path + ": cannot open multiboot kernel: No such file or directory (errno 2)");
    }
  }
  SUBCASE("too short for a header") {
    refused({1, 2, 3, 4, 5, 6, 7, 8}, "the file is 8 bytes, too short to hold a multiboot header (12 bytes)");
  }
  SUBCASE("empty") { refused({}, "the file is 0 bytes, too short to hold a multiboot header (12 bytes)"); }
  SUBCASE("no magic") {
    refused(std::vector<uint8_t>(100, 0x90),
            "no multiboot header (magic 0x1badb002 on a 4-byte boundary, with a valid checksum) in the first 100 "
            "bytes");
  }
  SUBCASE("magic not 4-byte aligned") {
    Aout aout;
    aout.lead = 0x42;
    refused(aout.bytes(), "no multiboot header (magic 0x1badb002 on a 4-byte boundary, with a valid checksum) "
                          "in the first 546 bytes");
  }
  SUBCASE("header past the first 8 KiB") {
    Aout aout;
    aout.lead = 8192;
    refused(aout.bytes(), "no multiboot header (magic 0x1badb002 on a 4-byte boundary, with a valid checksum) "
                          "in the first 8192 bytes");
  }
  SUBCASE("bad checksum") {
    Aout aout;
    aout.checksum = 0x12345678;
    refused(aout.bytes(), "the multiboot header at offset 0x40 has a bad checksum: magic 0x1badb002 + flags 0x10003 + "
                          "checksum 0x12345678 = 0x2de3067d (mod 2^32), not 0");
  }
  SUBCASE("a bad header before a good one: the good one counts") {
    Aout aout;
    std::vector<uint8_t> bytes = aout.bytes();
    uint32_t junk[] = {mb::kHeaderMagic, 0, 0};
    std::memcpy(bytes.data() + 8, junk, sizeof junk);
    CHECK(load(bytes).entry == aout.entryAddr);
  }
}

TEST_CASE_FIXTURE(Fixture, "refused: a header cut short") {
  SUBCASE("address fields past the first 8 KiB") {
    Aout aout;
    aout.lead = 8192 - 16;
    refused(aout.bytes(), "the multiboot header at offset 0x1ff0 has address fields (flags bit 16), which end at "
                          "0x2010, past the first 8192 bytes of the file");
  }
  SUBCASE("address fields past the end of the file") {
    std::vector<uint8_t> bytes = Aout().bytes();
    bytes.resize(0x40 + 20);
    refused(bytes, "the multiboot header at offset 0x40 has address fields (flags bit 16), which end at 0x60, "
                   "past the end of the file at 0x54");
  }
}

TEST_CASE_FIXTURE(Fixture, "refused: inconsistent a.out kludge address fields") {
  Aout aout;
  const std::string k = "a.out kludge (flags bit 16): ";
  SUBCASE("load_addr above header_addr") {
    aout.loadAddr = aout.headerAddr + 4;
    refused(aout.bytes(), k + "load_addr 0x100044 is above header_addr 0x100040");
  }
  SUBCASE("the image would start before the file") {
    aout.loadAddr = aout.headerAddr - 0x41;
    refused(aout.bytes(), k + "header_addr 0x100040 - load_addr 0xfffff = 0x41 is more than the header's file offset "
                              "0x40: the image would start before the file");
  }
  SUBCASE("load_end_addr below load_addr") {
    aout.loadEndAddr = kLoad - 1;
    refused(aout.bytes(), k + "load_end_addr 0xfffff is below load_addr 0x100000");
  }
  SUBCASE("load_end_addr past the end of the file") {
    aout.loadEndAddr = kLoad + aout.size() + 1;
    refused(aout.bytes(), k + "load_addr 0x100000 to load_end_addr 0x100221 is 0x221 bytes from file offset 0x0, "
                              "but the file has only 0x220 bytes there");
  }
  SUBCASE("bss_end_addr below load_end_addr") {
    aout.bssEndAddr = aout.loadEndAddr - 1;
    refused(aout.bytes(), k + "bss_end_addr 0x10021f is below the end of the loaded image at 0x100220");
  }
  SUBCASE("bss_end_addr below the file's end, with load_end_addr 0") {
    aout.loadEndAddr = 0;
    aout.bssEndAddr = kLoad + 0x10;
    refused(aout.bytes(), k + "bss_end_addr 0x100010 is below the end of the loaded image at 0x100220");
  }
  SUBCASE("entry below the image") {
    aout.entryAddr = kLoad - 1;
    refused(aout.bytes(), k + "entry_addr 0xfffff is outside the loaded image [0x100000, 0x101220)");
  }
  SUBCASE("entry at the end of bss") {
    aout.entryAddr = aout.bssEndAddr;
    refused(aout.bytes(), k + "entry_addr 0x101220 is outside the loaded image [0x100000, 0x101220)");
  }
  SUBCASE("an empty image") {
    aout.loadEndAddr = kLoad;
    aout.bssEndAddr = 0;
    aout.entryAddr = kLoad;
    refused(aout.bytes(), k + "entry_addr 0x100000 is outside the loaded image [0x100000, 0x100000)");
  }
}

TEST_CASE_FIXTURE(Fixture, "refused: an a.out kludge image outside RAM above 1 MiB") {
  Aout aout;
  auto moveTo = [&](uint32_t load) {
    aout.headerAddr = load + 0x40;
    aout.loadAddr = load;
    aout.loadEndAddr = load + aout.size();
    aout.bssEndAddr = aout.loadEndAddr + 0x1000;
    aout.entryAddr = load + 0x60;
  };
  SUBCASE("below 1 MiB") {
    moveTo(0x8000);
    refused(aout.bytes(), "the a.out kludge image at 0x8000 is below 1 MiB (0x100000), where the runner's boot "
                          "structures and the legacy 640 KiB - 1 MiB hole are");
  }
  SUBCASE("crossing the end of guest memory") {
    moveTo(kMemory - 0x1000);
    refused(aout.bytes(), "the a.out kludge image [0x3ff000, +0x1220) lies outside guest memory of 0x400000 bytes; "
                          "raise guest.memory");
  }
  SUBCASE("at the top of the 32-bit space") {
    moveTo(0xfffff000);
    aout.bssEndAddr = 0;
    aout.loadEndAddr = 0;
    refused(aout.bytes(), "the a.out kludge image [0xfffff000, +0x220) lies outside guest memory of 0x400000 bytes; "
                          "raise guest.memory");
  }
  SUBCASE("a bss of nearly 4 GiB") {
    aout.bssEndAddr = 0xffffffff;
    refused(aout.bytes(), "the a.out kludge image [0x100000, +0xffefffff) lies outside guest memory of 0x400000 "
                          "bytes; raise guest.memory");
  }
}

TEST_CASE_FIXTURE(Fixture, "refused: no address fields and not a usable ELF file") {
  Elf32 elf;
  SUBCASE("not ELF") {
    std::vector<uint8_t> bytes = elf.bytes();
    bytes[1] = 'X';
    refused(bytes,
            "the multiboot header has no address fields (flags bit 16 clear) and the file is not ELF (bad magic)");
  }
  SUBCASE("ELF header cut short") {
    std::vector<uint8_t> bytes = elf.bytes();
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + 40);
    uint32_t header[] = {mb::kHeaderMagic, 0, checksumFor(0)};
    std::memcpy(cut.data() + 24, header, sizeof header);
    refused(cut, "the ELF header (52 bytes) is cut short by the end of the file at 0x28");
  }
  SUBCASE("neither ELF32 nor ELF64") {
    elf.eh.e_ident[EI_CLASS] = 3;
    refused(elf.bytes(), "e_ident[EI_CLASS] is 3, expected 1 (ELFCLASS32) or 2 (ELFCLASS64)");
  }
  SUBCASE("big-endian") {
    elf.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    refused(elf.bytes(), "e_ident[EI_DATA] is not little-endian");
  }
  SUBCASE("ELF32 for x86-64") {
    elf.eh.e_machine = EM_X86_64;
    refused(elf.bytes(), "e_machine is 62, expected 3 (EM_386)");
  }
  SUBCASE("a shared object") {
    elf.eh.e_type = ET_DYN;
    refused(elf.bytes(), "e_type is 3, expected 2 (ET_EXEC, a statically linked executable)");
  }
  SUBCASE("program header size") {
    elf.eh.e_phentsize = 56;
    refused(elf.bytes(), "e_phentsize is 56, expected 32");
  }
  SUBCASE("no program headers") {
    elf.eh.e_phnum = 0;
    refused(elf.bytes(), "e_phnum is 0 (1..64 allowed)");
  }
  SUBCASE("too many program headers") {
    elf.eh.e_phnum = 65;
    refused(elf.bytes(), "e_phnum is 65 (1..64 allowed)");
  }
  SUBCASE("program headers past the end of the file") {
    elf.eh.e_phoff = 0x310;
    refused(elf.bytes(), "program headers (e_phoff 0x310, 2 entries) run past the end of the file at 0x340");
  }
  SUBCASE("no PT_LOAD") {
    for (Elf32_Phdr& p : elf.ph) p.p_type = PT_NOTE;
    refused(elf.bytes(), "no PT_LOAD segment");
  }
}

TEST_CASE_FIXTURE(Fixture, "refused: hostile ELF segments") {
  SUBCASE("ELF64: machine") {
    Elf64 elf;
    elf.eh.e_machine = EM_386;
    refused(elf.bytes(), "e_machine is 3, expected 62 (EM_X86_64)");
  }
  Elf32 elf;
  SUBCASE("p_filesz larger than p_memsz") {
    elf.ph[1].p_memsz = 0x3f;
    refused(elf.bytes(), "segment 1: p_filesz 0x40 is larger than p_memsz 0x3f");
  }
  SUBCASE("contents past the end of the file") {
    elf.ph[1].p_filesz = 0x41;
    refused(elf.bytes(), "segment 1: p_offset 0x300 + p_filesz 0x41 runs past the end of the file at 0x340");
  }
  SUBCASE("an offset past the end of the file") {
    elf.ph[0].p_offset = 0xfffffff0;
    refused(elf.bytes(), "segment 0: p_offset 0xfffffff0 + p_filesz 0x100 runs past the end of the file at 0x340");
  }
  SUBCASE("segments overlapping") {
    elf.ph[1].p_paddr = kLoad + 0xfff;
    refused(elf.bytes(), "segment 0 (p_paddr) [0x100000, 0x101000) and segment 1 (p_paddr) [0x100fff, 0x103fff) "
                         "overlap");
  }
  SUBCASE("one segment inside another, listed first") {
    elf.ph[0].p_paddr = kLoad + 0x3000;
    elf.eh.e_entry = kLoad + 0x3000;
    refused(elf.bytes(), "segment 1 (p_paddr) [0x102000, 0x105000) and segment 0 (p_paddr) [0x103000, 0x104000) "
                         "overlap");
  }
  SUBCASE("below 1 MiB") {
    elf.ph[1].p_paddr = 0x9f000;
    refused(elf.bytes(), "segment 1 (p_paddr) at 0x9f000 is below 1 MiB (0x100000), where the runner's boot "
                         "structures and the legacy 640 KiB - 1 MiB hole are");
  }
  SUBCASE("past guest memory") {
    elf.ph[1].p_paddr = 0xfffff000;
    refused(elf.bytes(), "segment 1 (p_paddr) [0xfffff000, +0x3000) lies outside guest memory of 0x400000 bytes; "
                         "raise guest.memory");
  }
  SUBCASE("entry outside every segment") {
    elf.eh.e_entry = kLoad + 0x1000;
    refused(elf.bytes(), "the entry point 0x101000 (e_entry 0x101000) is not inside a loaded segment");
  }
  SUBCASE("entry only inside an empty segment") {
    Elf32_Phdr empty{};
    empty.p_type = PT_LOAD;
    empty.p_paddr = empty.p_vaddr = 0x300000;
    elf.ph.push_back(empty);
    elf.eh.e_phnum = 3;
    elf.eh.e_entry = 0x300000;
    refused(elf.bytes(), "the entry point 0x300000 (e_entry 0x300000) is not inside a loaded segment");
  }
  SUBCASE("ELF64: a segment past 4 GiB") {
    Elf64 elf64;
    elf64.ph[1].p_paddr = 0x100000000;
    refused(elf64.bytes(), "segment 1 (p_paddr) [0x100000000, +0x3000) lies outside guest memory of 0x400000 bytes; "
                           "raise guest.memory");
  }
  SUBCASE("ELF64: p_paddr + p_memsz wrapping 64 bits") {
    Elf64 elf64;
    elf64.ph[1].p_paddr = UINT64_MAX - 0xfff;
    refused(elf64.bytes(), "segment 1 (p_paddr) [0xfffffffffffff000, +0x3000) lies outside guest memory of 0x400000 "
                           "bytes; raise guest.memory");
  }
}

TEST_CASE("refused: with more than 4 GiB of RAM, nothing may end above 4 GiB (addresses are 32-bit)") {
  TempDir dir;
  GuestMemory big(5ull << 30);  // reserved, not touched
  auto refusedWith = [&](const std::vector<uint8_t>& bytes, const std::string& what) {
    std::string path = dir.write("kernel", bytes);
    try {
      loadMultiboot(path, big, {});
      FAIL_CHECK("loaded; expected: " << what);
    } catch (const CoreError& e) {
      CHECK(std::string(e.what()) == path + ": " + what);
    }
  };
  Elf64 elf;
  elf.ph[1].p_paddr = 0x100000000;
  refusedWith(elf.bytes(), "segment 1 (p_paddr) [0x100000000, +0x3000) lies outside the first 4 GiB of guest memory "
                           "(multiboot addresses are 32-bit); raise guest.memory");
  elf.ph[1].p_paddr = 0xffffd000;  // ends at 4 GiB: the information block has no room
  refusedWith(elf.bytes(), "the multiboot information, memory map, module list and command lines (0x111 bytes) do "
                           "not fit at 0x100000000, after the kernel, in the first 4 GiB of guest memory (multiboot "
                           "addresses are 32-bit); raise guest.memory");
}

TEST_CASE_FIXTURE(Fixture, "refused: command lines and modules") {
  std::vector<uint8_t> kernelBytes = Aout().bytes();
  SUBCASE("a NUL in the command line") {
    refused(kernelBytes, "the command line holds a NUL byte at index 2; the guest reads it as a C string",
            {std::string("ab\0c", 4), {}});
  }
  SUBCASE("a NUL in a module's command line") {
    MultibootBoot boot{"", {{dir.write("m", {1}), "m"}, {dir.write("n", {1}), std::string("\0", 1)}}};
    refused(kernelBytes, "module 1's command line holds a NUL byte at index 0; the guest reads it as a C string", boot);
  }
  SUBCASE("a NUL in a module's path") {
    MultibootBoot boot{"", {{dir.write("m", {1}) + std::string("\0x", 2), "m"}}};
    refused(kernelBytes, "module 0's path holds a NUL byte at index " + std::to_string(dir.path().size() + 2) +
                             "; no file has that name", boot);
  }
  SUBCASE("a missing module") {
    std::string path = kernel(kernelBytes);
    std::string module = dir.path() + "/absent";
    refusedPath(path, module + ": cannot open multiboot module: No such file or directory (errno 2)",
                {"", {{module, ""}}});
  }
  SUBCASE("a module larger than guest memory") {
    std::string module = dir.write("huge", {});
    std::filesystem::resize_file(module, 1ull << 40);  // sparse
    refused(kernelBytes, "module 0 (" + module + ") is 1099511627776 bytes, larger than guest memory (4194304 bytes); "
                         "raise guest.memory", {"", {{module, ""}}});
  }
  SUBCASE("a module that does not fit after the kernel") {
    std::string module = dir.write("big", {});
    std::filesystem::resize_file(module, kMemory - 0x103000 + 1);
    refused(kernelBytes, "module 0 (" + module + ") of 0x2fd001 bytes does not fit at 0x103000 in guest memory of "
                         "0x400000 bytes; raise guest.memory", {"", {{module, ""}}});
  }
  SUBCASE("the second module does not fit") {
    std::string a = dir.write("a", pattern(0x1000, 0));
    std::string b = dir.write("b", {});
    std::filesystem::resize_file(b, kMemory - 0x104000 + 1);
    refused(kernelBytes, "module 1 (" + b + ") of 0x2fc001 bytes does not fit at 0x104000 in guest memory of "
                         "0x400000 bytes; raise guest.memory", {"", {{a, ""}, {b, ""}}});
  }
  SUBCASE("no room for the information block after the kernel") {
    Aout aout;
    aout.bssEndAddr = kMemory;
    refused(aout.bytes(), "the multiboot information, memory map, module list and command lines (0x111 bytes) do not "
                          "fit at 0x400000, after the kernel, in guest memory of 0x400000 bytes; raise guest.memory");
  }
  SUBCASE("a command line longer than the memory left") {
    refused(kernelBytes, "the multiboot information, memory map, module list and command lines (0x2fe111 bytes) do "
                         "not fit at 0x102000, after the kernel, in guest memory of 0x400000 bytes; raise guest.memory",
            {std::string(kMemory - 0x102000, 'x'), {}});
  }
}

TEST_CASE_FIXTURE(Fixture, "nothing is written to guest memory when a module is refused") {
  std::memset(memory.at(kLoad, 0x1000), 0xaa, 0x1000);
  std::string path = kernel(Aout().bytes());
  try {
    loadMultiboot(path, memory, {"", {{dir.path() + "/absent", ""}}});
    FAIL_CHECK("loaded");
  } catch (const CoreError&) {
  }
  CHECK(memory.load<uint8_t>(kLoad) == 0xaa);
}

TEST_CASE_FIXTURE(Fixture, "random corruption of the headers is refused or loaded, never followed") {
  std::mt19937_64 rng(11);
  std::string path = dir.path() + "/fuzz";
  int loaded = 0, refusedCount = 0;
  for (int round = 0; round < 1000; ++round) {
    bool elf = round % 2 == 0;
    std::vector<uint8_t> bytes = elf ? Elf32().bytes() : Aout().bytes();
    size_t headers = elf ? 0x200 + 12 : 0x40 + 32;
    int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      size_t at = rng() % headers;
      uint64_t value = rng() % 4 == 0 ? UINT64_MAX - rng() % 0x10000 : rng() % 3 == 0 ? rng() % 0x400000 : rng();
      size_t width = std::min<size_t>(size_t{1} << (rng() % 3), bytes.size() - at);
      std::memcpy(bytes.data() + at, &value, width);
    }
    if (rng() % 8 == 0) bytes.resize(rng() % bytes.size());
    dir.write("fuzz", bytes);
    try {
      MultibootImage image = loadMultiboot(path, memory, {"cmd", {}});
      REQUIRE(image.kernelStart >= 0x100000);
      REQUIRE(image.end <= kMemory);
      REQUIRE(image.infoAddress >= image.kernelEnd);
      REQUIRE(image.entry >= image.kernelStart);
      REQUIRE(image.entry < image.kernelEnd);
      ++loaded;
    } catch (const CoreError& e) {
      REQUIRE_MESSAGE(e.code() == "multiboot-image", e.what());
      REQUIRE(std::string(e.what()).rfind(path + ": ", 0) == 0);
      ++refusedCount;
    }
  }
  CHECK(loaded > 0);
  CHECK(refusedCount > 0);
}

}  // namespace
}  // namespace kx
