#pragma once
// Which guest pages mmap filled from a file, and from where: MADV_DONTNEED
// gives such pages their file's bytes again (anonymous pages read back as
// zeros), and mremap growing one fills the new tail from the file, as
// Linux's page cache would. Each range holds its file open, as a VMA does.
#include <cstdint>
#include <map>
#include <memory>
#include <vector>

#include "se/open_file.hh"

namespace kx::se {

class FileMappings {
 public:
  struct Range {
    uint64_t start, end;  // page aligned, end exclusive
    std::shared_ptr<OpenFile> file;
    uint64_t offset;  // the file offset at start
  };

  // Records [start, start + len), replacing what overlapped it.
  void add(uint64_t start, uint64_t len, std::shared_ptr<OpenFile> file, uint64_t offset);
  void remove(uint64_t start, uint64_t len);
  // The ranges meeting [start, start + len), clipped to it, in address order.
  std::vector<Range> overlapping(uint64_t start, uint64_t len) const;
  // mremap: what was recorded in the old range moves to newStart, cut to newLen.
  void move(uint64_t oldStart, uint64_t oldLen, uint64_t newStart, uint64_t newLen);
  // Every range, in address order (a checkpoint saves them).
  std::vector<Range> list() const;

 private:
  std::map<uint64_t, Range> ranges_;  // by start
};

}  // namespace kx::se
