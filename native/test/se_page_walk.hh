#pragma once
// Reads x86-64 4-level page tables the way the CPU does, written apart from
// the code under test: the SE tests check what a guest would really see.
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "boot/guest_memory.hh"

namespace kx::test {

constexpr uint64_t kPteP = 1ull << 0;
constexpr uint64_t kPteRw = 1ull << 1;
constexpr uint64_t kPteUs = 1ull << 2;
constexpr uint64_t kPteNx = 1ull << 63;
constexpr uint64_t kPteAddress = 0x000ffffffffff000ull;

struct Leaf {
  uint64_t entry;  // the leaf entry itself, present or not
  bool present;
  // What the whole path allows (US and RW at every level, NX at none).
  bool user;
  bool writable;
  bool executable;
  uint64_t frame() const { return entry & kPteAddress; }
};

struct TableWalk {
  std::map<uint64_t, Leaf> leaves;  // every non-zero leaf entry, by virtual page
  std::set<uint64_t> tables;        // every table reached, the root included
};

inline void walkLevel(const GuestMemory& memory, uint64_t table, int level, uint64_t base, uint64_t pathFlags,
                      bool pathNx, TableWalk& out) {
  out.tables.insert(table);
  for (uint64_t i = 0; i < 512; ++i) {
    uint64_t entry = memory.load<uint64_t>(table + i * 8);
    uint64_t va = base | (i << (12 + 9 * level));
    if (level == 3 && i >= 256) va |= 0xffff000000000000ull;  // sign extension
    if (level == 0) {
      if (entry != 0) {
        uint64_t flags = pathFlags & entry;
        out.leaves[va] = {entry, (entry & kPteP) != 0, (flags & kPteUs) != 0, (flags & kPteRw) != 0,
                          !pathNx && !(entry & kPteNx)};
      }
    } else if (entry & kPteP) {
      walkLevel(memory, entry & kPteAddress, level - 1, va, pathFlags & entry, pathNx || (entry & kPteNx), out);
    }
  }
}

inline TableWalk walkTables(const GuestMemory& memory, uint64_t cr3) {
  TableWalk out;
  walkLevel(memory, cr3, 3, 0, kPteUs | kPteRw, false, out);
  return out;
}

// The leaf for one page, walked on its own.
inline std::optional<Leaf> leafAt(const GuestMemory& memory, uint64_t cr3, uint64_t va) {
  uint64_t table = cr3, flags = kPteUs | kPteRw;
  bool nx = false;
  for (int level = 3; level > 0; --level) {
    uint64_t entry = memory.load<uint64_t>(table + ((va >> (12 + 9 * level)) & 511) * 8);
    if (!(entry & kPteP)) return std::nullopt;
    flags &= entry;
    nx = nx || (entry & kPteNx);
    table = entry & kPteAddress;
  }
  uint64_t entry = memory.load<uint64_t>(table + ((va >> 12) & 511) * 8);
  if (entry == 0) return std::nullopt;
  flags &= entry;
  return Leaf{entry, (entry & kPteP) != 0, (flags & kPteUs) != 0, (flags & kPteRw) != 0, !nx && !(entry & kPteNx)};
}

}  // namespace kx::test
