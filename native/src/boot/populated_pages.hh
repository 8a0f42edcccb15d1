#pragma once
// Which pages of guest memory may hold something other than zeros, asked of
// the kernel instead of read: reading a page that was never written maps it
// in, a fault per page, which is most of the cost of scanning a large guest
// that used little of its memory.
//
// GuestMemory is one private anonymous mapping. A page of it with neither a
// page frame nor a swap slot was never written (or was dropped, which also
// leaves zeros), and reads as zeros. /proc/self/pagemap tells these apart,
// per page: bit 63 "present" and bit 62 "swapped" (also set for migration
// and other non-present entries, so those count as populated too). mincore(2)
// does not: it calls a swapped-out page not resident, though it holds data.
// Where pagemap cannot be opened or read (no /proc, an old or restricted
// kernel), every page counts as populated, and callers read them all.
#include <cstdint>
#include <vector>

#include "boot/guest_memory.hh"
#include "kvm/unique_fd.hh"

namespace kx {

class PopulatedPages {
 public:
  // The unit of pagemap: x86-64's page size.
  static constexpr uint64_t kPageSize = 4096;

  // `memory` must outlive this object.
  explicit PopulatedPages(const GuestMemory& memory);
  PopulatedPages(const PopulatedPages&) = delete;
  PopulatedPages& operator=(const PopulatedPages&) = delete;

  // Whether page `page` (bytes page * 4096 on, below memory.size() / 4096)
  // may hold non-zero bytes; false means it reads as zeros. What the kernel
  // says is read a window of pages at a time, so asking in ascending order
  // costs one read per 4096 pages, and memory is bounded by the window.
  bool contains(uint64_t page);

 private:
  void readWindow(uint64_t first);

  uint64_t basePage_;  // the mapping's first page: its address / 4096
  uint64_t pages_;
  UniqueFd pagemap_;               // not valid: every page counts as populated
  std::vector<uint64_t> window_;   // the pagemap entries of pages [windowFirst_, + size)
  uint64_t windowFirst_ = 0;
};

}  // namespace kx
