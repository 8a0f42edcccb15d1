#pragma once
// An x86-64 ELF header for test images: the loaders' tests each start from it
// and then spoil the field under test.
#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace kx::test {

inline Elf64_Ehdr elf64Header(uint16_t type, uint64_t entry, size_t phnum) {
  Elf64_Ehdr eh{};
  std::memcpy(eh.e_ident, ELFMAG, SELFMAG);
  eh.e_ident[EI_CLASS] = ELFCLASS64;
  eh.e_ident[EI_DATA] = ELFDATA2LSB;
  eh.e_ident[EI_VERSION] = EV_CURRENT;
  eh.e_type = type;
  eh.e_machine = EM_X86_64;
  eh.e_version = EV_CURRENT;
  eh.e_entry = entry;
  eh.e_phoff = sizeof(Elf64_Ehdr);
  eh.e_ehsize = sizeof(Elf64_Ehdr);
  eh.e_phentsize = sizeof(Elf64_Phdr);
  eh.e_phnum = static_cast<uint16_t>(phnum);
  return eh;
}

}  // namespace kx::test
