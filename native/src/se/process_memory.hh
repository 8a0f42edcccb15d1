#pragma once
// What the system-call layer needs of a guest process's user address space,
// as Linux would answer it: copies that fail with EFAULT instead of touching
// what ring 3 could not, and brk/mmap/munmap/mprotect/mremap with Linux's
// results. AddressSpace (se/address_space.hh) implements it over runner-owned
// page tables; the system calls (se/syscalls.hh) only see this interface.
#include <cstdint>
#include <string>

namespace kx::se {

// PROT_* as Linux numbers them.
enum Prot : unsigned { kProtNone = 0, kProtRead = 1, kProtWrite = 2, kProtExec = 4 };

class ProcessMemory {
 public:
  virtual ~ProcessMemory() = default;

  // Guest virtual memory to and from the host, with the permissions ring 3
  // has: false when any byte is unmapped, or not readable (copyIn) or not
  // writable (copyOut). Nothing is written when copyOut fails.
  virtual bool copyIn(uint64_t va, void* dst, uint64_t len) const = 0;
  virtual bool copyOut(uint64_t va, const void* src, uint64_t len) = 0;
  // A NUL-terminated string of at most `max` bytes, the NUL included:
  // 0, -EFAULT, or -ENAMETOOLONG.
  virtual int copyInString(uint64_t va, std::string& out, uint64_t max) const = 0;
  // Writes into mapped pages whatever their protection: file contents into a
  // read-only or execute-only mapping. False when any byte is unmapped.
  virtual bool fill(uint64_t va, const void* src, uint64_t len) = 0;

  // brk(2): the new break, or the unchanged one when the request cannot be
  // met (below the start, into another mapping, out of memory).
  virtual uint64_t brk(uint64_t requested) = 0;
  // Zeroed pages. `fixed`: exactly at `hint` (page aligned), replacing what
  // is there unless `noReplace` (then -EEXIST). Otherwise `hint` is a hint.
  // The address, or -ENOMEM / -EINVAL / -EEXIST. `name` labels the mapping
  // (a file's guest path, "[heap]", "[stack]") for traces and errors.
  virtual int64_t mapAnonymous(uint64_t hint, uint64_t len, unsigned prot, bool fixed, bool noReplace,
                               const std::string& name) = 0;
  // 0 or -EINVAL; unmapping a hole is not an error (as in Linux).
  virtual int64_t unmap(uint64_t va, uint64_t len) = 0;
  // 0, -ENOMEM (a page in the range is not mapped) or -EINVAL.
  virtual int64_t protect(uint64_t va, uint64_t len, unsigned prot) = 0;
  // mremap(2) with MREMAP_MAYMOVE (flag 1) and MREMAP_FIXED (flag 2): the new
  // address or -errno. Contents move with the pages.
  virtual int64_t remap(uint64_t oldVa, uint64_t oldLen, uint64_t newLen, unsigned flags, uint64_t newVa) = 0;

  // Bytes of user pages mapped now, and the most ever mapped at once.
  virtual uint64_t mappedBytes() const = 0;
  virtual uint64_t peakMappedBytes() const = 0;
};

}  // namespace kx::se
