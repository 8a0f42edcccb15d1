#pragma once
// The kernel's own counters over a run (the kvm.<name> columns), summed over
// the machine's vCPUs. A run restored from a checkpoint carries in what the
// run that took it had counted, so these count from the same start as the
// CPU model's statistics do, and the witness compares like with like.
#include <vector>

#include "kvm/binary_stats.hh"
#include "kvm/vcpu.hh"

namespace kx {

class KernelCounters {
 public:
  // The start is now: build it before the first entry.
  explicit KernelCounters(const std::vector<const Vcpu*>& vcpus);
  // What was counted since the start, plus what was carried in.
  StatValues sinceStart() const;
  // A checkpoint's counts, taken by the run it was taken in.
  void carry(StatValues earlier) { carried_ = std::move(earlier); }
  // A statistics reset: from now on, as the CPU model's counters do.
  void restart();

 private:
  StatValues snapshot() const;
  std::vector<BinaryStats> stats_;
  StatValues start_;
  StatValues carried_;
};

}  // namespace kx
