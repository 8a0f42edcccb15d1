#include "kvm/kernel_counters.hh"

#include <unordered_map>

namespace kx {

KernelCounters::KernelCounters(const std::vector<const Vcpu*>& vcpus) {
  stats_.reserve(vcpus.size());
  for (const Vcpu* vcpu : vcpus) stats_.emplace_back(vcpu->fd());
  start_ = snapshot();
}

StatValues KernelCounters::snapshot() const {
  StatValues sum;
  for (const BinaryStats& stats : stats_) {
    StatValues values = stats.snapshot();
    if (sum.empty()) {
      sum = std::move(values);
      continue;
    }
    // Every vCPU of one kernel lists the same counters in the same order.
    for (size_t i = 0; i < sum.size() && i < values.size(); ++i) sum[i].second += values[i].second;
  }
  return sum;
}

void KernelCounters::restart() {
  start_ = snapshot();
  carried_.clear();
}

StatValues KernelCounters::sinceStart() const {
  StatValues counts = statDelta(start_, snapshot());
  if (carried_.empty()) return counts;
  std::unordered_map<std::string, uint64_t> earlier(carried_.begin(), carried_.end());
  for (auto& [name, value] : counts) {
    auto it = earlier.find(name);
    if (it != earlier.end()) value += it->second;
  }
  return counts;
}

}  // namespace kx
