#include "boot/populated_pages.hh"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace kx {
namespace {

constexpr uint64_t kPresent = 1ull << 63;
constexpr uint64_t kSwapped = 1ull << 62;
// 32 KiB of entries per read: 64 reads for a 1 GiB guest, and a buffer that
// stays in the cache.
constexpr uint64_t kWindowPages = 4096;

}  // namespace

PopulatedPages::PopulatedPages(const GuestMemory& memory)
    : basePage_(reinterpret_cast<uintptr_t>(memory.host()) / kPageSize),
      pages_(memory.size() / kPageSize),
      pagemap_(::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) {}

bool PopulatedPages::contains(uint64_t page) {
  if (!pagemap_.valid()) return true;
  if (page < windowFirst_ || page - windowFirst_ >= window_.size()) readWindow(page);
  // readWindow may have given up on pagemap.
  return !pagemap_.valid() || (window_[page - windowFirst_] & (kPresent | kSwapped)) != 0;
}

void PopulatedPages::readWindow(uint64_t first) {
  window_.resize(std::min(kWindowPages, pages_ - first));
  windowFirst_ = first;
  // One 8-byte entry per page of the address space, at the page's number * 8.
  const size_t bytes = window_.size() * sizeof window_[0];
  if (::pread(pagemap_.get(), window_.data(), bytes, static_cast<off_t>((basePage_ + first) * 8)) !=
      static_cast<ssize_t>(bytes))
    pagemap_.reset();
}

}  // namespace kx
