#pragma once
// The guest-physical 4 KiB frames one process may use, for its pages and for
// the page tables that map them.
#include <cstdint>
#include <vector>

#include "boot/guest_memory.hh"
#include "se/user_layout.hh"
#include "sim/state_codec.hh"

namespace kx::se {

class FramePool {
 public:
  // [base, end) must be page aligned and inside `memory` (else
  // CoreError("se-setup")), and all zero, as fresh guest memory is: that is
  // not checked, because frames never handed out are given without clearing,
  // so that pages the guest never touches cost the host nothing.
  FramePool(GuestMemory& memory, uint64_t base, uint64_t end);
  // Two pools handing out the same frames would be a disaster.
  FramePool(const FramePool&) = delete;
  FramePool& operator=(const FramePool&) = delete;

  // A zeroed frame. Callers check available() first: running out here is a bug.
  uint64_t allocate();
  // Takes a frame back. The caller has already invalidated every mapping of it.
  void release(uint64_t frame);

  uint64_t available() const { return (end_ - next_) / kPageSize + released_.size(); }
  // Frames handed out and not given back: pages and page tables.
  uint64_t inUse() const { return (next_ - base_) / kPageSize - released_.size(); }
  bool handedOut(uint64_t frame) const;
  // For a range inside guest memory.
  bool overlaps(uint64_t pa, uint64_t length) const { return pa < end_ && base_ < pa + length; }

  // Which frames are handed out, and in what order released ones come back.
  // A pool over another range (another guest.memory) refuses the record:
  // CoreError("checkpoint-incompatible").
  void saveState(StateWriter& out) const;
  void loadState(StateReader& in);

 private:
  GuestMemory& memory_;
  uint64_t base_;
  uint64_t end_;
  uint64_t next_;  // frames from here up have never been handed out
  std::vector<uint64_t> released_;
};

}  // namespace kx::se
