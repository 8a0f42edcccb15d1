#pragma once
// An ELF header for test images, 32- or 64-bit: the loaders' tests each
// start from it and then spoil the field under test.
#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kx::test {

template <typename Ehdr, typename Phdr>
Ehdr elfHeader(unsigned char elfClass, uint16_t machine, uint16_t type, uint64_t entry, size_t phnum) {
  Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = elfClass;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = type;
  eh.e_machine = machine;
  eh.e_version = EV_CURRENT;
  eh.e_entry = static_cast<decltype(eh.e_entry)>(entry);
  eh.e_phoff = sizeof(Ehdr);
  eh.e_ehsize = sizeof(Ehdr);
  eh.e_phentsize = sizeof(Phdr);
  eh.e_phnum = static_cast<uint16_t>(phnum);
  return eh;
}

inline Elf64_Ehdr elf64Header(uint16_t type, uint64_t entry, size_t phnum) {
  return elfHeader<Elf64_Ehdr, Elf64_Phdr>(ELFCLASS64, EM_X86_64, type, entry, phnum);
}

}  // namespace kx::test
