#include "run_control.hh"

#include "cpu/host_clock.hh"
#include "cpu/kick_cost.hh"

namespace kx {

RunControl::RunControl(KvmCpu& cpu, const ClockParams& clock, std::vector<std::vector<StatLine>>& dumps)
    : cpu_(cpu), clock_(clock), dumps_(dumps), start_(monotonicSeconds()) {}

void RunControl::exit(uint32_t status) {
  std::string detail = status == 0 ? "" : "the guest exited with status " + std::to_string(status);
  cpu_.requestStop(RunOutcome{status == 0, "guest-exit", detail, status});
}

void RunControl::resetStats() {
  cpu_.machineWide([this] {
    for (KvmCpu* cpu : cpus_) cpu->resetCounters();
    for (Device* d : devices_) d->resetStats();
    if (kernel_) kernel_->restart();
  });
}

std::vector<StatLine> RunControl::snapshot() const {
  std::vector<CpuCounters> perCpu;
  for (const KvmCpu* cpu : cpus_) perCpu.push_back(cpu->counters());
  return statLines(machineCounters(perCpu), clock_, monotonicSeconds() - start_);
}

void RunControl::dumpStats() {
  cpu_.machineWide([this] {
    if (dumps_.size() < kMaxDumps) dumps_.push_back(snapshot());
  });
}

void RunControl::m5Exit() { cpu_.requestStop(RunOutcome{true, "m5-exit", "", 0}); }

void RunControl::m5Fail(uint64_t code) {
  cpu_.requestStop(RunOutcome{false, "m5-fail", "the guest called m5_fail with code " + std::to_string(code),
                              static_cast<int64_t>(code)});
}

void RunControl::m5Checkpoint() {
  if (ignoreCheckpoints_) return;
  if (!checkpoint_) {
    m5Unsupported("m5 checkpoint (0x43): this machine takes no checkpoints");
    return;
  }
  checkpoint_();
}

void RunControl::m5Unsupported(const std::string& what) {
  cpu_.requestStop(RunOutcome{false, "unsupported-m5op", what, -1});
}

PeriodicDumps::PeriodicDumps(KvmCpu& cpu, const RunControl& control, uint64_t period,
                             std::vector<std::vector<StatLine>>& series)
    : cpu_(cpu), control_(control), period_(period), series_(series) {
  if (period_ > 0) cpu_.events().schedule(next_ = period_, [this] { fire(); });
}

void PeriodicDumps::fire() {
  cpu_.machineWide([this] { keep(control_.snapshot()); });
  // On the period's grid, so that late service does not drift the series;
  // grid points already behind us (a quantum longer than the period) get no
  // snapshot of their own, which would only repeat this one.
  uint64_t now = cpu_.now();
  next_ += period_;
  if (next_ <= now) next_ += ((now - next_) / period_ + 1) * period_;
  cpu_.events().schedule(next_, [this] { fire(); });
}

void PeriodicDumps::keep(std::vector<StatLine> snapshot) {
  if (series_.size() < kMaxSnapshots)
    series_.push_back(std::move(snapshot));
  else
    ++dropped_;
}

Checkpoints::Checkpoints(const CheckpointConfig& config, MachineParts& parts, RunControl& control, MachineResult& result)
    : config_(config), parts_(parts), result_(result) {
  KvmCpu& cpu = parts.bootCpu();
  if (config.restoring()) {
    double start = monotonicSeconds();
    restoreCheckpoint(config.restore, parts);
    result.restoreSeconds = monotonicSeconds() - start;
  }
  cpu.onCheckpoint([this](const std::string& reason) {
    double start = monotonicSeconds();
    result_.checkpoints.push_back(writeCheckpoint(config_.dir, parts_, reason));
    result_.checkpointSeconds += monotonicSeconds() - start;
    if (config_.stopAfter) parts_.bootCpu().requestStop(RunOutcome{true, "checkpoint", "", -1});
  });
  if (config.onGuestRequest)
    control.onCheckpointRequest([&cpu] { cpu.requestCheckpoint("m5-checkpoint"); });
  else
    control.ignoreCheckpointRequests();
  // atTicks and atInsts count from the original run's start (a restore
  // brings its counts along); the event queue counts from the last reset.
  uint64_t sinceStart = cpu.ticksSinceStart();
  if (config.atTicks > sinceStart)
    cpu.events().schedule(config.atTicks - (sinceStart - cpu.now()), [&cpu] { cpu.requestCheckpoint("at-ticks"); });
  if (config.atInsts > cpu.counters().committedInsts) cpu.checkpointAtInsts(config.atInsts);
}

CpuParams hostCpuParams(const CpuParams& configured, double tscHz, const std::string& kvmDevice, MachineResult& result) {
  CpuParams params = configured;
  params.tscHz = tscHz;
  if (params.quantumNs < kMeasureKickBelowNs) {
    KickCost kick = measureKickCost(kvmDevice);
    result.kickCostNs = kick.medianNs;
    params.kickFloorNs = kick.floorNs();
  }
  return params;
}

void runAndReport(KvmCpu& cpu, const KernelCounters& kernel, const ClockParams& clock, MachineResult& result,
                  SecondaryCpus* others) {
  double start = monotonicSeconds();
  if (others) others->start();
  result.outcome = cpu.run();
  std::vector<CpuCounters> perCpu{cpu.counters()};
  if (others)
    for (const CpuCounters& c : others->join()) perCpu.push_back(c);
  double hostSeconds = monotonicSeconds() - start;
  result.kvmStats = kernel.sinceStart();
  result.stats = statLines(machineCounters(perCpu), clock, hostSeconds);
  if (perCpu.size() > 1)
    for (size_t i = 0; i < perCpu.size(); ++i)
      for (const StatLine& line : vcpuStatLines(perCpu[i], clock))
        result.vcpuStats.emplace_back("cpu" + std::to_string(i) + "." + line.name, static_cast<uint64_t>(line.value));
  result.timerResolutionNs = cpu.timerResolutionNs();
  result.quantumNs = cpu.effectiveQuantumNs();
}

DeviceStats collectDeviceStats(const std::vector<Device*>& devices) {
  DeviceStats out;
  for (const Device* d : devices)
    for (const auto& [name, value] : d->stats()) out.emplace_back(std::string(d->name()) + "." + name, value);
  return out;
}

}  // namespace kx
