#pragma once
// What every machine (full-system and SE) does around its CPU: guest
// requests that end the run or reset and dump statistics (gem5's m5ops, our
// sim-control), periodic statistics snapshots, and device counters as
// columns. machine.cc and se_machine.cc wire them; neither copies them.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cpu/cpu_stats.hh"
#include "cpu/kvm_cpu.hh"
#include "devices/device.hh"
#include "devices/m5ops.hh"
#include "kvm/kernel_counters.hh"
#include "kvm/vcpu.hh"
#include "machine.hh"
#include "secondary_cpus.hh"

namespace kx {

// The guest's requests, carried out on the CPU and the devices it watches.
class RunControl : public M5OpsHandler {
 public:
  RunControl(KvmCpu& cpu, const ClockParams& clock, std::vector<std::vector<StatLine>>& dumps);
  // The devices whose counters a stats reset clears along with the CPU's,
  // and the kernel's counters, which restart with them.
  void watch(std::vector<Device*> devices, KernelCounters& kernel) {
    devices_ = std::move(devices);
    kernel_ = &kernel;
  }
  // With several vCPUs, all of their CPU models (the boot vCPU's first):
  // statistics resets and dumps cover the machine.
  void watchCpus(std::vector<KvmCpu*> cpus) { cpus_ = std::move(cpus); }

  void exit(uint32_t status);
  // With several vCPUs, a reset or dump is done at the next quantum barrier
  // (KvmCpu::machineWide), where every vCPU's counters are whole.
  void resetStats();
  void dumpStats();
  // The machine's statistics now; call where the counters are whole.
  std::vector<StatLine> snapshot() const;

  void m5Exit() override;
  void m5Fail(uint64_t code) override;
  void m5ResetStats() override { resetStats(); }
  void m5DumpStats() override { dumpStats(); }
  void m5Unsupported(const std::string& what) override;
  void m5Checkpoint() override;
  // What a guest's checkpoint request does; without one, the request is
  // refused (a machine that takes no checkpoints).
  void onCheckpointRequest(std::function<void()> take) { checkpoint_ = std::move(take); }
  // The request is counted and ignored (checkpoint.onGuestRequest: false).
  void ignoreCheckpointRequests() { ignoreCheckpoints_ = true; }

 protected:
  KvmCpu& cpu_;

 private:
  std::vector<KvmCpu*> cpus_{&cpu_};
  std::function<void()> checkpoint_;
  bool ignoreCheckpoints_ = false;
  static constexpr size_t kMaxDumps = 10000;  // a guest cannot make us hoard memory
  std::vector<Device*> devices_;
  KernelCounters* kernel_ = nullptr;
  ClockParams clock_;
  std::vector<std::vector<StatLine>>& dumps_;
  double start_;
};

// stats.dumpEvery: a snapshot of the machine's statistics every period of
// simulated time (the boot vCPU's clock).
class PeriodicDumps {
 public:
  PeriodicDumps(KvmCpu& cpu, const RunControl& control, uint64_t period, std::vector<std::vector<StatLine>>& series);
  // Snapshots not kept because the series was full.
  uint64_t dropped() const { return dropped_; }

 private:
  static constexpr size_t kMaxSnapshots = 100000;  // a bound on memory, whatever the period
  void fire();
  void keep(std::vector<StatLine> snapshot);
  KvmCpu& cpu_;
  const RunControl& control_;
  uint64_t period_;
  uint64_t next_ = 0;
  std::vector<std::vector<StatLine>>& series_;
  uint64_t dropped_ = 0;
};

// Checkpoints for a built machine: restores config.restore into it (before
// anything runs), then takes one when the guest asks (m5 checkpoint) or at
// config.atTicks or config.atInsts, recording each folder and the time spent
// in the result.
class Checkpoints {
 public:
  Checkpoints(const CheckpointConfig& config, MachineParts& parts, RunControl& control, MachineResult& result);

 private:
  const CheckpointConfig& config_;
  MachineParts& parts_;
  MachineResult& result_;
};

// The CPU parameters a run uses on this host: the TSC frequency measured,
// and for a quantum short enough to ask, the timer-kick floor (KickCost),
// whose measurement goes into the result.
CpuParams hostCpuParams(const CpuParams& configured, double tscHz, const std::string& kvmDevice, MachineResult& result);

// Runs the CPU to its end and fills in what every machine reports: the
// outcome, gem5's statistics, the kernel's counters over the run, and how
// the timer was set. With several vCPUs, `cpu` is the boot vCPU's and
// `others` runs the rest: the statistics are the machine's
// (machineCounters), and each vCPU's own are "cpu<N>.<stat>" columns.
void runAndReport(KvmCpu& cpu, const KernelCounters& kernel, const ClockParams& clock, MachineResult& result,
                  SecondaryCpus* others = nullptr);

// "<device>.<stat>" for each counter the devices keep.
DeviceStats collectDeviceStats(const std::vector<Device*>& devices);

}  // namespace kx
