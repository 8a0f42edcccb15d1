#pragma once
// What one timer kick costs on this host: the time from arming an
// already-due expiry to KVM_RUN returning. A quantum shorter than a few of
// these leaves the guest no time to run at all (on a PVM host a kick costs
// ~28 us, and a 10 us quantum never let a guest make progress), so the CPU
// raises short quanta to a floor derived from this figure.
#include <cstdint>
#include <string>

namespace kx {

struct KickCost {
  uint64_t medianNs;
  // The shortest quantum that lets a guest run: twice the median cost, which
  // on a PVM host is where a probe guest first made progress on every kick.
  uint64_t floorNs() const { return 2 * medianNs; }
};

// Measures on a throwaway one-vCPU VM that spins in place, so the measured
// machine's own vCPU, statistics and kernel counters are untouched.
KickCost measureKickCost(const std::string& kvmDevice);

}  // namespace kx
