#include "cpu/coalesced_ring.hh"

#include <cstring>

#include "sim/core_error.hh"

namespace kx {

RingWalk walkCoalescedRing(abi::CoalescedRing& ring, uint32_t capacity,
                           const std::function<bool(CoalescedWrite&)>& onWrite) {
  RingWalk walk;
  for (;;) {
    uint32_t first = ring.first;  // ours to move
    uint32_t last = __atomic_load_n(&ring.last, __ATOMIC_ACQUIRE);  // the kernel's
    if (first == last) return walk;
    // An index past the end means a bug we must not follow.
    if (first >= capacity || last >= capacity) {
      walk.error = "coalesced ring indices out of range (first " + std::to_string(first) + ", last " +
                   std::to_string(last) + ", capacity " + std::to_string(capacity) + ")";
      return walk;
    }
    const kvm_coalesced_mmio& entry = *(ring.entries + first);
    CoalescedWrite write{};
    write.len = entry.len;
    if (write.len == 0 || write.len > sizeof write.data) {
      walk.error = "coalesced entry of " + std::to_string(write.len) + " bytes at " + hex(entry.phys_addr);
      return walk;
    }
    std::memcpy(write.data, entry.data, write.len);
    write.pio = entry.pio;
    write.address = entry.phys_addr;
    // The entry is copied out before the kernel may reuse its slot.
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    ring.first = (first + 1) % capacity;
    ++walk.replayed;
    if (!onWrite(write)) return walk;
  }
}

}  // namespace kx
