#include "se/frame_pool.hh"

#include <cstring>

#include "sim/core_error.hh"

namespace kx::se {

FramePool::FramePool(GuestMemory& memory, uint64_t base, uint64_t end)
    : memory_(memory), base_(base), end_(end), next_(base) {
  if (base % kPageSize != 0 || end % kPageSize != 0 || end <= base || !memory.contains(base, end - base))
    throw CoreError("se-setup", "frame range [" + hex(base) + ", " + hex(end) +
                                    ") must be page aligned, non-empty and inside guest memory of " +
                                    hex(memory.size()) + " bytes");
}

uint64_t FramePool::allocate() {
  if (!released_.empty()) {
    uint64_t frame = released_.back();
    released_.pop_back();
    std::memset(memory_.at(frame, kPageSize), 0, kPageSize);
    return frame;
  }
  if (next_ == end_) throw CoreError("se-internal", "frame pool exhausted after its caller checked it");
  uint64_t frame = next_;
  next_ += kPageSize;
  return frame;
}

void FramePool::release(uint64_t frame) { released_.push_back(frame); }

}  // namespace kx::se
