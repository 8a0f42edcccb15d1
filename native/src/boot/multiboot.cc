#include "boot/multiboot.hh"

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <optional>

#include "boot/layout.hh"
#include "boot/read_only_file.hh"
#include "sim/core_error.hh"

namespace kx {

namespace {

namespace mb = multiboot;

constexpr uint64_t kPage = 4096;
constexpr uint32_t kHeaderBytes = 12;          // magic, flags, checksum
constexpr uint32_t kAddressHeaderBytes = 32;   // ... header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr
constexpr uint64_t kInfoReserve = 128;         // the information block, rounded up
constexpr unsigned kMmapEntries = 5;
constexpr char kLoaderName[] = "kvm-experiments";
constexpr unsigned kMaxProgramHeaders = 64;

// Callers keep `value` below guest memory size, so this cannot wrap.
uint64_t alignUp(uint64_t value, uint64_t alignment) { return (value + alignment - 1) & ~(alignment - 1); }

uint32_t le32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);  // x86 hosts only: little-endian like the image
  return v;
}

struct Header {
  uint64_t offset;  // in the file
  uint32_t flags;
  uint32_t headerAddr, loadAddr, loadEndAddr, bssEndAddr, entryAddr;  // valid with kAddressFields
};

// A range of the kernel file copied to guest memory, the rest up to memSize zeroed.
struct Segment {
  std::string what;
  uint64_t fileOffset;
  uint64_t fileSize;
  uint64_t address;
  uint64_t memSize;
};

struct Kernel {
  std::vector<Segment> segments;
  uint64_t entry;
};

struct PlacedModule {
  const MultibootModule* module;
  ReadOnlyFile file;
  uint64_t address;
  uint64_t cmdlineAddress;
};

class Loader {
 public:
  Loader(const std::string& path, GuestMemory& memory)
      : path_(path), memory_(memory), file_(path, "multiboot-image", "multiboot kernel") {}

  MultibootImage load(const MultibootBoot& boot);

 private:
  [[noreturn]] void refuse(const std::string& what) const { throw CoreError("multiboot-image", path_ + ": " + what); }
  Header findHeader() const;
  Kernel addressFieldsKernel(const Header& header) const;
  Kernel elfKernel() const;
  template <typename Ehdr, typename Phdr>
  Kernel elfSegments(unsigned expectedMachine, const char* machineName) const;
  void checkPlacement(const Kernel& kernel) const;
  void checkString(const std::string& text, const std::string& what, const char* why) const;
  // Multiboot addresses are 32-bit: what is placed must end in RAM and at or below 4 GiB.
  uint64_t limit() const { return std::min<uint64_t>(memory_.size(), uint64_t{1} << 32); }
  bool fits(uint64_t start, uint64_t size) const { return start <= limit() && size <= limit() - start; }
  std::string limitText() const {
    return memory_.size() <= limit() ? "guest memory of " + hex(memory_.size()) + " bytes"
                                     : "the first 4 GiB of guest memory (multiboot addresses are 32-bit)";
  }

  std::string path_;
  GuestMemory& memory_;
  ReadOnlyFile file_;
};

Header Loader::findHeader() const {
  uint64_t window = std::min<uint64_t>(file_.size(), mb::kHeaderSearchBytes);
  if (window < kHeaderBytes)
    refuse("the file is " + std::to_string(file_.size()) + " bytes, too short to hold a multiboot header (" +
           std::to_string(kHeaderBytes) + " bytes)");
  std::vector<uint8_t> head(window);
  file_.readAt(0, head.data(), window);
  std::optional<std::string> badChecksum;
  for (uint64_t at = 0; at + kHeaderBytes <= window; at += 4) {
    if (le32(&head[at]) != mb::kHeaderMagic) continue;
    uint32_t flags = le32(&head[at + 4]);
    uint32_t checksum = le32(&head[at + 8]);
    uint32_t sum = mb::kHeaderMagic + flags + checksum;
    if (sum != 0) {
      if (!badChecksum)
        badChecksum = "the multiboot header at offset " + hex(at) + " has a bad checksum: magic " +
                      hex(mb::kHeaderMagic) + " + flags " + hex(flags) + " + checksum " + hex(checksum) + " = " +
                      hex(sum) + " (mod 2^32), not 0";
      continue;
    }
    Header header{at, flags, 0, 0, 0, 0, 0};
    if (flags & mb::kAddressFields) {
      uint64_t end = at + kAddressHeaderBytes;
      if (end > mb::kHeaderSearchBytes)
        refuse("the multiboot header at offset " + hex(at) + " has address fields (flags bit 16), which end at " +
               hex(end) + ", past the first 8192 bytes of the file");
      if (end > file_.size())
        refuse("the multiboot header at offset " + hex(at) + " has address fields (flags bit 16), which end at " +
               hex(end) + ", past the end of the file at " + hex(file_.size()));
      header.headerAddr = le32(&head[at + 12]);
      header.loadAddr = le32(&head[at + 16]);
      header.loadEndAddr = le32(&head[at + 20]);
      header.bssEndAddr = le32(&head[at + 24]);
      header.entryAddr = le32(&head[at + 28]);
    }
    return header;
  }
  if (badChecksum) refuse(*badChecksum);
  refuse("no multiboot header (magic " + hex(mb::kHeaderMagic) +
         " on a 4-byte boundary, with a valid checksum) in the first " + std::to_string(window) + " bytes");
}

// The a.out kludge: the header says where its own bytes go (header_addr), and
// the file from (header offset - (header_addr - load_addr)) is loaded at load_addr.
Kernel Loader::addressFieldsKernel(const Header& h) const {
  const std::string kludge = "a.out kludge (flags bit 16): ";
  if (h.loadAddr > h.headerAddr)
    refuse(kludge + "load_addr " + hex(h.loadAddr) + " is above header_addr " + hex(h.headerAddr));
  uint64_t lead = uint64_t{h.headerAddr} - h.loadAddr;
  if (lead > h.offset)
    refuse(kludge + "header_addr " + hex(h.headerAddr) + " - load_addr " + hex(h.loadAddr) + " = " + hex(lead) +
           " is more than the header's file offset " + hex(h.offset) + ": the image would start before the file");
  uint64_t textOffset = h.offset - lead;
  uint64_t available = file_.size() - textOffset;
  uint64_t loadSize = available;  // load_end_addr 0: the rest of the file
  if (h.loadEndAddr != 0) {
    if (h.loadEndAddr < h.loadAddr)
      refuse(kludge + "load_end_addr " + hex(h.loadEndAddr) + " is below load_addr " + hex(h.loadAddr));
    loadSize = uint64_t{h.loadEndAddr} - h.loadAddr;
    if (loadSize > available)
      refuse(kludge + "load_addr " + hex(h.loadAddr) + " to load_end_addr " + hex(h.loadEndAddr) + " is " +
             hex(loadSize) + " bytes from file offset " + hex(textOffset) + ", but the file has only " +
             hex(available) + " bytes there");
  }
  uint64_t loadEnd = uint64_t{h.loadAddr} + loadSize;
  uint64_t memSize = loadSize;
  if (h.bssEndAddr != 0) {
    if (h.bssEndAddr < loadEnd)
      refuse(kludge + "bss_end_addr " + hex(h.bssEndAddr) + " is below the end of the loaded image at " + hex(loadEnd));
    memSize = uint64_t{h.bssEndAddr} - h.loadAddr;
  }
  if (h.entryAddr < h.loadAddr || h.entryAddr - h.loadAddr >= memSize)
    refuse(kludge + "entry_addr " + hex(h.entryAddr) + " is outside the loaded image [" + hex(h.loadAddr) + ", " +
           hex(uint64_t{h.loadAddr} + memSize) + ")");
  return {{{"the a.out kludge image", textOffset, loadSize, h.loadAddr, memSize}}, h.entryAddr};
}

template <typename Ehdr, typename Phdr>
Kernel Loader::elfSegments(unsigned expectedMachine, const char* machineName) const {
  if (file_.size() < sizeof(Ehdr))
    refuse("the ELF header (" + std::to_string(sizeof(Ehdr)) + " bytes) is cut short by the end of the file at " +
           hex(file_.size()));
  Ehdr eh;
  file_.readAt(0, &eh, sizeof eh);
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) refuse("e_ident[EI_DATA] is not little-endian");
  if (eh.e_machine != expectedMachine)
    refuse("e_machine is " + std::to_string(eh.e_machine) + ", expected " + std::to_string(expectedMachine) + " (" +
           machineName + ")");
  if (eh.e_type != ET_EXEC)
    refuse("e_type is " + std::to_string(eh.e_type) + ", expected 2 (ET_EXEC, a statically linked executable)");
  if (eh.e_phentsize != sizeof(Phdr))
    refuse("e_phentsize is " + std::to_string(eh.e_phentsize) + ", expected " + std::to_string(sizeof(Phdr)));
  if (eh.e_phnum == 0 || eh.e_phnum > kMaxProgramHeaders)
    refuse("e_phnum is " + std::to_string(eh.e_phnum) + " (1.." + std::to_string(kMaxProgramHeaders) + " allowed)");
  uint64_t tableSize = uint64_t{eh.e_phnum} * sizeof(Phdr);
  if (eh.e_phoff > file_.size() || tableSize > file_.size() - eh.e_phoff)
    refuse("program headers (e_phoff " + hex(eh.e_phoff) + ", " + std::to_string(eh.e_phnum) +
           " entries) run past the end of the file at " + hex(file_.size()));
  std::vector<Phdr> table(eh.e_phnum);
  file_.readAt(eh.e_phoff, table.data(), tableSize);

  Kernel kernel{{}, eh.e_entry};
  bool sawLoad = false;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    const Phdr& ph = table[i];
    if (ph.p_type != PT_LOAD) continue;
    sawLoad = true;
    std::string seg = "segment " + std::to_string(i);
    if (ph.p_filesz > ph.p_memsz)
      refuse(seg + ": p_filesz " + hex(ph.p_filesz) + " is larger than p_memsz " + hex(ph.p_memsz));
    if (ph.p_offset > file_.size() || ph.p_filesz > file_.size() - ph.p_offset)
      refuse(seg + ": p_offset " + hex(ph.p_offset) + " + p_filesz " + hex(ph.p_filesz) +
             " runs past the end of the file at " + hex(file_.size()));
    // e_entry is a virtual address; QEMU moves it to the physical address of
    // the executable segment whose file contents hold it (include/hw/elf_ops.h).
    if ((ph.p_flags & PF_X) && ph.p_vaddr != ph.p_paddr && eh.e_entry >= ph.p_vaddr &&
        eh.e_entry - ph.p_vaddr < ph.p_filesz)
      kernel.entry = eh.e_entry - ph.p_vaddr + ph.p_paddr;
    if (ph.p_memsz == 0) continue;  // QEMU ignores empty segments too
    kernel.segments.push_back({seg + " (p_paddr)", ph.p_offset, ph.p_filesz, ph.p_paddr, ph.p_memsz});
  }
  if (!sawLoad) refuse("no PT_LOAD segment");
  bool entryLoaded = false;
  for (const Segment& s : kernel.segments)
    if (kernel.entry >= s.address && kernel.entry - s.address < s.memSize) entryLoaded = true;
  if (!entryLoaded)
    refuse("the entry point " + hex(kernel.entry) + " (e_entry " + hex(eh.e_entry) +
           ") is not inside a loaded segment");
  return kernel;
}

Kernel Loader::elfKernel() const {
  unsigned char ident[EI_NIDENT] = {};
  if (file_.size() >= sizeof ident) file_.readAt(0, ident, sizeof ident);
  if (file_.size() < sizeof ident || std::memcmp(ident, ELFMAG, SELFMAG) != 0)
    refuse("the multiboot header has no address fields (flags bit 16 clear) and the file is not ELF (bad magic)");
  // QEMU refuses ELF64 images outright ("Cannot load x86-64 image, give a
  // 32bit one"); we load them too, by physical address like ELF32.
  if (ident[EI_CLASS] == ELFCLASS32) return elfSegments<Elf32_Ehdr, Elf32_Phdr>(EM_386, "EM_386");
  if (ident[EI_CLASS] == ELFCLASS64) return elfSegments<Elf64_Ehdr, Elf64_Phdr>(EM_X86_64, "EM_X86_64");
  refuse("e_ident[EI_CLASS] is " + std::to_string(ident[EI_CLASS]) + ", expected 1 (ELFCLASS32) or 2 (ELFCLASS64)");
}

// Each segment inside RAM above 1 MiB, and no two overlapping.
void Loader::checkPlacement(const Kernel& kernel) const {
  for (const Segment& s : kernel.segments) {
    if (s.address < layout::kImageFloor)
      refuse(s.what + " at " + hex(s.address) + " is below 1 MiB (" + hex(layout::kImageFloor) +
             "), where the runner's boot structures and the legacy 640 KiB - 1 MiB hole are");
    if (!fits(s.address, s.memSize))
      refuse(s.what + " [" + hex(s.address) + ", +" + hex(s.memSize) + ") lies outside " + limitText() +
             "; raise guest.memory");
  }
  std::vector<const Segment*> sorted;
  for (const Segment& s : kernel.segments) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(), [](const Segment* a, const Segment* b) { return a->address < b->address; });
  for (size_t i = 1; i < sorted.size(); ++i) {
    const Segment& a = *sorted[i - 1];
    const Segment& b = *sorted[i];
    if (b.address - a.address < a.memSize)
      refuse(a.what + " [" + hex(a.address) + ", " + hex(a.address + a.memSize) + ") and " + b.what + " [" +
             hex(b.address) + ", " + hex(b.address + b.memSize) + ") overlap");
  }
}

void Loader::checkString(const std::string& text, const std::string& what, const char* why) const {
  size_t nul = text.find('\0');
  if (nul != std::string::npos) refuse(what + " holds a NUL byte at index " + std::to_string(nul) + "; " + why);
}

MultibootImage Loader::load(const MultibootBoot& boot) {
  Header header = findHeader();
  Kernel kernel = (header.flags & mb::kAddressFields) ? addressFieldsKernel(header) : elfKernel();
  checkPlacement(kernel);
  uint64_t kernelStart = UINT64_MAX, kernelEnd = 0;
  for (const Segment& s : kernel.segments) {
    kernelStart = std::min(kernelStart, s.address);
    kernelEnd = std::max(kernelEnd, s.address + s.memSize);
  }

  // After the kernel, page aligned: the information block, the memory map,
  // the module list, the command lines; then each module on its own page.
  const char* guestString = "the guest reads it as a C string";
  checkString(boot.cmdline, "the command line", guestString);
  for (size_t i = 0; i < boot.modules.size(); ++i) {
    checkString(boot.modules[i].hostPath, "module " + std::to_string(i) + "'s path", "no file has that name");
    checkString(boot.modules[i].cmdline, "module " + std::to_string(i) + "'s command line", guestString);
  }
  const uint64_t info = alignUp(kernelEnd, kPage);
  const uint64_t mmap = info + kInfoReserve;
  const uint64_t mmapLength = kMmapEntries * mb::kMmapEntrySize;
  const uint64_t modList = alignUp(mmap + mmapLength, 16);
  const uint64_t loaderName = modList + uint64_t{mb::kModuleEntrySize} * boot.modules.size();
  const uint64_t cmdline = loaderName + sizeof kLoaderName;
  uint64_t cursor = cmdline + boot.cmdline.size() + 1;
  for (const MultibootModule& m : boot.modules) cursor += m.cmdline.size() + 1;
  if (!fits(info, cursor - info))
    refuse("the multiboot information, memory map, module list and command lines (" + hex(cursor - info) +
           " bytes) do not fit at " + hex(info) + ", after the kernel, in " + limitText() + "; raise guest.memory");
  const uint64_t infoEnd = cursor;

  std::vector<PlacedModule> modules;
  modules.reserve(boot.modules.size());
  uint64_t cmdlineCursor = cmdline + boot.cmdline.size() + 1;
  for (size_t i = 0; i < boot.modules.size(); ++i) {
    const MultibootModule& m = boot.modules[i];
    ReadOnlyFile file(m.hostPath, "multiboot-image", "multiboot module");
    std::string name = "module " + std::to_string(i) + " (" + m.hostPath + ")";
    if (file.size() > memory_.size())
      refuse(name + " is " + std::to_string(file.size()) + " bytes, larger than guest memory (" +
             std::to_string(memory_.size()) + " bytes); raise guest.memory");
    cursor = alignUp(cursor, kPage);
    if (!fits(cursor, file.size()))
      refuse(name + " of " + hex(file.size()) + " bytes does not fit at " + hex(cursor) + " in " + limitText() +
             "; raise guest.memory");
    modules.push_back({&m, std::move(file), cursor, cmdlineCursor});
    cursor += modules.back().file.size();
    cmdlineCursor += m.cmdline.size() + 1;
  }

  // Everything checked: write. Fresh guest memory is zero, but a reused one need not be.
  for (const Segment& s : kernel.segments) {
    file_.readAt(s.fileOffset, memory_.at(s.address, s.fileSize), s.fileSize);
    std::memset(memory_.at(s.address + s.fileSize, s.memSize - s.fileSize), 0, s.memSize - s.fileSize);
  }
  std::memset(memory_.at(info, infoEnd - info), 0, infoEnd - info);
  uint64_t upper = memory_.size() - mb::kTopReserved - mb::kUpperMemoryBase;
  memory_.store<uint32_t>(info + mb::kFlags, mb::kInfoMemory | mb::kInfoBootDevice | mb::kInfoCmdline | mb::kInfoModules |
                                                 mb::kInfoMmap | mb::kInfoLoaderName);
  memory_.store<uint32_t>(info + mb::kBootDevice, mb::kNoBootDevice);
  memory_.store<uint32_t>(info + mb::kLoaderName, static_cast<uint32_t>(loaderName));
  memory_.write(loaderName, kLoaderName, sizeof kLoaderName);
  memory_.store<uint32_t>(info + mb::kMemLower, mb::kMemLowerKiB);
  uint64_t upperKiB = std::min<uint64_t>(upper / 1024, UINT32_MAX);
  memory_.store<uint32_t>(info + mb::kMemUpper, static_cast<uint32_t>(upperKiB));
  memory_.store<uint32_t>(info + mb::kCmdline, static_cast<uint32_t>(cmdline));
  memory_.store<uint32_t>(info + mb::kModsCount, static_cast<uint32_t>(modules.size()));
  memory_.store<uint32_t>(info + mb::kModsAddr, static_cast<uint32_t>(modList));
  memory_.store<uint32_t>(info + mb::kMmapLength, static_cast<uint32_t>(mmapLength));
  memory_.store<uint32_t>(info + mb::kMmapAddr, static_cast<uint32_t>(mmap));
  struct Region {
    uint64_t base, length;
    uint32_t type;
  };
  const uint64_t lowEnd = uint64_t{mb::kMemLowerKiB} * 1024;
  const Region regions[kMmapEntries] = {
      {0, lowEnd, mb::kMmapAvailable},
      {lowEnd, 640 * 1024 - lowEnd, mb::kMmapReserved},
      {mb::kBiosArea, mb::kUpperMemoryBase - mb::kBiosArea, mb::kMmapReserved},
      {mb::kUpperMemoryBase, upper, mb::kMmapAvailable},
      {memory_.size() - mb::kTopReserved, mb::kTopReserved, mb::kMmapReserved},
  };
  for (unsigned i = 0; i < kMmapEntries; ++i) {
    uint64_t entry = mmap + i * mb::kMmapEntrySize;
    memory_.store<uint32_t>(entry, mb::kMmapEntrySize - 4);  // `size` does not count itself
    memory_.store<uint64_t>(entry + 4, regions[i].base);
    memory_.store<uint64_t>(entry + 12, regions[i].length);
    memory_.store<uint32_t>(entry + 20, regions[i].type);
  }
  memory_.write(cmdline, boot.cmdline.c_str(), boot.cmdline.size() + 1);
  for (size_t i = 0; i < modules.size(); ++i) {
    const PlacedModule& m = modules[i];
    uint64_t entry = modList + i * mb::kModuleEntrySize;
    memory_.store<uint32_t>(entry, static_cast<uint32_t>(m.address));
    memory_.store<uint32_t>(entry + 4, static_cast<uint32_t>(m.address + m.file.size()));
    memory_.store<uint32_t>(entry + 8, static_cast<uint32_t>(m.cmdlineAddress));
    memory_.write(m.cmdlineAddress, m.module->cmdline.c_str(), m.module->cmdline.size() + 1);
    m.file.readAt(0, memory_.at(m.address, m.file.size()), m.file.size());
  }
  return {static_cast<uint32_t>(kernel.entry),
          static_cast<uint32_t>(info),
          header.flags,
          kernelStart,
          kernelEnd,
          cursor};
}

}  // namespace

MultibootImage loadMultiboot(const std::string& path, GuestMemory& memory, const MultibootBoot& boot) {
  return Loader(path, memory).load(boot);
}

}  // namespace kx
