// readLinuxElf and loadLinuxElf on files built here (valid ones, and every
// way a header can lie), on files that are not x86-64 Linux programs, and on
// the host's own /bin/true, its ld-linux and crt1.o.
#include <doctest/doctest.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "boot/guest_memory.hh"
#include "expect_error.hh"
#include "elf_header.hh"
#include "temp_dir.hh"
#include "se/address_space.hh"
#include "se/linux_elf.hh"
#include "se_page_walk.hh"

namespace kx::se {
namespace {

using test::expectCoreError;
using test::TempDir;

const char* const kLdSo = "/lib64/ld-linux-x86-64.so.2";


Elf64_Phdr segment(uint32_t type, uint32_t flags, uint64_t offset, uint64_t vaddr, uint64_t filesz, uint64_t memsz) {
  Elf64_Phdr ph{};
  ph.p_type = type;
  ph.p_flags = flags;
  ph.p_offset = offset;
  ph.p_vaddr = ph.p_paddr = vaddr;
  ph.p_filesz = filesz;
  ph.p_memsz = memsz;
  ph.p_align = type == PT_LOAD ? 0x1000 : 8;
  return ph;
}

// A program file: its bytes, with the ELF header and the program headers
// written over the start (at offset 64, whatever e_phoff claims).
struct ElfFile {
  Elf64_Ehdr eh{};
  std::vector<Elf64_Phdr> ph;
  std::vector<uint8_t> body;

  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> out = body;
    out.resize(std::max<size_t>(out.size(), sizeof eh + ph.size() * sizeof(Elf64_Phdr)));
    std::memcpy(out.data(), &eh, sizeof eh);
    std::memcpy(out.data() + sizeof eh, ph.data(), ph.size() * sizeof(Elf64_Phdr));
    return out;
  }
  Elf64_Phdr& load(int n) {
    for (Elf64_Phdr& p : ph)
      if (p.p_type == PT_LOAD && n-- == 0) return p;
    FAIL("no such PT_LOAD");
    return ph[0];
  }
};

std::vector<uint8_t> pattern(size_t size) {
  std::vector<uint8_t> bytes(size);
  for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(i * 7 + i / 251);
  return bytes;
}


// Static, as a linker lays one out: headers (R), text (RX), data and bss (RW)
// starting mid-page, and a non-executable stack.
ElfFile staticProgram() {
  ElfFile f;
  f.body = pattern(0x2040);
  f.ph = {segment(PT_LOAD, PF_R, 0, 0x400000, 0x200, 0x200),
          segment(PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x100, 0x100),
          segment(PT_LOAD, PF_R | PF_W, 0x2010, 0x403010, 0x30, 0x2000),
          segment(PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0)};
  f.eh = test::elf64Header(ET_EXEC, 0x401000, f.ph.size());
  return f;
}

// A dynamic PIE: PT_PHDR, PT_INTERP, and an executable stack.
ElfFile pieProgram() {
  ElfFile f;
  f.body = pattern(0x2040);
  const std::string interp = kLdSo;
  f.ph = {segment(PT_PHDR, PF_R, 64, 64, 6 * sizeof(Elf64_Phdr), 6 * sizeof(Elf64_Phdr)),
          segment(PT_INTERP, PF_R, 0x300, 0x300, interp.size() + 1, interp.size() + 1),
          segment(PT_LOAD, PF_R, 0, 0, 0x400, 0x400),
          segment(PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x100, 0x100),
          segment(PT_LOAD, PF_R | PF_W, 0x2010, 0x2010, 0x30, 0x2000),
          segment(PT_GNU_STACK, PF_R | PF_W | PF_X, 0, 0, 0, 0)};
  std::memcpy(f.body.data() + 0x300, interp.c_str(), interp.size() + 1);
  f.eh = test::elf64Header(ET_DYN, 0x1040, f.ph.size());
  return f;
}

struct Fixture {
  TempDir dir;
  std::string write(const ElfFile& f, const std::string& name = "prog") { return dir.write(name, f.bytes()); }
  void fails(const ElfFile& f, std::initializer_list<const char*> inMessage) {
    std::string file = write(f);
    expectCoreError([&] { readLinuxElf(file); }, "se-binary", inMessage);
  }
  void bytesFail(const std::vector<uint8_t>& bytes, std::initializer_list<const char*> inMessage) {
    std::string file = dir.write("prog", bytes);
    expectCoreError([&] { readLinuxElf(file); }, "se-binary", inMessage);
  }
};

TEST_CASE_FIXTURE(Fixture, "a static executable: segments, entry, program headers, stack") {
  std::string path = write(staticProgram());
  LinuxElf elf = readLinuxElf(path);
  CHECK(elf.path() == path);
  CHECK(elf.type == ET_EXEC);
  CHECK(elf.entry == 0x401000);
  REQUIRE(elf.loads.size() == 3);
  CHECK(elf.loads[0].vaddr == 0x400000);
  CHECK(elf.loads[0].prot == kProtRead);
  CHECK(elf.loads[1].prot == (kProtRead | kProtExec));
  CHECK(elf.loads[2].vaddr == 0x403010);
  CHECK(elf.loads[2].offset == 0x2010);
  CHECK(elf.loads[2].filesz == 0x30);
  CHECK(elf.loads[2].memsz == 0x2000);
  CHECK(elf.loads[2].prot == (kProtRead | kProtWrite));
  CHECK(elf.phdrVaddr == 0x400040);  // no PT_PHDR: e_phoff inside the first PT_LOAD
  CHECK(elf.phnum == 4);
  CHECK(elf.phentsize == sizeof(Elf64_Phdr));
  CHECK(elf.interpreter.empty());
  CHECK(!elf.executableStack);
  CHECK(elf.firstPage() == 0x400000);
  CHECK(elf.endPage() == 0x406000);
}

TEST_CASE_FIXTURE(Fixture, "a dynamic PIE: PT_PHDR, PT_INTERP, PT_GNU_STACK") {
  LinuxElf elf = readLinuxElf(write(pieProgram()));
  CHECK(elf.type == ET_DYN);
  CHECK(elf.entry == 0x1040);
  CHECK(elf.phdrVaddr == 64);
  CHECK(elf.interpreter == kLdSo);
  CHECK(elf.executableStack);
  CHECK(elf.loads.size() == 3);
  CHECK(elf.firstPage() == 0);
}

TEST_CASE_FIXTURE(Fixture, "AT_PHDR without PT_PHDR is found as Linux finds it") {
  ElfFile f = staticProgram();
  SUBCASE("in a later segment's file bytes") {
    f.eh.e_phoff = 0x1010;  // (the headers are not really there: only the address is computed)
    f.load(1).p_filesz = 0x200;
    f.load(1).p_memsz = 0x200;
    f.body.resize(0x2040);
    // e_phoff must still point at readable program headers.
    std::vector<uint8_t> bytes = f.bytes();
    std::memcpy(bytes.data() + 0x1010, f.ph.data(), f.ph.size() * sizeof(Elf64_Phdr));
    LinuxElf elf = readLinuxElf(dir.write("prog", bytes));
    CHECK(elf.phdrVaddr == 0x401010);
  }
  SUBCASE("in no segment: 0, as Linux leaves it") {
    f.load(0).p_filesz = 0x20;
    LinuxElf elf = readLinuxElf(write(f));
    CHECK(elf.phdrVaddr == 0);
  }
}

TEST_CASE_FIXTURE(Fixture, "files that are not x86-64 Linux programs say what they are") {
  const char* const notOurs = "only x86-64 Linux binaries run in SE mode";
  SUBCASE("a script") {
    const std::string script = "#!/bin/sh\necho hello\n";
    bytesFail({script.begin(), script.end()}, {"prog: a script (#!/bin/sh) — give the interpreter as guest.binary"});
    std::string odd = "#!/usr/bin/env\x01 " + std::string(200, 'x');
    bytesFail({odd.begin(), odd.end()}, {"a script (#!/usr/bin/env? xxx", "give the interpreter"});
  }
  SUBCASE("not an ELF file") {
    bytesFail({}, {"prog: not an ELF file (it is empty)"});
    bytesFail({'M', 'Z', 0x90, 0}, {"not an ELF file (it starts with 4d 5a 90 00)"});
    bytesFail({0x7f, 'E', 'L'}, {"not an ELF file (it starts with 7f 45 4c)"});
  }
  SUBCASE("ELF 32-bit") {
    ElfFile f = staticProgram();
    f.eh.e_ident[EI_CLASS] = ELFCLASS32;
    f.eh.e_machine = EM_386;
    fails(f, {"prog: ELF 32-bit (i386) — only x86-64 Linux binaries run in SE mode"});
    f.eh.e_machine = EM_ARM;
    fails(f, {"ELF 32-bit (ARM)", notOurs});
  }
  SUBCASE("ELF for another 64-bit machine") {
    ElfFile f = staticProgram();
    f.eh.e_machine = EM_AARCH64;
    fails(f, {"prog: ELF for AArch64 — only x86-64 Linux binaries run in SE mode"});
    f.eh.e_machine = EM_RISCV;
    fails(f, {"ELF for RISC-V", notOurs});
    f.eh.e_machine = 0x7777;
    fails(f, {"ELF for machine 30583", notOurs});
  }
  SUBCASE("big-endian ELF") {
    ElfFile f = staticProgram();
    f.eh.e_ident[EI_DATA] = ELFDATA2MSB;
    f.eh.e_machine = EM_PPC64 << 8;  // as a big-endian file stores it
    fails(f, {"ELF for PowerPC64", notOurs});
    f.eh.e_machine = EM_X86_64 << 8;
    fails(f, {"ELF with big-endian data", notOurs});
  }
  SUBCASE("ELF of an unknown class or encoding") {
    ElfFile f = staticProgram();
    f.eh.e_ident[EI_CLASS] = 9;
    fails(f, {"ELF of unknown class 9"});
    f.eh.e_ident[EI_CLASS] = ELFCLASS64;
    f.eh.e_ident[EI_DATA] = 0;
    fails(f, {"unknown data encoding 0"});
  }
  SUBCASE("an object file, a core dump, an unknown type") {
    ElfFile f = staticProgram();
    f.eh.e_type = ET_REL;
    fails(f, {"prog: an object file (ET_REL), not a program — link it into an executable"});
    f.eh.e_type = ET_CORE;
    fails(f, {"prog: a core dump (ET_CORE), not a program"});
    f.eh.e_type = 0x1234;
    fails(f, {"e_type is 4660, neither an executable (ET_EXEC) nor a shared object (ET_DYN)"});
  }
}

TEST_CASE_FIXTURE(Fixture, "a truncated ELF header") {
  std::vector<uint8_t> bytes = staticProgram().bytes();
  for (size_t size : {4, 5, 17, 19, 20, 40, 63}) {  // the magic is there, little else
    CAPTURE(size);
    bytes.resize(size);
    bytesFail(bytes, {"prog: truncated ELF header: the file has", "an ELF64 header 64"});
  }
}

TEST_CASE_FIXTURE(Fixture, "hostile program-header tables") {
  ElfFile f = staticProgram();
  SUBCASE("entry size") {
    f.eh.e_phentsize = 32;
    fails(f, {"e_phentsize is 32, expected 56"});
  }
  SUBCASE("no entries") {
    f.eh.e_phnum = 0;
    fails(f, {"no program headers (e_phnum is 0)"});
  }
  SUBCASE("more entries than Linux reads") {
    f.eh.e_phnum = 74;
    fails(f, {"e_phnum is 74, more program headers than Linux reads (73)"});
    f.eh.e_phnum = 0xffff;
    fails(f, {"e_phnum is 65535"});
  }
  SUBCASE("past the end of the file") {
    f.eh.e_phoff = 0x10000;
    fails(f, {"program headers (e_phoff 0x10000, 4 entries) run past the end of the file (0x2040 bytes)"});
    f.eh.e_phoff = 0x2040 - 8;
    fails(f, {"program headers (e_phoff 0x2038"});
    f.eh.e_phoff = UINT64_MAX - 8;
    fails(f, {"program headers (e_phoff 0xfffffffffffffff7"});
    f.eh.e_phoff = 64;
    f.eh.e_phnum = 73;
    f.body.resize(0x200);
    f.ph.resize(4);
    fails(f, {"73 entries) run past the end of the file (0x200 bytes)"});
  }
}

TEST_CASE_FIXTURE(Fixture, "hostile PT_LOAD entries") {
  ElfFile f = staticProgram();
  SUBCASE("p_filesz larger than p_memsz") {
    f.load(2).p_filesz = 0x2001;
    fails(f, {"program header 2 (PT_LOAD): p_filesz 0x2001 is larger than p_memsz 0x2000"});
  }
  SUBCASE("file bytes past the end of the file") {
    f.load(1).p_offset = 0x100000;
    fails(f, {"program header 1 (PT_LOAD): p_offset 0x100000 + p_filesz 0x100 runs past the end of the file "
              "(0x2040 bytes)"});
    f.load(1).p_offset = 0x1000;
    f.load(1).p_filesz = UINT64_MAX - 0x10;
    f.load(1).p_memsz = UINT64_MAX;
    fails(f, {"program header 1 (PT_LOAD): p_offset 0x1000 + p_filesz 0xffffffffffffffef runs past the end"});
  }
  SUBCASE("addresses that wrap or leave user space") {
    f.load(2).p_vaddr = UINT64_MAX - 0xfef;
    fails(f, {"program header 2 (PT_LOAD): p_vaddr 0xfffffffffffff010 + p_memsz 0x2000 ends above user space "
              "(0x7ffffffff000)"});
    f.load(2).p_vaddr = 0x800000000010;
    fails(f, {"p_vaddr 0x800000000010", "ends above user space"});
    f.load(2).p_vaddr = kUserEnd - 0x2000 + 0x10;
    fails(f, {"ends above user space"});
    f.load(2).p_vaddr = kUserEnd - 0x2000;  // ends exactly at the top: fine
    f.load(2).p_offset = 0x2000;
    CHECK(readLinuxElf(write(f)).endPage() == kUserEnd);
  }
  SUBCASE("a huge p_memsz") {
    f.load(2).p_memsz = UINT64_MAX;
    fails(f, {"p_memsz 0xffffffffffffffff ends above user space"});
  }
  SUBCASE("p_align that is not a power of two") {
    f.load(1).p_align = 0x3000;
    fails(f, {"program header 1 (PT_LOAD): p_align 0x3000 is not a power of two"});
  }
  SUBCASE("p_vaddr and p_offset at different offsets in a page") {
    f.load(2).p_offset = 0x2000;
    fails(f, {"program header 2 (PT_LOAD): p_vaddr 0x403010 and p_offset 0x2000 lie at different offsets in a page "
              "(0x10 and 0x0)"});
  }
  SUBCASE("out of order") {
    std::swap(f.ph[1], f.ph[2]);
    fails(f, {"program header 2 (PT_LOAD): p_vaddr 0x401000 is below the previous PT_LOAD's 0x403010",
              "ascending order"});
  }
  SUBCASE("overlapping") {
    f.load(1).p_memsz = 0x2011;
    fails(f, {"program header 2 (PT_LOAD): [0x403010, +0x2000) overlaps the previous PT_LOAD [0x401000, +0x2011)"});
  }
  SUBCASE("sharing a page is fine") {
    f.load(1).p_memsz = 0x2010;
    CHECK(readLinuxElf(write(f)).loads.size() == 3);
  }
  SUBCASE("an empty PT_LOAD maps nothing") {
    f.ph.push_back(segment(PT_LOAD, PF_R, 0, 0x500000, 0, 0));
    f.eh.e_phnum = 5;
    CHECK(readLinuxElf(write(f)).loads.size() == 3);
  }
  SUBCASE("no PT_LOAD with contents") {
    for (Elf64_Phdr& p : f.ph)
      if (p.p_type == PT_LOAD) p.p_memsz = p.p_filesz = 0;
    fails(f, {"no PT_LOAD segment with contents"});
  }
  SUBCASE("an entry outside executable code") {
    f.eh.e_entry = 0x500000;
    fails(f, {"e_entry 0x500000 is not inside an executable PT_LOAD segment"});
    f.eh.e_entry = 0x403010;  // data
    fails(f, {"e_entry 0x403010 is not inside an executable PT_LOAD segment"});
    f.eh.e_entry = 0x401100;  // one past the text
    fails(f, {"e_entry 0x401100"});
  }
  SUBCASE("PT_PHDR beyond user space") {
    f.ph[3] = segment(PT_PHDR, PF_R, 64, UINT64_MAX - 10, 0x100, 0x100);
    fails(f, {"program header 3 (PT_PHDR): p_vaddr 0xfffffffffffffff5 + p_memsz 0x100 ends above user space"});
  }
}

TEST_CASE_FIXTURE(Fixture, "hostile PT_INTERP entries") {
  ElfFile f = pieProgram();
  Elf64_Phdr& interp = f.ph[1];
  SUBCASE("not NUL-terminated") {
    interp.p_filesz -= 1;
    fails(f, {"program header 1 (PT_INTERP): the interpreter path is not NUL-terminated"});
  }
  SUBCASE("a NUL inside") {
    f.body[0x305] = 0;
    fails(f, {"program header 1 (PT_INTERP): the interpreter path has a NUL at byte 5 of 27"});
  }
  SUBCASE("too short or too long") {
    interp.p_filesz = 1;
    fails(f, {"p_filesz is 1; a path and its NUL take 2 to 4096 bytes"});
    interp.p_filesz = 5000;
    fails(f, {"p_filesz is 5000"});
  }
  SUBCASE("past the end of the file") {
    interp.p_offset = 0x2030;
    fails(f, {"program header 1 (PT_INTERP): p_offset 0x2030 + p_filesz 0x1c runs past the end of the file"});
    interp.p_offset = UINT64_MAX;
    fails(f, {"p_offset 0xffffffffffffffff"});
  }
  SUBCASE("two of them") {
    f.ph[0] = interp;
    fails(f, {"program header 1 (PT_INTERP): a second PT_INTERP"});
  }
}

TEST_CASE_FIXTURE(Fixture, "files that cannot be read") {
  expectCoreError([&] { readLinuxElf(dir.path() + "/missing"); }, "se-binary",
                  {"missing: cannot open program", "No such file"});
  expectCoreError([&] { readLinuxElf(dir.path()); }, "se-binary", {"program is not a regular file"});
  std::string fifo = dir.path() + "/fifo";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  expectCoreError([&] { readLinuxElf(fifo); }, "se-binary", {"fifo: program is not a regular file"});
  // A sparse file just over the limit: refused by its size, before a byte is read.
  std::string big = dir.path() + "/big";
  int fd = ::open(big.c_str(), O_CREAT | O_WRONLY, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, static_cast<off_t>(kMaxBinaryBytes + 1)) == 0);
  ::close(fd);
  expectCoreError([&] { readLinuxElf(big); }, "se-binary",
                  {"big: 1073741825 bytes, more than the 1073741824-byte limit for a program"});
}

TEST_CASE_FIXTURE(Fixture, "random corruption of the headers is refused or parsed into something safe to load") {
  std::vector<uint8_t> valid = pieProgram().bytes();
  const size_t headers = sizeof(Elf64_Ehdr) + 6 * sizeof(Elf64_Phdr);
  std::mt19937_64 rng(5);
  std::string file = dir.path() + "/fuzz";
  int parsed = 0, refused = 0;
  for (int round = 0; round < 2000; ++round) {
    std::vector<uint8_t> bytes = valid;
    for (int e = 0, edits = 1 + static_cast<int>(rng() % 4); e < edits; ++e) {
      size_t at = rng() % headers;
      uint64_t value = rng() % 4 == 0 ? UINT64_MAX - rng() % 0x10000 : rng() % 3 == 0 ? rng() % 0x3000 : rng();
      size_t width = std::min<size_t>(size_t{1} << (rng() % 4), bytes.size() - at);
      std::memcpy(bytes.data() + at, &value, width);
    }
    if (rng() % 8 == 0) bytes.resize(rng() % bytes.size());
    dir.write("fuzz", bytes);
    try {
      LinuxElf elf = readLinuxElf(file);
      ++parsed;
      REQUIRE(!elf.loads.empty());
      for (size_t i = 0; i < elf.loads.size(); ++i) {
        const LoadSegment& s = elf.loads[i];
        REQUIRE(s.filesz <= s.memsz);
        REQUIRE(s.memsz > 0);
        REQUIRE(s.offset + s.filesz <= bytes.size());
        REQUIRE(s.vaddr + s.memsz <= kUserEnd);
        REQUIRE((s.vaddr - s.offset) % kPageSize == 0);
        if (i > 0) REQUIRE(elf.loads[i - 1].vaddr + elf.loads[i - 1].memsz <= s.vaddr);
      }
      REQUIRE(elf.endPage() <= kUserEnd);
    } catch (const CoreError& e) {
      REQUIRE_MESSAGE(e.code() == "se-binary", e.what());
      REQUIRE(std::string(e.what()).rfind(file + ": ", 0) == 0);
      ++refused;
    }
  }
  CHECK(parsed > 0);
  CHECK(refused > 0);
}

// The host's own programs, read the way the parser reads them but by this test.
struct HostElf {
  Elf64_Ehdr eh;
  std::vector<Elf64_Phdr> ph;
};

std::optional<HostElf> readHost(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  HostElf h;
  in.read(reinterpret_cast<char*>(&h.eh), sizeof h.eh);
  h.ph.resize(h.eh.e_phnum);
  in.seekg(static_cast<std::streamoff>(h.eh.e_phoff));
  in.read(reinterpret_cast<char*>(h.ph.data()), static_cast<std::streamsize>(h.ph.size() * sizeof(Elf64_Phdr)));
  if (!in) return std::nullopt;
  return h;
}

TEST_CASE("the host's /bin/true and its interpreter parse; an object file is refused") {
  std::optional<HostElf> host = readHost("/bin/true");
  if (!host || host->eh.e_machine != EM_X86_64) {
    MESSAGE("no x86-64 /bin/true on this host: skipped");
    return;
  }
  LinuxElf program = readLinuxElf("/bin/true");
  CHECK(program.type == host->eh.e_type);
  CHECK(program.entry == host->eh.e_entry);
  CHECK(program.phnum == host->eh.e_phnum);
  size_t loads = 0;
  for (const Elf64_Phdr& p : host->ph) {
    loads += p.p_type == PT_LOAD && p.p_memsz > 0;
    if (p.p_type == PT_PHDR) CHECK(program.phdrVaddr == p.p_vaddr);
    if (p.p_type == PT_GNU_STACK) CHECK(program.executableStack == ((p.p_flags & PF_X) != 0));
  }
  CHECK(program.loads.size() == loads);
  if (program.interpreter.empty()) return;  // a static /bin/true
  CHECK(program.interpreter == kLdSo);
  LinuxElf ld = readLinuxElf(program.interpreter);
  CHECK(ld.type == ET_DYN);
  CHECK(ld.interpreter.empty());
  CHECK(ld.firstPage() == 0);
  if (std::filesystem::exists("/usr/lib/x86_64-linux-gnu/crt1.o"))
    expectCoreError([&] { readLinuxElf("/usr/lib/x86_64-linux-gnu/crt1.o"); }, "se-binary",
                    {"crt1.o: an object file (ET_REL)"});
}

// Loading, into a real AddressSpace.
constexpr uint64_t kMemory = 32ull << 20;
constexpr uint64_t kFramesBase = 4ull << 20;

struct LoadFixture : Fixture {
  GuestMemory memory{kMemory};
  AddressSpace space{memory, kFramesBase, kMemory, [](uint64_t, uint64_t) {}};

  std::vector<uint8_t> read(uint64_t va, uint64_t len) {
    std::vector<uint8_t> out(len);
    REQUIRE(space.copyIn(va, out.data(), len));
    return out;
  }
  std::optional<test::Leaf> leaf(uint64_t va) const { return test::leafAt(memory, space.cr3(), va); }
};

std::vector<uint8_t> slice(const std::vector<uint8_t>& bytes, size_t at, size_t len) {
  return {bytes.begin() + static_cast<long>(at), bytes.begin() + static_cast<long>(at + len)};
}

bool allZero(const std::vector<uint8_t>& bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

TEST_CASE_FIXTURE(LoadFixture, "a static executable loads as Linux maps it") {
  ElfFile f = staticProgram();
  std::vector<uint8_t> file = f.bytes();
  std::string path = write(f);
  loadLinuxElf(readLinuxElf(path), 0, space);

  std::vector<Mapping> list = space.mappings();
  REQUIRE(list.size() == 3);  // the gap at 0x402000 is left unmapped
  CHECK((list[0].start == 0x400000 && list[0].end == 0x401000 && list[0].prot == kProtRead && list[0].name == path));
  CHECK((list[1].start == 0x401000 && list[1].end == 0x402000 && list[1].prot == (kProtRead | kProtExec)));
  CHECK((list[2].start == 0x403000 && list[2].end == 0x406000 && list[2].prot == (kProtRead | kProtWrite)));

  CHECK(read(0x400000, 0x200) == slice(file, 0, 0x200));
  CHECK(allZero(read(0x400200, 0xe00)));
  CHECK(read(0x401000, 0x100) == slice(file, 0x1000, 0x100));
  CHECK(read(0x403000, 0x40) == slice(file, 0x2000, 0x40));  // the page from its start, as a file mapping shows it
  CHECK(allZero(read(0x403040, 0x3000 - 0x40)));             // bss
  CHECK(leaf(0x401000)->executable);
  CHECK(!leaf(0x401000)->writable);
  CHECK(leaf(0x404000)->writable);
  CHECK(!leaf(0x404000)->executable);
  CHECK(!leaf(0x402000));
}

TEST_CASE_FIXTURE(LoadFixture, "a PIE loads at its bias") {
  ElfFile f = pieProgram();
  std::vector<uint8_t> file = f.bytes();
  const uint64_t bias = 0x555555554000;
  LinuxElf elf = readLinuxElf(write(f));
  loadLinuxElf(elf, bias, space);
  CHECK(read(bias, 0x400) == slice(file, 0, 0x400));
  CHECK(read(bias + elf.entry, 16) == slice(file, elf.entry, 16));
  CHECK(read(bias + elf.phdrVaddr, 6 * sizeof(Elf64_Phdr)) == slice(file, 64, 6 * sizeof(Elf64_Phdr)));
  CHECK(space.mappings().front().start == bias);
  CHECK(space.mappings().back().end == bias + 0x5000);
}

TEST_CASE_FIXTURE(LoadFixture, "segments that share a page: the later one's protection, the file's bytes") {
  ElfFile f = staticProgram();
  f.load(2).p_offset = 0x1810;
  f.load(2).p_vaddr = f.load(2).p_paddr = 0x401810;
  std::vector<uint8_t> file = f.bytes();
  loadLinuxElf(readLinuxElf(write(f)), 0, space);
  std::vector<Mapping> list = space.mappings();
  REQUIRE(list.size() == 2);
  CHECK((list[1].start == 0x401000 && list[1].prot == (kProtRead | kProtWrite)));
  CHECK(read(0x401000, 0x840) == slice(file, 0x1000, 0x840));  // the code is still there
}

TEST_CASE_FIXTURE(LoadFixture, "loading refuses a bad bias, a clash, and what does not fit") {
  ElfFile f = staticProgram();
  std::string path = write(f);
  LinuxElf elf = readLinuxElf(path);
  expectCoreError([&] { loadLinuxElf(elf, 0x1000, space); }, "se-setup", {"load bias 0x1000", "0 for ET_EXEC"});
  LinuxElf pie = readLinuxElf(write(pieProgram(), "pie"));
  expectCoreError([&] { loadLinuxElf(pie, 0x10001, space); }, "se-setup", {"page aligned"});
  expectCoreError([&] { loadLinuxElf(pie, kUserEnd - 0x1000, space); }, "se-binary",
                  {"its segments [0x0, +0x5000) do not fit in user space at bias 0x7fffffffe000"});
  expectCoreError([&] { loadLinuxElf(pie, 0, space); }, "se-binary", {"below vm.mmap_min_addr (0x10000)"});

  REQUIRE(space.mapAnonymous(0x402000, 0x1000, kProtRead, true, false, "in the gap") == 0x402000);
  expectCoreError([&] { loadLinuxElf(elf, 0, space); }, "se-binary",
                  {"its segments [0x400000, +0x6000) would overlap an existing mapping"});
  CHECK(space.mappings().size() == 1);

  space.setFrameBudget(space.mappedBytes() + 2 * kPageSize);
  expectCoreError([&] { loadLinuxElf(pie, 0x10000000, space); }, "se-memory",
                  {"out of guest memory for PT_LOAD [0x10002000, +0x3000)", "raise guest.memory"});
}

TEST_CASE_FIXTURE(LoadFixture, "the host's /bin/true and ld-linux load with their bytes in place") {
  std::optional<HostElf> host = readHost("/bin/true");
  if (!host || host->eh.e_machine != EM_X86_64 || host->eh.e_type != ET_DYN) {
    MESSAGE("no x86-64 PIE /bin/true on this host: skipped");
    return;
  }
  for (auto [path, bias] : {std::pair<const char*, uint64_t>{"/bin/true", 0x555555554000},
                            std::pair<const char*, uint64_t>{kLdSo, 0x7ffff7fc0000}}) {
    CAPTURE(path);
    LinuxElf elf = readLinuxElf(path);
    loadLinuxElf(elf, bias, space);
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (const LoadSegment& s : elf.loads) {
      CHECK(read(bias + s.vaddr, s.filesz) == slice(file, s.offset, s.filesz));
      CHECK(allZero(read(bias + s.vaddr + s.filesz, s.memsz - s.filesz)));
      std::optional<test::Leaf> l = leaf(bias + s.vaddr);
      REQUIRE(l);
      CHECK(l->executable == ((s.prot & kProtExec) != 0));
    }
    for (const LoadSegment& s : elf.loads)
      if (elf.entry >= s.vaddr && elf.entry - s.vaddr < s.filesz)
        CHECK(read(bias + elf.entry, 4) == slice(file, elf.entry - s.vaddr + s.offset, 4));
  }
}

}  // namespace
}  // namespace kx::se
