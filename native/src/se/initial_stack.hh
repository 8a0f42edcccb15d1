#pragma once
// The stack a Linux process starts on: the "[stack]" mapping, and at its top
// argc, argv, envp, the auxiliary vector and the strings they point at, laid
// out as fs/binfmt_elf.c (create_elf_tables) and fs/exec.c lay them out
// without randomization.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "se/process_memory.hh"
#include "se/user_layout.hh"

namespace kx::se {

struct StackRange {
  uint64_t bottom;
  uint64_t top;  // exclusive
};

// Maps [top - size, top) read-write (and executable when PT_GNU_STACK asks),
// named "[stack]". Throws CoreError("se-memory") when the frame budget cannot
// hold it, "se-setup" for a range that is not whole pages or is taken.
StackRange mapStack(ProcessMemory& memory, bool executable = false, uint64_t size = kDefaultStackSize,
                    uint64_t top = kDefaultStackTop);

struct ProgramArguments {
  std::vector<std::string> argv;  // empty: Linux passes one empty string
  std::vector<std::string> envp;
  std::string execfn;  // AT_EXECFN: the path the program was started by
};

// The auxiliary vector's values that depend on the program and the machine;
// the rest are Linux's constants (AT_PAGESZ 4096, AT_CLKTCK 100, AT_FLAGS 0,
// AT_PHENT 56, AT_PLATFORM "x86_64").
struct AuxValues {
  uint64_t phdr = 0;   // AT_PHDR, with the bias
  uint64_t phnum = 0;  // AT_PHNUM
  uint64_t base = 0;   // AT_BASE: the interpreter's load address; 0 without one
  uint64_t entry = 0;  // AT_ENTRY: the program's entry, with the bias
  uint64_t uid = 0;
  uint64_t euid = 0;
  uint64_t gid = 0;
  uint64_t egid = 0;
  bool secure = false;
  uint64_t hwcap = 0;
  std::optional<uint64_t> hwcap2;
  std::optional<uint64_t> minSigStackSize;  // AT_MINSIGSTKSZ
  std::array<uint8_t, 16> random{};         // the bytes AT_RANDOM points at
};

// Writes the start-up block to the top of `stack` and returns the initial
// RSP: 16-byte aligned, pointing at argc. Throws CoreError("se-args") when
// a string is longer than Linux's MAX_ARG_STRLEN or holds a NUL, or strings
// and pointers need more than Linux allows for the stack's size.
uint64_t writeInitialStack(ProcessMemory& memory, const StackRange& stack, const ProgramArguments& args,
                           const AuxValues& aux);

}  // namespace kx::se
