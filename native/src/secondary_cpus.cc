#include "secondary_cpus.hh"

#include <optional>

#include "sim/core_error.hh"

namespace kx {

SecondaryCpus::SecondaryCpus(const std::vector<Vcpu*>& vcpus, Bus& io, Bus& mmio, const CpuParams& params,
                             CpuGroup& group)
    : group_(group), counters_(vcpus.size()), cpus_(vcpus.size()) {
  for (size_t i = 0; i < vcpus.size(); ++i)
    threads_.emplace_back([this, i, vcpu = vcpus[i], &io, &mmio, params] { runVcpu(i, *vcpu, io, mmio, params); });
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return built_ == threads_.size(); });
  if (!buildError_) return;
  lock.unlock();
  // The destructor does not run for a constructor that throws.
  group_.requestStop(RunOutcome{false, "internal-error", "a vCPU could not be built", -1});
  start();
  join();
  std::rethrow_exception(buildError_);
}

void SecondaryCpus::runVcpu(size_t index, Vcpu& vcpu, Bus& io, Bus& mmio, const CpuParams& params) {
  std::optional<KvmCpu> cpu;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    try {
      cpu.emplace(vcpu, io, mmio, params, &group_);
      cpu->registers();  // m5ops may read this vCPU's registers: sync them on every exit, as the boot vCPU's
      cpus_[index] = &*cpu;
    } catch (...) {
      if (!buildError_) buildError_ = std::current_exception();
    }
    ++built_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return started_; });
  }
  if (!cpu) {
    group_.leave();
    return;
  }
  // Nothing may escape a thread: whatever stops this vCPU stops the machine, with its reason.
  try {
    cpu->run();
    counters_[index] = cpu->counters();
  } catch (const CoreError& e) {
    stopWith(index, e.code(), e.what());
  } catch (const std::exception& e) {
    stopWith(index, "internal-error", e.what());
  }
}

void SecondaryCpus::stopWith(size_t index, const std::string& cause, const std::string& what) {
  group_.requestStop(RunOutcome{false, cause, "vCPU " + std::to_string(index + 1) + ": " + what, -1});
  group_.leave();
}

void SecondaryCpus::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  started_ = true;
  changed_.notify_all();
}

SecondaryCpus::~SecondaryCpus() {
  if (threads_.empty()) return;
  group_.requestStop(RunOutcome{false, "internal-error", "the machine ended before its vCPUs did", -1});
  start();
  join();
}

std::vector<CpuCounters> SecondaryCpus::join() {
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
  return counters_;
}

}  // namespace kx
