#include "se/frame_pool.hh"

#include <algorithm>
#include <cstring>

#include "devices/device_state.hh"
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

bool FramePool::handedOut(uint64_t frame) const {
  return frame % kPageSize == 0 && frame >= base_ && frame < next_ &&
         std::find(released_.begin(), released_.end(), frame) == released_.end();
}

void FramePool::saveState(StateWriter& out) const {
  out.put<uint64_t>(base_);
  out.put<uint64_t>(end_);
  out.put<uint64_t>(next_);
  out.put<uint64_t>(released_.size());
  for (uint64_t frame : released_) out.put<uint64_t>(frame);
}

void FramePool::loadState(StateReader& in) {
  const std::string what = "SE frame pool";
  uint64_t base = in.get<uint64_t>(), end = in.get<uint64_t>();
  if (base != base_ || end != end_)
    throw CoreError("checkpoint-incompatible", what + ": the checkpoint's frames are [" + hex(base) + ", " + hex(end) +
                                                   "), this machine's [" + hex(base_) + ", " + hex(end_) +
                                                   "): restore with the same guest.memory");
  uint64_t next = in.get<uint64_t>();
  if (next % kPageSize != 0 || next < base_ || next > end_) stateOutOfRange(what, "next frame", hex(next));
  uint64_t count = in.get<uint64_t>();
  if (count > (next - base_) / kPageSize) stateOutOfRange(what, "released frame count", std::to_string(count));
  std::vector<uint64_t> released;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t frame = in.get<uint64_t>();
    if (frame % kPageSize != 0 || frame < base_ || frame >= next) stateOutOfRange(what, "released frame", hex(frame));
    released.push_back(frame);
  }
  // A frame released twice would be handed out twice.
  std::vector<uint64_t> sorted = released;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw CoreError("checkpoint-corrupt", what + ": a frame is listed as released twice");
  next_ = next;
  released_ = std::move(released);
}

}  // namespace kx::se
