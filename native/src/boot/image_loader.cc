#include "boot/image_loader.hh"

#include <elf.h>

#include <cstring>
#include <algorithm>
#include <vector>

#include "boot/layout.hh"
#include "boot/read_only_file.hh"
#include "sim/core_error.hh"

namespace kx {

namespace {

std::vector<uint8_t> readWhole(const std::string& path, uint64_t limit) {
  ReadOnlyFile file(path, "image-unreadable", "guest image");
  if (file.size() > limit)
    throw CoreError("image-too-big", path + ": image is " + std::to_string(file.size()) +
                                        " bytes, larger than guest memory (" + std::to_string(limit) +
                                        " bytes); raise guest.memory");
  std::vector<uint8_t> bytes(file.size());
  file.readAt(0, bytes.data(), bytes.size());
  return bytes;
}

[[noreturn]] void invalid(const std::string& path, const std::string& what) {
  throw CoreError("image-invalid", path + ": " + what);
}

// Where the image may live: above the runner's own structures, inside RAM.
void checkPlacement(const std::string& path, const std::string& what, uint64_t start, uint64_t size,
                    const GuestMemory& memory) {
  if (start < layout::kImageFloor)
    invalid(path, what + " at " + hex(start) + " overlaps the runner's boot structures below " +
                      hex(layout::kImageFloor) + " (link the image at or above 1 MiB)");
  if (!memory.contains(start, size))
    throw CoreError("image-too-big", path + ": " + what + " [" + hex(start) + ", " + hex(start + size) +
                                        ") lies outside guest memory of " + hex(memory.size()) +
                                        " bytes; raise guest.memory");
}

LoadedImage loadElf(const std::string& path, const std::vector<uint8_t>& file, GuestMemory& memory) {
  if (file.size() < sizeof(Elf64_Ehdr) || std::memcmp(file.data(), ELFMAG, SELFMAG) != 0)
    invalid(path, "not an ELF file (bad magic in e_ident)");
  Elf64_Ehdr eh;
  std::memcpy(&eh, file.data(), sizeof eh);
  if (eh.e_ident[EI_CLASS] != ELFCLASS64)
    invalid(path, "e_ident[EI_CLASS] is " + std::to_string(eh.e_ident[EI_CLASS]) + ", expected 2 (ELFCLASS64)");
  if (eh.e_ident[EI_DATA] != ELFDATA2LSB) invalid(path, "e_ident[EI_DATA] is not little-endian");
  if (eh.e_machine != EM_X86_64)
    invalid(path, "e_machine is " + std::to_string(eh.e_machine) + ", expected 62 (EM_X86_64)");
  if (eh.e_type != ET_EXEC)
    invalid(path, "e_type is " + std::to_string(eh.e_type) + ", expected 2 (ET_EXEC, a statically linked executable)");
  if (eh.e_phentsize != sizeof(Elf64_Phdr))
    invalid(path, "e_phentsize is " + std::to_string(eh.e_phentsize) + ", expected " + std::to_string(sizeof(Elf64_Phdr)));
  if (eh.e_phnum == 0 || eh.e_phnum > 64) invalid(path, "e_phnum is " + std::to_string(eh.e_phnum) + " (1..64 allowed)");
  if (eh.e_phoff > file.size() || uint64_t(eh.e_phnum) * sizeof(Elf64_Phdr) > file.size() - eh.e_phoff)
    invalid(path, "program headers (e_phoff " + hex(eh.e_phoff) + ") run past the end of the file");

  LoadedImage image{eh.e_entry, UINT64_MAX, 0};
  bool entryExecutable = false;
  int loads = 0;
  for (unsigned i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    std::memcpy(&ph, file.data() + eh.e_phoff + i * sizeof ph, sizeof ph);
    if (ph.p_type != PT_LOAD) continue;
    ++loads;
    std::string seg = "segment " + std::to_string(i);
    if (ph.p_filesz > ph.p_memsz) invalid(path, seg + ": p_filesz is larger than p_memsz");
    if (ph.p_offset > file.size() || ph.p_filesz > file.size() - ph.p_offset)
      invalid(path, seg + ": p_offset " + hex(ph.p_offset) + " + p_filesz " + hex(ph.p_filesz) +
                        " runs past the end of the file");
    if (ph.p_vaddr != ph.p_paddr)
      invalid(path, seg + ": p_vaddr " + hex(ph.p_vaddr) + " differs from p_paddr " + hex(ph.p_paddr) +
                        "; the runner identity-maps guest memory");
    checkPlacement(path, seg + " (p_paddr)", ph.p_paddr, ph.p_memsz, memory);
    memory.write(ph.p_paddr, file.data() + ph.p_offset, ph.p_filesz);
    std::memset(memory.at(ph.p_paddr + ph.p_filesz, ph.p_memsz - ph.p_filesz), 0, ph.p_memsz - ph.p_filesz);
    image.lowest = std::min<uint64_t>(image.lowest, ph.p_paddr);
    image.highest = std::max<uint64_t>(image.highest, ph.p_paddr + ph.p_memsz);
    if ((ph.p_flags & PF_X) && eh.e_entry >= ph.p_paddr && eh.e_entry - ph.p_paddr < ph.p_memsz) entryExecutable = true;
  }
  if (loads == 0) invalid(path, "no PT_LOAD segment");
  if (!entryExecutable) invalid(path, "e_entry " + hex(eh.e_entry) + " is not inside an executable PT_LOAD segment");
  return image;
}

LoadedImage loadFlat(const std::string& path, const std::vector<uint8_t>& file, GuestMemory& memory) {
  if (file.empty()) invalid(path, "flat image is empty");
  checkPlacement(path, "flat image", layout::kImageFloor, file.size(), memory);
  memory.write(layout::kImageFloor, file.data(), file.size());
  return {layout::kImageFloor, layout::kImageFloor, layout::kImageFloor + file.size()};
}

}  // namespace

LoadedImage loadImage(const std::string& path, ImageFormat format, GuestMemory& memory) {
  std::vector<uint8_t> file = readWhole(path, memory.size());
  return format == ImageFormat::Elf ? loadElf(path, file, memory) : loadFlat(path, file, memory);
}

}  // namespace kx
