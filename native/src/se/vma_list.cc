#include "se/vma_list.hh"

#include <algorithm>
#include <iterator>

#include "devices/device_state.hh"
#include "se/process_memory.hh"
#include "se/user_layout.hh"

namespace kx::se {

const Mapping* VmaList::find(uint64_t va) const {
  auto it = byStart_.upper_bound(va);
  if (it == byStart_.begin()) return nullptr;
  --it;
  return va < it->second.end ? &it->second : nullptr;
}

bool VmaList::overlaps(uint64_t start, uint64_t end) const {
  if (find(start)) return true;
  auto it = byStart_.lower_bound(start);
  return it != byStart_.end() && it->first < end;
}

uint64_t VmaList::coveredUntil(uint64_t start, uint64_t end) const {
  const Mapping* m = find(start);
  if (!m) return start;
  uint64_t reached = m->end;
  for (auto it = byStart_.find(m->start); reached < end;) {
    ++it;
    if (it == byStart_.end() || it->first != reached) break;
    reached = it->second.end;
  }
  return std::min(reached, end);
}

void VmaList::insert(const Mapping& m) {
  byStart_.emplace(m.start, m);
  mergeAround(m.start, m.end);
}

void VmaList::erase(uint64_t start, uint64_t end) {
  splitAt(start);
  splitAt(end);
  byStart_.erase(byStart_.lower_bound(start), byStart_.lower_bound(end));
}

void VmaList::protect(uint64_t start, uint64_t end, unsigned prot) {
  splitAt(start);
  splitAt(end);
  for (auto it = byStart_.lower_bound(start); it != byStart_.end() && it->first < end; ++it) it->second.prot = prot;
  mergeAround(start, end);
}

std::optional<uint64_t> VmaList::highestFit(uint64_t low, uint64_t high, uint64_t length) const {
  if (low > high || length > high - low) return std::nullopt;
  uint64_t holeEnd = high;
  for (auto it = byStart_.lower_bound(high); it != byStart_.begin();) {
    const Mapping& m = (--it)->second;
    if (m.end < holeEnd && holeEnd - std::max(m.end, low) >= length) return holeEnd - length;
    holeEnd = std::min(holeEnd, m.start);
    if (holeEnd < low || holeEnd - low < length) return std::nullopt;
  }
  return holeEnd - length;
}

std::optional<uint64_t> VmaList::lowestFit(uint64_t low, uint64_t high, uint64_t length) const {
  uint64_t holeStart = low;
  if (const Mapping* m = find(low)) holeStart = m->end;
  for (auto it = byStart_.upper_bound(holeStart); it != byStart_.end() && it->first < high; ++it) {
    if (it->first - holeStart >= length) return holeStart;
    holeStart = it->second.end;
  }
  if (holeStart <= high && high - holeStart >= length) return holeStart;
  return std::nullopt;
}

std::vector<Mapping> VmaList::list() const {
  std::vector<Mapping> out;
  out.reserve(byStart_.size());
  for (const auto& [start, m] : byStart_) out.push_back(m);
  return out;
}

void putMapping(StateWriter& out, const Mapping& m) {
  out.put<uint64_t>(m.start);
  out.put<uint64_t>(m.end);
  out.put<uint32_t>(m.prot);
  out.putString(m.name);
}

Mapping getMapping(StateReader& in, const std::string& what) {
  constexpr size_t kMaxName = 4096;  // names are guest paths or labels such as "[heap]"
  Mapping m;
  m.start = in.get<uint64_t>();
  m.end = in.get<uint64_t>();
  m.prot = in.get<uint32_t>();
  m.name = in.getString(kMaxName);
  if (!pageAligned(m.start) || !pageAligned(m.end) || m.start < kMmapMinAddr || m.end > kUserEnd || m.start >= m.end)
    stateOutOfRange(what, "mapping", "[" + hex(m.start) + ", " + hex(m.end) + ")");
  if (m.prot & ~unsigned{kProtRead | kProtWrite | kProtExec}) stateOutOfRange(what, "protection", hex(m.prot));
  return m;
}

void VmaList::saveState(StateWriter& out) const {
  out.put<uint64_t>(byStart_.size());
  for (const auto& [start, m] : byStart_) putMapping(out, m);
}

void VmaList::loadState(StateReader& in) {
  const std::string what = "SE mappings";
  uint64_t count = in.get<uint64_t>();
  std::map<uint64_t, Mapping> byStart;
  uint64_t previousEnd = 0;
  for (uint64_t i = 0; i < count; ++i) {
    Mapping m = getMapping(in, what);
    if (m.start < previousEnd) throw CoreError("checkpoint-corrupt", what + ": mapping at " + hex(m.start) + " overlaps or precedes the one before it");
    previousEnd = m.end;
    byStart.emplace(m.start, std::move(m));
  }
  byStart_ = std::move(byStart);
}

void VmaList::splitAt(uint64_t va) {
  auto it = byStart_.upper_bound(va);
  if (it == byStart_.begin()) return;
  Mapping& m = std::prev(it)->second;
  if (m.start == va || va >= m.end) return;
  Mapping upper{va, m.end, m.prot, m.name};
  m.end = va;
  byStart_.emplace(va, std::move(upper));
}

void VmaList::mergeAround(uint64_t start, uint64_t end) {
  auto it = byStart_.lower_bound(start);
  if (it != byStart_.begin() && std::prev(it)->second.end == start) --it;
  while (it != byStart_.end() && it->first <= end) {
    auto next = std::next(it);
    if (next != byStart_.end() && it->second.end == next->first && it->second.prot == next->second.prot &&
        it->second.name == next->second.name) {
      it->second.end = next->second.end;
      byStart_.erase(next);
    } else {
      it = next;
    }
  }
}

}  // namespace kx::se
