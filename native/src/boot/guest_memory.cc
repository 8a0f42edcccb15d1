#include "boot/guest_memory.hh"

#include <sys/mman.h>

#include <cerrno>
#include <cstdio>

#include "sim/core_error.hh"

namespace kx {

// Private and anonymous, page-aligned as every mapping is: PopulatedPages
// relies on it to tell pages that read as zeros without reading them.
GuestMemory::GuestMemory(uint64_t size) : size_(size) {
  void* mem = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (mem == MAP_FAILED)
    throw CoreError("guest-memory", errnoMessage("cannot map " + std::to_string(size) + " bytes of guest memory", errno));
  base_ = static_cast<uint8_t*>(mem);
}

GuestMemory::~GuestMemory() { ::munmap(base_, size_); }

uint8_t* GuestMemory::at(uint64_t guestPhys, uint64_t length) const {
  if (!contains(guestPhys, length)) {
    char where[96];
    std::snprintf(where, sizeof where, "[0x%llx, +0x%llx) is outside guest memory of 0x%llx bytes",
                  static_cast<unsigned long long>(guestPhys), static_cast<unsigned long long>(length),
                  static_cast<unsigned long long>(size_));
    throw CoreError("guest-memory-range", where);
  }
  return base_ + guestPhys;
}

}  // namespace kx
