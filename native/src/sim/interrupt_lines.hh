#pragma once
// The CPU's interrupt inputs, as a user-space interrupt controller: devices
// raise vectors (edge-triggered, acknowledged on delivery) or an NMI; the run
// loop injects them when the guest can take them.
#include <bitset>
#include <cstdint>

namespace kx {

class InterruptLines {
 public:
  // Vectors below 32 are exceptions, not interrupts; they are refused.
  bool raise(uint8_t vector) {
    if (vector < 32) return false;
    pending_.set(vector);
    return true;
  }
  void raiseNmi() { nmi_ = true; }

  bool anyPending() const { return nmi_ || pending_.any(); }
  bool takeNmi() { return nmi_ ? (nmi_ = false, true) : false; }
  // The highest pending vector has priority, as on an APIC.
  int takeHighest() {
    for (int v = 255; v >= 32; --v)
      if (pending_.test(v)) {
        pending_.reset(v);
        return v;
      }
    return -1;
  }
  bool vectorPending() const { return pending_.any(); }

 private:
  std::bitset<256> pending_;
  bool nmi_ = false;
};

}  // namespace kx
