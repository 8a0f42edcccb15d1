#pragma once
// x86-64 4-level page tables (4 KiB pages only) kept in guest frames, edited
// by the host. Only structure lives here: which bits a leaf carries, and when
// a change must be announced to the hypervisor, is AddressSpace's business.
#include <cstdint>
#include <functional>
#include <vector>

#include "boot/guest_memory.hh"
#include "se/frame_pool.hh"
#include "sim/state_codec.hh"

namespace kx::se {

namespace pte {
constexpr uint64_t kPresent = 1ull << 0;
constexpr uint64_t kWritable = 1ull << 1;
constexpr uint64_t kUser = 1ull << 2;
constexpr uint64_t kAccessed = 1ull << 5;
constexpr uint64_t kDirty = 1ull << 6;
// Ignored by the CPU: the entry owns a pool frame, present or not (a PROT_NONE
// page keeps its contents in a not-present entry, for a later mprotect).
constexpr uint64_t kHeld = 1ull << 9;
constexpr uint64_t kNoExecute = 1ull << 63;
constexpr uint64_t kFrameMask = 0x000ffffffffff000ull;
}  // namespace pte

class PageTables {
 public:
  // Takes the root table from `pool`.
  PageTables(GuestMemory& memory, FramePool& pool);

  uint64_t root() const { return root_; }
  // The leaf entry for `va` (canonical), 0 when no table or entry maps it.
  uint64_t leaf(uint64_t va) const;

  // Visits the leaf entry of every page in [start, end) that has its tables,
  // in ascending order; the visitor may change the entry. With `create`,
  // missing tables are made: the caller has checked that the pool holds
  // tablesNeeded(start, end) frames. [start, end) is canonical and does not wrap.
  using Visit = std::function<void(uint64_t va, uint64_t& entry)>;
  void forEachLeaf(uint64_t start, uint64_t end, bool create, const Visit& visit);
  // Unlinks the tables under [start, end) that map nothing any more and
  // appends their frames to `freed` (the root stays).
  void prune(uint64_t start, uint64_t end, std::vector<uint64_t>& freed);

  // At most this many tables are missing for [start, end).
  static uint64_t tablesNeeded(uint64_t start, uint64_t end);

  // The root only: the tables themselves are guest memory, saved with it.
  // Load after the pool, whose handed-out frames the root must be among.
  void saveState(StateWriter& out) const { out.put<uint64_t>(root_); }
  void loadState(StateReader& in);

 private:
  void walk(uint64_t table, int level, uint64_t start, uint64_t end, bool create, const Visit& visit);
  void pruneUnder(uint64_t table, int level, uint64_t start, uint64_t end, std::vector<uint64_t>& freed);
  bool empty(uint64_t table) const;

  GuestMemory& memory_;
  FramePool& pool_;
  uint64_t root_;
};

}  // namespace kx::se
