#include "secondary_cpus.hh"

#include <exception>

#include "sim/core_error.hh"

namespace kx {

SecondaryCpus::SecondaryCpus(const std::vector<Vcpu*>& vcpus, Bus& io, Bus& mmio, const CpuParams& params,
                             CpuGroup& group)
    : group_(group), counters_(vcpus.size()) {
  for (size_t i = 0; i < vcpus.size(); ++i) {
    threads_.emplace_back([this, i, vcpu = vcpus[i], &io, &mmio, params] {
      // Nothing may escape a thread: whatever stops this vCPU stops the machine, with its reason.
      try {
        KvmCpu cpu(*vcpu, io, mmio, params, &group_);
        cpu.registers();  // m5ops may read this vCPU's registers: sync them on every exit, as the boot vCPU's
        cpu.run();
        counters_[i] = cpu.counters();
      } catch (const CoreError& e) {
        group_.requestStop(RunOutcome{false, e.code(), "vCPU " + std::to_string(i + 1) + ": " + e.what(), -1});
        group_.leave();
      } catch (const std::exception& e) {
        group_.requestStop(RunOutcome{false, "internal-error", "vCPU " + std::to_string(i + 1) + ": " + e.what(), -1});
        group_.leave();
      }
    });
  }
}

SecondaryCpus::~SecondaryCpus() {
  if (threads_.empty()) return;
  group_.requestStop(RunOutcome{false, "internal-error", "the machine ended before its vCPUs did", -1});
  join();
}

std::vector<CpuCounters> SecondaryCpus::join() {
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  return counters_;
}

}  // namespace kx
