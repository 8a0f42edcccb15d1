#pragma once
// The kernel's own per-vCPU counters (KVM_GET_STATS_FD): an independent
// witness for the counts the core keeps itself.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kvm/unique_fd.hh"

namespace kx {

using StatValues = std::vector<std::pair<std::string, uint64_t>>;

class BinaryStats {
 public:
  // Opens the stats fd of `vcpuFd`. available() is false on kernels without
  // KVM_CAP_BINARY_STATS_FD; then snapshot() is empty.
  explicit BinaryStats(int vcpuFd);
  bool available() const { return fd_.valid(); }
  // The cumulative single-value counters, in the kernel's order.
  StatValues snapshot() const;

 private:
  struct Descriptor {
    std::string name;
    uint32_t offset;
  };
  UniqueFd fd_;
  uint64_t dataOffset_ = 0;
  std::vector<Descriptor> descriptors_;
};

// after - before for each counter present in both.
StatValues statDelta(const StatValues& before, const StatValues& after);

}  // namespace kx
