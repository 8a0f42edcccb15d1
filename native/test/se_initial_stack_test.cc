// The initial stack, read back from guest memory as a program's start-up code
// reads it: argc, argv, envp and auxv at RSP, and the strings and bytes they
// point at, at the addresses Linux would choose.
#include <doctest/doctest.h>
#include <elf.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "boot/guest_memory.hh"
#include "expect_error.hh"
#include "se/address_space.hh"
#include "se/initial_stack.hh"
#include "se_page_walk.hh"

namespace kx::se {
namespace {

using test::expectCoreError;

constexpr uint64_t kMemory = 32ull << 20;
constexpr uint64_t kFramesBase = 4ull << 20;

struct Fixture {
  GuestMemory memory{kMemory};
  AddressSpace space{memory, kFramesBase, kMemory, [](uint64_t, uint64_t) {}};

  uint64_t word(uint64_t va) const {
    uint64_t value = 0;
    REQUIRE(space.copyIn(va, &value, sizeof value));
    return value;
  }
  std::string string(uint64_t va) const {
    std::string out;
    REQUIRE(space.copyInString(va, out, 1 << 20) == 0);
    return out;
  }
};

// What a program's start-up code finds at RSP.
struct StartBlock {
  std::vector<uint64_t> argv, envp;
  std::vector<std::pair<uint64_t, uint64_t>> auxv;  // AT_NULL included
  uint64_t value(uint64_t type) const {
    for (auto [t, v] : auxv)
      if (t == type) return v;
    FAIL("no auxv entry " << type);
    return 0;
  }
  bool has(uint64_t type) const {
    for (auto [t, v] : auxv)
      if (t == type) return true;
    return false;
  }
};

StartBlock readBlock(const Fixture& f, uint64_t rsp) {
  StartBlock block;
  uint64_t at = rsp;
  uint64_t argc = f.word(at);
  at += 8;
  for (uint64_t i = 0; i < argc; ++i, at += 8) block.argv.push_back(f.word(at));
  CHECK(f.word(at) == 0);
  for (at += 8; f.word(at) != 0; at += 8) block.envp.push_back(f.word(at));
  for (at += 8;; at += 16) {
    block.auxv.emplace_back(f.word(at), f.word(at + 8));
    if (block.auxv.back().first == AT_NULL) break;
    REQUIRE(block.auxv.size() < 64);
  }
  return block;
}

AuxValues someAux() {
  AuxValues aux;
  aux.phdr = 0x555555554040;
  aux.phnum = 13;
  aux.base = 0x7ffff7fc3000;
  aux.entry = 0x555555555040;
  aux.uid = 1000;
  aux.euid = 1001;
  aux.gid = 100;
  aux.egid = 101;
  aux.hwcap = 0x178bfbff;
  for (size_t i = 0; i < aux.random.size(); ++i) aux.random[i] = static_cast<uint8_t>(0xa0 + i);
  return aux;
}

TEST_CASE_FIXTURE(Fixture, "the stack mapping: 8 MiB below the top of user space, read-write, not executable") {
  StackRange stack = mapStack(space);
  CHECK(stack.top == 0x7ffffffff000);
  CHECK(stack.bottom == 0x7ffffffff000 - (8 << 20));
  std::vector<Mapping> list = space.mappings();
  REQUIRE(list.size() == 1);
  CHECK(list[0].start == stack.bottom);
  CHECK(list[0].end == stack.top);
  CHECK(list[0].prot == (kProtRead | kProtWrite));
  CHECK(list[0].name == "[stack]");
  std::optional<test::Leaf> l = test::leafAt(memory, space.cr3(), stack.top - kPageSize);
  REQUIRE(l);
  CHECK(l->writable);
  CHECK(!l->executable);
  expectCoreError([&] { mapStack(space); }, "se-setup",
                  {"cannot map the 8388608-byte stack below 0x7ffffffff000", "File exists"});
}

TEST_CASE_FIXTURE(Fixture, "an executable stack when PT_GNU_STACK asks, and bad stack ranges") {
  StackRange stack = mapStack(space, true, 64 << 10, 0x7ff000000000);
  CHECK(stack.bottom == 0x7ff000000000 - (64 << 10));
  CHECK(test::leafAt(memory, space.cr3(), stack.bottom)->executable);
  expectCoreError([&] { mapStack(space, false, 0); }, "se-setup", {"not whole pages inside user space"});
  expectCoreError([&] { mapStack(space, false, 5000); }, "se-setup", {"the 5000-byte stack"});
  expectCoreError([&] { mapStack(space, false, kPageSize, kUserEnd + kPageSize); }, "se-setup", {"inside user space"});
  expectCoreError([&] { mapStack(space, false, 1ull << 47); }, "se-setup", {"inside user space"});
  space.setFrameBudget(space.mappedBytes() + kPageSize);
  expectCoreError([&] { mapStack(space); }, "se-memory",
                  {"no guest memory left for the 8388608-byte stack", "raise guest.memory"});
}

TEST_CASE_FIXTURE(Fixture, "argc, argv, envp, auxv and the strings, as Linux lays them out") {
  StackRange stack = mapStack(space);
  ProgramArguments args{{"prog", "arg one"}, {"A=1", "B=two"}, "/bin/prog"};
  AuxValues aux = someAux();
  uint64_t rsp = writeInitialStack(space, stack, args, aux);
  CHECK(rsp % 16 == 0);
  CHECK(rsp < stack.top);
  StartBlock block = readBlock(*this, rsp);
  REQUIRE(block.argv.size() == 2);
  CHECK(string(block.argv[0]) == "prog");
  CHECK(string(block.argv[1]) == "arg one");
  REQUIRE(block.envp.size() == 2);
  CHECK(string(block.envp[0]) == "A=1");
  CHECK(string(block.envp[1]) == "B=two");

  // Linux's order (create_elf_tables); no AT_HWCAP2 or AT_MINSIGSTKSZ unless given.
  std::vector<uint64_t> types;
  for (auto [t, v] : block.auxv) types.push_back(t);
  CHECK(types == std::vector<uint64_t>{AT_HWCAP, AT_PAGESZ, AT_CLKTCK, AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_FLAGS,
                                       AT_ENTRY, AT_UID, AT_EUID, AT_GID, AT_EGID, AT_SECURE, AT_RANDOM, AT_EXECFN,
                                       AT_PLATFORM, AT_NULL});
  CHECK(block.value(AT_HWCAP) == 0x178bfbff);
  CHECK(block.value(AT_PAGESZ) == 4096);
  CHECK(block.value(AT_CLKTCK) == 100);
  CHECK(block.value(AT_PHDR) == 0x555555554040);
  CHECK(block.value(AT_PHENT) == 56);
  CHECK(block.value(AT_PHNUM) == 13);
  CHECK(block.value(AT_BASE) == 0x7ffff7fc3000);
  CHECK(block.value(AT_FLAGS) == 0);
  CHECK(block.value(AT_ENTRY) == 0x555555555040);
  CHECK(block.value(AT_UID) == 1000);
  CHECK(block.value(AT_EUID) == 1001);
  CHECK(block.value(AT_GID) == 100);
  CHECK(block.value(AT_EGID) == 101);
  CHECK(block.value(AT_SECURE) == 0);
  CHECK(string(block.value(AT_EXECFN)) == "/bin/prog");
  CHECK(string(block.value(AT_PLATFORM)) == "x86_64");
  uint8_t random[16];
  REQUIRE(space.copyIn(block.value(AT_RANDOM), random, sizeof random));
  CHECK(std::equal(random, random + 16, aux.random.begin()));

  // The strings sit at the very top, argv's first, then the environment, then
  // execfn, under one empty word.
  CHECK(word(stack.top - 8) == 0);
  CHECK(block.value(AT_EXECFN) == stack.top - 8 - sizeof("/bin/prog"));
  CHECK(block.envp[1] == block.value(AT_EXECFN) - sizeof("B=two"));
  CHECK(block.envp[0] == block.envp[1] - sizeof("A=1"));
  CHECK(block.argv[1] == block.envp[0] - sizeof("arg one"));
  CHECK(block.argv[0] == block.argv[1] - sizeof("prog"));
  CHECK(block.value(AT_PLATFORM) == (block.argv[0] & ~uint64_t{15}) - sizeof("x86_64"));
  CHECK(block.value(AT_RANDOM) == block.value(AT_PLATFORM) - 16);
}

TEST_CASE_FIXTURE(Fixture, "the exact addresses for a small start, worked out by hand") {
  StackRange stack = mapStack(space);
  uint64_t rsp = writeInitialStack(space, stack, {{"a"}, {}, "/a"}, someAux());
  // top-8 = ..eff8; "/a" -> ..eff5; "a" -> ..eff3; align -> ..eff0; "x86_64" -> ..efe9;
  // random -> ..efd9; 18 auxv pairs -> ..eeb9; 4 words (argc, argv, 2 NULLs) -> ..ee99; align -> ..ee90.
  CHECK(rsp == 0x7fffffffee90);
  StartBlock block = readBlock(*this, rsp);
  CHECK(block.argv == std::vector<uint64_t>{0x7fffffffeff3});
  CHECK(block.value(AT_EXECFN) == 0x7fffffffeff5);
  CHECK(block.value(AT_PLATFORM) == 0x7fffffffefe9);
  CHECK(block.value(AT_RANDOM) == 0x7fffffffefd9);
}

TEST_CASE_FIXTURE(Fixture, "optional entries, no arguments, a secure start") {
  StackRange stack = mapStack(space);
  AuxValues aux = someAux();
  aux.hwcap2 = 0x2;
  aux.minSigStackSize = 0x1000;
  aux.secure = true;
  uint64_t rsp = writeInitialStack(space, stack, {{}, {}, "/x"}, aux);
  CHECK(rsp % 16 == 0);
  StartBlock block = readBlock(*this, rsp);
  CHECK(block.auxv.front() == std::pair<uint64_t, uint64_t>{AT_MINSIGSTKSZ, 0x1000});  // ARCH_DLINFO comes first
  CHECK(block.value(AT_HWCAP2) == 0x2);
  CHECK(block.value(AT_SECURE) == 1);
  REQUIRE(block.argv.size() == 1);  // Linux gives an empty argv one empty string
  CHECK(string(block.argv[0]).empty());
  CHECK(block.envp.empty());
}

TEST_CASE_FIXTURE(Fixture, "arguments Linux would refuse") {
  StackRange stack = mapStack(space);
  AuxValues aux = someAux();
  const std::string longest(131071, 'x');
  CHECK(writeInitialStack(space, stack, {{longest}, {}, "/x"}, aux) % 16 == 0);
  expectCoreError([&] { writeInitialStack(space, stack, {{"a", longest + "y"}, {}, "/x"}, aux); }, "se-args",
                  {"argv[1] is 131072 bytes; Linux takes at most 131071 (MAX_ARG_STRLEN)"});
  expectCoreError([&] { writeInitialStack(space, stack, {{"a"}, {"A=1", std::string("B=\0x", 4)}, "/x"}, aux); },
                  "se-args", {"envp[1] holds a NUL byte at offset 2"});
  expectCoreError([&] { writeInitialStack(space, stack, {{"a"}, {}, std::string("/\0", 2)}, aux); }, "se-args",
                  {"execfn holds a NUL byte at offset 1"});
  std::vector<std::string> bigEnv(20, std::string(120000, 'e'));
  expectCoreError([&] { writeInitialStack(space, stack, {{"a"}, bigEnv, "/x"}, aux); }, "se-args",
                  {"argv and the environment need 2400", "Linux allows 2097152 with a 8388608-byte stack"});
  std::vector<std::string> manyArgs(300000);
  expectCoreError([&] { writeInitialStack(space, stack, {manyArgs, {}, "/x"}, aux); }, "se-args",
                  {"argv and the environment need"});
}

TEST_CASE_FIXTURE(Fixture, "a small stack: Linux's 128 KiB floor, and the stack's own size") {
  StackRange stack = mapStack(space, false, 64 << 10);
  std::vector<std::string> env(2, std::string(50000, 'e'));
  expectCoreError([&] { writeInitialStack(space, stack, {{"a"}, env, "/x"}, someAux()); }, "se-args",
                  {"the start-up block needs up to", "more than the 65536-byte stack"});
}

TEST_CASE_FIXTURE(Fixture, "a stack that is not mapped") {
  StackRange stack{kUserEnd - (8 << 20), kUserEnd};
  expectCoreError([&] { writeInitialStack(space, stack, {{"a"}, {}, "/x"}, someAux()); }, "se-setup",
                  {"is not writable user memory", "mapStack"});
}

}  // namespace
}  // namespace kx::se
