#include "se/file_mappings.hh"

#include <algorithm>

namespace kx::se {

std::vector<FileMappings::Range> FileMappings::overlapping(uint64_t start, uint64_t len) const {
  uint64_t end = start + len < start ? UINT64_MAX : start + len;
  std::vector<Range> out;
  auto it = ranges_.upper_bound(start);
  if (it != ranges_.begin()) --it;
  for (; it != ranges_.end() && it->second.start < end; ++it) {
    const Range& r = it->second;
    if (r.end <= start) continue;
    uint64_t from = std::max(r.start, start), to = std::min(r.end, end);
    out.push_back(Range{from, to, r.file, r.offset + (from - r.start)});
  }
  return out;
}

void FileMappings::remove(uint64_t start, uint64_t len) {
  uint64_t end = start + len < start ? UINT64_MAX : start + len;
  std::vector<Range> pieces = overlapping(start, len);
  for (const Range& cut : pieces) {
    auto it = std::prev(ranges_.upper_bound(cut.start));
    Range whole = it->second;
    ranges_.erase(it);
    if (whole.start < start) ranges_[whole.start] = Range{whole.start, start, whole.file, whole.offset};
    if (whole.end > end) ranges_[end] = Range{end, whole.end, whole.file, whole.offset + (end - whole.start)};
  }
}

void FileMappings::add(uint64_t start, uint64_t len, std::shared_ptr<OpenFile> file, uint64_t offset) {
  remove(start, len);
  ranges_[start] = Range{start, start + len, std::move(file), offset};
}

void FileMappings::move(uint64_t oldStart, uint64_t oldLen, uint64_t newStart, uint64_t newLen) {
  std::vector<Range> moving = overlapping(oldStart, std::min(oldLen, newLen));
  remove(oldStart, oldLen);
  remove(newStart, newLen);
  for (const Range& r : moving) add(newStart + (r.start - oldStart), r.end - r.start, r.file, r.offset);
}

std::vector<FileMappings::Range> FileMappings::list() const {
  std::vector<Range> out;
  for (const auto& [start, range] : ranges_) out.push_back(range);
  return out;
}

}  // namespace kx::se
