#include "se/linux_elf.hh"

#include <elf.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>

#include "se/user_layout.hh"
#include "sim/core_error.hh"

namespace kx::se {

namespace {

const char* const kOnlyX86 = " — only x86-64 Linux binaries run in SE mode";
// Linux reads at most one page of program headers.
constexpr uint64_t kMaxPhnum = kPageSize / sizeof(Elf64_Phdr);
// PATH_MAX, the NUL included, as Linux bounds PT_INTERP.
constexpr uint64_t kMaxInterpreterBytes = 4096;
// Enough for an ELF header, or a script's #! line.
constexpr uint64_t kHeadBytes = 128;
constexpr uint64_t kLoadChunk = 1ull << 20;

[[noreturn]] void refuse(const std::string& path, const std::string& what) {
  throw CoreError("se-binary", path + ": " + what);
}

std::string machineName(uint16_t machine) {
  switch (machine) {
    case EM_386: return "i386";
    case EM_X86_64: return "x86-64";
    case EM_AARCH64: return "AArch64";
    case EM_ARM: return "ARM";
    case EM_RISCV: return "RISC-V";
    case EM_PPC: return "PowerPC";
    case EM_PPC64: return "PowerPC64";
    case EM_S390: return "s390";
    case EM_MIPS: return "MIPS";
    case EM_SPARC:
    case EM_SPARCV9: return "SPARC";
    case EM_IA_64: return "IA-64";
    case 258: return "LoongArch";  // EM_LOONGARCH, missing from older <elf.h>
    default: return "machine " + std::to_string(machine);
  }
}

// The #! line as a message can show it: one line, printable, not too long.
std::string scriptLine(const std::vector<uint8_t>& head) {
  std::string line;
  for (size_t i = 2; i < head.size() && head[i] != '\n' && line.size() < 80; ++i)
    line += head[i] >= 0x20 && head[i] < 0x7f ? static_cast<char>(head[i]) : '?';
  return line;
}

std::string leadingBytes(const std::vector<uint8_t>& head) {
  std::string out;
  char byte[4];
  for (size_t i = 0; i < std::min<size_t>(head.size(), 4); ++i) {
    std::snprintf(byte, sizeof byte, i ? " %02x" : "%02x", head[i]);
    out += byte;
  }
  return out;
}

// Refuses, naming what the file is, anything that is not a little-endian
// ELF64 for x86-64 with a whole header.
void checkIdentity(const std::string& path, const std::vector<uint8_t>& head, uint64_t size) {
  if (size >= 2 && head[0] == '#' && head[1] == '!')
    refuse(path, "a script (#!" + scriptLine(head) + ") — give the interpreter as guest.binary");
  if (size < SELFMAG || std::memcmp(head.data(), ELFMAG, SELFMAG) != 0)
    refuse(path, size == 0 ? "not an ELF file (it is empty)"
                           : "not an ELF file (it starts with " + leadingBytes(head) + ")");
  if (size < sizeof(Elf64_Ehdr))
    refuse(path, "truncated ELF header: the file has " + std::to_string(size) + " bytes, an ELF64 header " +
                     std::to_string(sizeof(Elf64_Ehdr)));
  bool bigEndian = head[EI_DATA] == ELFDATA2MSB;
  // e_machine sits at the same offset in both classes.
  constexpr size_t kMachineAt = offsetof(Elf64_Ehdr, e_machine);
  uint16_t machine = bigEndian ? uint16_t(head[kMachineAt] << 8 | head[kMachineAt + 1])
                               : uint16_t(head[kMachineAt] | head[kMachineAt + 1] << 8);
  if (head[EI_CLASS] == ELFCLASS32) refuse(path, "ELF 32-bit (" + machineName(machine) + ")" + kOnlyX86);
  if (head[EI_CLASS] != ELFCLASS64) refuse(path, "ELF of unknown class " + std::to_string(head[EI_CLASS]) + kOnlyX86);
  if (machine != EM_X86_64) refuse(path, "ELF for " + machineName(machine) + kOnlyX86);
  if (bigEndian) refuse(path, "ELF with big-endian data" + std::string(kOnlyX86));
  if (head[EI_DATA] != ELFDATA2LSB) refuse(path, "ELF of unknown data encoding " + std::to_string(head[EI_DATA]));
}

void checkType(const std::string& path, uint16_t type) {
  switch (type) {
    case ET_EXEC:
    case ET_DYN: return;
    case ET_REL: refuse(path, "an object file (ET_REL), not a program — link it into an executable");
    case ET_CORE: refuse(path, "a core dump (ET_CORE), not a program");
    default:
      refuse(path, "e_type is " + std::to_string(type) +
                       ", neither an executable (ET_EXEC) nor a shared object (ET_DYN)");
  }
}

std::string range(uint64_t start, uint64_t length) { return "[" + hex(start) + ", +" + hex(length) + ")"; }

void checkFileRange(const std::string& path, const std::string& what, uint64_t offset, uint64_t length,
                    uint64_t size) {
  if (offset > size || length > size - offset)
    refuse(path, what + ": p_offset " + hex(offset) + " + p_filesz " + hex(length) +
                     " runs past the end of the file (" + hex(size) + " bytes)");
}

void checkUserRange(const std::string& path, const std::string& what, uint64_t vaddr, uint64_t memsz) {
  if (memsz > kUserEnd || vaddr > kUserEnd - memsz)
    refuse(path, what + ": p_vaddr " + hex(vaddr) + " + p_memsz " + hex(memsz) + " ends above user space (" +
                     hex(kUserEnd) + ")");
}

unsigned protOf(uint32_t flags) {
  unsigned prot = kProtNone;
  if (flags & PF_R) prot |= kProtRead;
  if (flags & PF_W) prot |= kProtWrite;
  if (flags & PF_X) prot |= kProtExec;
  return prot;
}

LoadSegment checkLoad(const std::string& path, const std::string& what, const Elf64_Phdr& ph, uint64_t fileSize,
                      const std::vector<LoadSegment>& earlier) {
  if (ph.p_filesz > ph.p_memsz)
    refuse(path, what + ": p_filesz " + hex(ph.p_filesz) + " is larger than p_memsz " + hex(ph.p_memsz));
  checkFileRange(path, what, ph.p_offset, ph.p_filesz, fileSize);
  checkUserRange(path, what, ph.p_vaddr, ph.p_memsz);
  if (ph.p_align > 1 && (ph.p_align & (ph.p_align - 1)) != 0)
    refuse(path, what + ": p_align " + hex(ph.p_align) + " is not a power of two");
  if ((ph.p_vaddr - ph.p_offset) % kPageSize != 0)
    refuse(path, what + ": p_vaddr " + hex(ph.p_vaddr) + " and p_offset " + hex(ph.p_offset) +
                     " lie at different offsets in a page (" + hex(ph.p_vaddr % kPageSize) + " and " +
                     hex(ph.p_offset % kPageSize) + "), so the file cannot be mapped");
  if (!earlier.empty()) {
    const LoadSegment& before = earlier.back();
    if (ph.p_vaddr < before.vaddr)
      refuse(path, what + ": p_vaddr " + hex(ph.p_vaddr) + " is below the previous PT_LOAD's " + hex(before.vaddr) +
                       " (PT_LOAD entries must be in ascending order)");
    if (ph.p_vaddr < before.vaddr + before.memsz)
      refuse(path, what + ": " + range(ph.p_vaddr, ph.p_memsz) + " overlaps the previous PT_LOAD " +
                       range(before.vaddr, before.memsz));
  }
  return {ph.p_vaddr, ph.p_memsz, ph.p_filesz, ph.p_offset, protOf(ph.p_flags)};
}

std::string readInterpreter(const ReadOnlyFile& file, const std::string& what, const Elf64_Phdr& ph) {
  if (ph.p_filesz < 2 || ph.p_filesz > kMaxInterpreterBytes)
    refuse(file.path(), what + ": p_filesz is " + std::to_string(ph.p_filesz) +
                            "; a path and its NUL take 2 to " + std::to_string(kMaxInterpreterBytes) + " bytes");
  checkFileRange(file.path(), what, ph.p_offset, ph.p_filesz, file.size());
  std::string path(ph.p_filesz, '\0');
  file.readAt(ph.p_offset, path.data(), path.size());
  if (path.back() != '\0') refuse(file.path(), what + ": the interpreter path is not NUL-terminated");
  path.pop_back();
  if (path.find('\0') != std::string::npos)
    refuse(file.path(), what + ": the interpreter path has a NUL at byte " + std::to_string(path.find('\0')) +
                            " of " + std::to_string(path.size()));
  return path;
}

}  // namespace

uint64_t LinuxElf::firstPage() const { return pageDown(loads.front().vaddr); }
uint64_t LinuxElf::endPage() const { return pageUp(loads.back().vaddr + loads.back().memsz); }

LinuxElf readLinuxElf(const std::string& path) {
  ReadOnlyFile file(path, "se-binary", "program");
  if (file.size() > kMaxBinaryBytes)
    refuse(path, std::to_string(file.size()) + " bytes, more than the " + std::to_string(kMaxBinaryBytes) +
                     "-byte limit for a program");
  std::vector<uint8_t> head(std::min(file.size(), kHeadBytes));
  file.readAt(0, head.data(), head.size());
  checkIdentity(path, head, file.size());
  Elf64_Ehdr eh;
  std::memcpy(&eh, head.data(), sizeof eh);
  checkType(path, eh.e_type);
  if (eh.e_phentsize != sizeof(Elf64_Phdr))
    refuse(path, "e_phentsize is " + std::to_string(eh.e_phentsize) + ", expected " +
                     std::to_string(sizeof(Elf64_Phdr)));
  if (eh.e_phnum == 0) refuse(path, "no program headers (e_phnum is 0)");
  if (eh.e_phnum > kMaxPhnum)
    refuse(path, "e_phnum is " + std::to_string(eh.e_phnum) + ", more program headers than Linux reads (" +
                     std::to_string(kMaxPhnum) + ")");
  uint64_t phBytes = uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr);
  if (eh.e_phoff > file.size() || phBytes > file.size() - eh.e_phoff)
    refuse(path, "program headers (e_phoff " + hex(eh.e_phoff) + ", " + std::to_string(eh.e_phnum) +
                     " entries) run past the end of the file (" + hex(file.size()) + " bytes)");
  std::vector<Elf64_Phdr> headers(eh.e_phnum);
  file.readAt(eh.e_phoff, headers.data(), phBytes);

  LinuxElf elf{std::move(file), eh.e_type, eh.e_entry, {}, 0, eh.e_phnum, eh.e_phentsize, {}, false};
  bool havePhdr = false, haveInterpreter = false;
  for (size_t i = 0; i < headers.size(); ++i) {
    const Elf64_Phdr& ph = headers[i];
    std::string what = "program header " + std::to_string(i);
    switch (ph.p_type) {
      case PT_LOAD: {
        what += " (PT_LOAD)";
        LoadSegment load = checkLoad(path, what, ph, elf.file.size(), elf.loads);
        if (load.memsz > 0) elf.loads.push_back(load);  // an empty one maps nothing
        break;
      }
      case PT_INTERP:
        what += " (PT_INTERP)";
        if (haveInterpreter) refuse(path, what + ": a second PT_INTERP");
        elf.interpreter = readInterpreter(elf.file, what, ph);
        haveInterpreter = true;
        break;
      case PT_PHDR:
        checkUserRange(path, what + " (PT_PHDR)", ph.p_vaddr, ph.p_memsz);
        elf.phdrVaddr = ph.p_vaddr;
        havePhdr = true;
        break;
      case PT_GNU_STACK: elf.executableStack = (ph.p_flags & PF_X) != 0; break;
      default: break;
    }
  }
  if (elf.loads.empty()) refuse(path, "no PT_LOAD segment with contents");
  bool entryExecutable = std::any_of(elf.loads.begin(), elf.loads.end(), [&](const LoadSegment& s) {
    return (s.prot & kProtExec) && eh.e_entry >= s.vaddr && eh.e_entry - s.vaddr < s.memsz;
  });
  if (!entryExecutable) refuse(path, "e_entry " + hex(eh.e_entry) + " is not inside an executable PT_LOAD segment");
  if (!havePhdr)
    for (const LoadSegment& s : elf.loads)
      if (s.offset <= eh.e_phoff && eh.e_phoff - s.offset < s.filesz) elf.phdrVaddr = eh.e_phoff - s.offset + s.vaddr;
  return elf;
}

namespace {

[[noreturn]] void mapFailed(const LinuxElf& elf, const std::string& what, uint64_t start, uint64_t length,
                            int64_t error) {
  std::string where = what + " " + range(start, length);
  if (error == -ENOMEM)
    throw CoreError("se-memory", elf.path() + ": out of guest memory for " + where + "; raise guest.memory");
  if (error == -EEXIST) refuse(elf.path(), where + " would overlap an existing mapping");
  if (error == -EPERM) refuse(elf.path(), where + " would start below vm.mmap_min_addr (" + hex(kMmapMinAddr) + ")");
  refuse(elf.path(), errnoMessage("cannot map " + where, static_cast<int>(-error)));
}

// File bytes [offset, +length) to guest `va`, a chunk at a time.
void copyFromFile(const LinuxElf& elf, uint64_t offset, uint64_t length, uint64_t va, ProcessMemory& memory) {
  std::vector<uint8_t> chunk(std::min(length, kLoadChunk));
  for (uint64_t done = 0; done < length;) {
    uint64_t n = std::min(length - done, kLoadChunk);
    elf.file.readAt(offset + done, chunk.data(), n);
    if (!memory.fill(va + done, chunk.data(), n))
      throw CoreError("se-memory", elf.path() + ": cannot fill " + range(va + done, n) + "; raise guest.memory");
    done += n;
  }
}

}  // namespace

void loadLinuxElf(const LinuxElf& elf, uint64_t bias, ProcessMemory& memory, const std::string& mappingName) {
  const std::string& name = mappingName.empty() ? elf.path() : mappingName;
  if (!pageAligned(bias) || (elf.type == ET_EXEC && bias != 0))
    throw CoreError("se-setup", elf.path() + ": load bias " + hex(bias) + " must be page aligned, and 0 for ET_EXEC");
  uint64_t first = elf.firstPage(), end = elf.endPage();
  if (bias > kUserEnd - end)
    refuse(elf.path(), "its segments " + range(first, end - first) + " do not fit in user space at bias " + hex(bias));
  int64_t claimed = memory.mapAnonymous(first + bias, end - first, kProtNone, true, true, name);
  if (claimed < 0) mapFailed(elf, "its segments", first + bias, end - first, claimed);

  uint64_t mappedTo = first + bias;
  for (const LoadSegment& s : elf.loads) {
    uint64_t start = pageDown(s.vaddr + bias), stop = pageUp(s.vaddr + bias + s.memsz);
    if (start > mappedTo) memory.unmap(mappedTo, start - mappedTo);
    int64_t mapped = memory.mapAnonymous(start, stop - start, s.prot, true, false, name);
    if (mapped < 0) mapFailed(elf, "PT_LOAD", start, stop - start, mapped);
    uint64_t inPage = s.vaddr % kPageSize;  // p_offset has the same, so it is at least this
    copyFromFile(elf, s.offset - inPage, inPage + s.filesz, start, memory);
    mappedTo = stop;
  }
}

}  // namespace kx::se
