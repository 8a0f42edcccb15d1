#pragma once
// The coalesced ring: port and MMIO writes the kernel buffered instead of
// exiting, to be replayed in order. The ring page is shared with the kernel;
// its indices and entry lengths are checked before use, never followed.
#include <cstdint>
#include <functional>
#include <string>

#include "kvm/kvm_abi.hh"

namespace kx {

// One buffered write, copied out of the ring.
struct CoalescedWrite {
  uint64_t address;  // guest-physical address, or the port when pio
  uint8_t data[8];   // the first `len` bytes were written
  unsigned len;      // 1..8
  bool pio;
};

struct RingWalk {
  uint64_t replayed = 0;  // entries consumed and handed to the callback
  std::string error;      // empty, or why the walk stopped (the bad entry stays in the ring)
};

// Replays the entries from ring.first up to ring.last, oldest first. Each one
// is copied out and ring.first moved past it before `onWrite` sees the copy;
// `onWrite` returns false to stop after it. Indices at or past `capacity` and
// entries of 0 or more than 8 bytes stop the walk with an error.
RingWalk walkCoalescedRing(abi::CoalescedRing& ring, uint32_t capacity,
                           const std::function<bool(CoalescedWrite&)>& onWrite);

}  // namespace kx
