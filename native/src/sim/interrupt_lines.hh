#pragma once
// The CPU's interrupt inputs, as a user-space interrupt controller: devices
// raise vectors (edge-triggered, acknowledged on delivery) or an NMI; the run
// loop injects them when the guest can take them.
#include <bitset>
#include <cstdint>
#include <string>

#include "sim/state_codec.hh"

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

  // Raised but not yet delivered: part of a checkpoint.
  void saveState(StateWriter& out) const {
    out.putString(pending_.to_string());
    out.put<uint8_t>(nmi_);
  }
  void loadState(StateReader& in) {
    std::string bits = in.getString(256);
    if (bits.size() != 256 || bits.find_first_not_of("01") != std::string::npos)
      throw CoreError("checkpoint-corrupt", "pending interrupts: not 256 flags");
    pending_ = std::bitset<256>(bits);
    if ((pending_ & std::bitset<256>(0xffffffffu)).any()) throw CoreError("checkpoint-corrupt", "pending interrupts: a vector below 32");
    uint8_t nmi = in.get<uint8_t>();
    if (nmi > 1) throw CoreError("checkpoint-corrupt", "pending NMI flag " + std::to_string(nmi));
    nmi_ = nmi;
  }

 private:
  std::bitset<256> pending_;
  bool nmi_ = false;
};

}  // namespace kx
