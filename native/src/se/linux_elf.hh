#pragma once
// Linux x86-64 ELF programs for SE mode: the main binary (static, static-PIE
// or dynamic) and its interpreter (ld-linux). Every header field is untrusted;
// a file that is not an x86-64 Linux program is refused with a message saying
// what it is instead.
#include <cstdint>
#include <string>
#include <vector>

#include "boot/read_only_file.hh"
#include "se/process_memory.hh"

namespace kx::se {

// Larger files are refused before anything is read.
constexpr uint64_t kMaxBinaryBytes = 1ull << 30;

struct LoadSegment {
  uint64_t vaddr;  // as linked: before the load bias
  uint64_t memsz;
  uint64_t filesz;
  uint64_t offset;
  unsigned prot;  // kProt* from p_flags
};

struct LinuxElf {
  // Kept open, so that the segments loaded are read from the file that was checked.
  ReadOnlyFile file;
  uint16_t type;  // ET_EXEC or ET_DYN
  uint64_t entry;
  // Ascending, non-overlapping (they may share a page), none empty.
  std::vector<LoadSegment> loads;
  // Where the program headers are once loaded (AT_PHDR, before the bias):
  // PT_PHDR's p_vaddr, or else, as Linux computes it, inside the PT_LOAD
  // whose file bytes hold e_phoff (0 when none does, as in Linux).
  uint64_t phdrVaddr;
  uint16_t phnum;
  uint16_t phentsize;
  std::string interpreter;  // PT_INTERP; empty when there is none
  // PT_GNU_STACK has PF_X. Without PT_GNU_STACK, x86-64 Linux (5.8 on) gives
  // a non-executable stack.
  bool executableStack;

  const std::string& path() const { return file.path(); }
  // The page-aligned span the segments occupy, before the bias.
  uint64_t firstPage() const;
  uint64_t endPage() const;
};

// Reads and checks `path`. Throws CoreError("se-binary", "<path>: <what>").
LinuxElf readLinuxElf(const std::string& path);

// Maps every PT_LOAD at vaddr + bias with its protection, as Linux does: the
// whole span is claimed first (it must not overlap an existing mapping), each
// segment's pages are mapped and filled from the file (from the start of its
// first page, as a file mapping would show them; the bss is zero), and the
// gaps between segments are left unmapped. `bias` is page aligned, and 0 for
// ET_EXEC. Throws CoreError("se-binary") when the segments do not fit there,
// "se-memory" when the frame budget runs out.
// `mappingName` labels the mappings (traces, fault reports): the path the
// process knows the file by; empty: the host path.
void loadLinuxElf(const LinuxElf& elf, uint64_t bias, ProcessMemory& memory, const std::string& mappingName = "");

}  // namespace kx::se
