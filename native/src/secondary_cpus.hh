#pragma once
// The other vCPUs of a machine with machine.cpus > 1, the application
// processors: one thread each, running its own KvmCpu in the machine's
// CpuGroup. KVM holds each in wait-for-SIPI until the boot vCPU's LAPIC
// sends INIT and SIPI, so starting them is the guest's business, as on a PC.
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
  // Starts a thread per vCPU of `vcpus` (indices 1, 2, ... of the machine).
  SecondaryCpus(const std::vector<Vcpu*>& vcpus, Bus& io, Bus& mmio, const CpuParams& params, CpuGroup& group);
  // Stops the group if it still runs, and waits for every thread.
  ~SecondaryCpus();
  SecondaryCpus(const SecondaryCpus&) = delete;
  SecondaryCpus& operator=(const SecondaryCpus&) = delete;

  // Once the group has stopped: waits for the threads and returns each
  // vCPU's counters, in vCPU order.
  std::vector<CpuCounters> join();

 private:
  CpuGroup& group_;
  std::vector<CpuCounters> counters_;
  std::vector<std::thread> threads_;
};

}  // namespace kx
