#include "se/page_tables.hh"

#include <algorithm>

#include "devices/device_state.hh"

namespace kx::se {

namespace {

constexpr int kRootLevel = 3;
constexpr uint64_t kEntries = 512;
// Intermediate entries allow everything; the leaf decides. Accessed is preset
// so that the CPU never has to write the entry back.
constexpr uint64_t kTableFlags = pte::kPresent | pte::kWritable | pte::kUser | pte::kAccessed;

unsigned shiftOf(int level) { return 12 + 9 * static_cast<unsigned>(level); }
uint64_t slotOf(uint64_t table, uint64_t va, int level) {
  return table + ((va >> shiftOf(level)) & (kEntries - 1)) * 8;
}
// The end of the entry's span that holds `va`, or `end` if that comes first.
uint64_t spanEnd(uint64_t va, int level, uint64_t end) {
  uint64_t last = va | ((1ull << shiftOf(level)) - 1);
  return last < end ? last + 1 : end;
}

}  // namespace

PageTables::PageTables(GuestMemory& memory, FramePool& pool) : memory_(memory), pool_(pool), root_(pool.allocate()) {}

uint64_t PageTables::leaf(uint64_t va) const {
  uint64_t table = root_;
  for (int level = kRootLevel; level > 0; --level) {
    uint64_t entry = memory_.load<uint64_t>(slotOf(table, va, level));
    if (!(entry & pte::kPresent)) return 0;
    table = entry & pte::kFrameMask;
  }
  return memory_.load<uint64_t>(slotOf(table, va, 0));
}

void PageTables::forEachLeaf(uint64_t start, uint64_t end, bool create, const Visit& visit) {
  walk(root_, kRootLevel, start, end, create, visit);
}

void PageTables::walk(uint64_t table, int level, uint64_t start, uint64_t end, bool create, const Visit& visit) {
  for (uint64_t va = start; va < end;) {
    uint64_t next = spanEnd(va, level, end);
    uint64_t slot = slotOf(table, va, level);
    uint64_t entry = memory_.load<uint64_t>(slot);
    if (level == 0) {
      uint64_t updated = entry;
      visit(va, updated);
      if (updated != entry) memory_.store(slot, updated);
    } else if (entry & pte::kPresent) {
      walk(entry & pte::kFrameMask, level - 1, va, next, create, visit);
    } else if (create) {
      uint64_t child = pool_.allocate();
      memory_.store(slot, child | kTableFlags);
      walk(child, level - 1, va, next, create, visit);
    }
    va = next;
  }
}

void PageTables::prune(uint64_t start, uint64_t end, std::vector<uint64_t>& freed) {
  pruneUnder(root_, kRootLevel, start, end, freed);
}

void PageTables::pruneUnder(uint64_t table, int level, uint64_t start, uint64_t end, std::vector<uint64_t>& freed) {
  for (uint64_t va = start; va < end;) {
    uint64_t next = spanEnd(va, level, end);
    uint64_t slot = slotOf(table, va, level);
    uint64_t entry = memory_.load<uint64_t>(slot);
    if (entry & pte::kPresent) {
      uint64_t child = entry & pte::kFrameMask;
      if (level > 1) pruneUnder(child, level - 1, va, next, freed);
      if (empty(child)) {
        memory_.store<uint64_t>(slot, 0);
        freed.push_back(child);
      }
    }
    va = next;
  }
}

bool PageTables::empty(uint64_t table) const {
  const uint8_t* bytes = memory_.at(table, kEntries * 8);
  return std::all_of(bytes, bytes + kEntries * 8, [](uint8_t b) { return b == 0; });
}

void PageTables::loadState(StateReader& in) {
  uint64_t root = in.get<uint64_t>();
  if (!pool_.handedOut(root)) stateOutOfRange("SE page tables", "root table (cr3)", hex(root));
  root_ = root;
}

uint64_t PageTables::tablesNeeded(uint64_t start, uint64_t end) {
  // One table per span of an entry at each level above the leaves.
  uint64_t tables = 0;
  for (int level = 1; level <= kRootLevel; ++level)
    tables += ((end - 1) >> shiftOf(level)) - (start >> shiftOf(level)) + 1;
  return tables;
}

}  // namespace kx::se
