#pragma once
// The numbers of an x86-64 Linux user address space that the loader, the
// address space and the initial stack must agree on. They are Linux's own
// (without address-space randomization), so that a program sees the layout
// it would see under `setarch -R`.
#include <cstdint>

namespace kx::se {

constexpr uint64_t kPageSize = 4096;

// TASK_SIZE: user addresses end one page below 2^47, as in Linux, so that no
// instruction can run into the non-canonical hole (SYSRET would fault in ring 0).
constexpr uint64_t kUserEnd = 0x7ffffffff000;
// vm.mmap_min_addr: page 0 and its neighbours stay unmapped, so that a null
// pointer faults.
constexpr uint64_t kMmapMinAddr = 0x10000;

constexpr uint64_t kDefaultStackTop = kUserEnd;
constexpr uint64_t kDefaultStackSize = 8ull << 20;
// Linux puts the mmap base below the stack's rlimit, but at least 128 MiB
// below the top.
constexpr uint64_t kDefaultMmapBase = kUserEnd - (128ull << 20);

constexpr uint64_t pageDown(uint64_t va) { return va & ~(kPageSize - 1); }
// Callers make sure `va` is at most kUserEnd (or otherwise cannot wrap).
constexpr uint64_t pageUp(uint64_t va) { return (va + kPageSize - 1) & ~(kPageSize - 1); }
constexpr bool pageAligned(uint64_t va) { return (va & (kPageSize - 1)) == 0; }

}  // namespace kx::se
