#pragma once
// The other vCPUs of a machine with machine.cpus > 1, the application
// processors: one thread each, running its own KvmCpu in the machine's
// CpuGroup. KVM holds each in wait-for-SIPI until the boot vCPU's LAPIC
// sends INIT and SIPI, so starting them is the guest's business, as on a PC.
//
// Each thread builds its KvmCpu first (the CPU model's timer and counters
// belong to the thread that runs it) and then waits for start(): in between,
// the machine restores a checkpoint into every vCPU and its model.
#include <condition_variable>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cpu/cpu_group.hh"
#include "cpu/cpu_stats.hh"
#include "cpu/kvm_cpu.hh"
#include "devices/bus.hh"
#include "kvm/vcpu.hh"

namespace kx {

class SecondaryCpus {
 public:
  // Starts a thread per vCPU of `vcpus` (indices 1, 2, ... of the machine)
  // and returns once each has built its CPU model; throws what building one
  // threw.
  SecondaryCpus(const std::vector<Vcpu*>& vcpus, Bus& io, Bus& mmio, const CpuParams& params, CpuGroup& group);
  // Stops the group if it still runs, and waits for every thread.
  ~SecondaryCpus();
  SecondaryCpus(const SecondaryCpus&) = delete;
  SecondaryCpus& operator=(const SecondaryCpus&) = delete;

  // The CPU models, in vCPU order; valid until their vCPUs' runs end.
  const std::vector<KvmCpu*>& cpus() const { return cpus_; }
  // Lets the vCPUs run.
  void start();
  // Once the group has stopped: waits for the threads and returns each
  // vCPU's counters, in vCPU order.
  std::vector<CpuCounters> join();

 private:
  void runVcpu(size_t index, Vcpu& vcpu, Bus& io, Bus& mmio, const CpuParams& params);
  void stopWith(size_t index, const std::string& cause, const std::string& what);

  CpuGroup& group_;
  std::vector<CpuCounters> counters_;
  std::vector<KvmCpu*> cpus_;
  std::mutex mutex_;  // the start-up fields below
  std::condition_variable changed_;
  size_t built_ = 0;
  bool started_ = false;
  std::exception_ptr buildError_;
  std::vector<std::thread> threads_;
};

}  // namespace kx
