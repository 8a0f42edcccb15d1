#pragma once
// The CPU model: gem5's BaseKvmCPU as a standalone run loop. It enters KVM
// for quanta bounded by a timer, dispatches every exit reason to a defined
// outcome, services IO and MMIO through the buses, replays the coalesced
// ring, and keeps gem5's statistics. It knows the buses, never the devices.
#include <cstdint>
#include <optional>

#include "cpu/cpu_stats.hh"
#include "cpu/perf_counters.hh"
#include "cpu/quantum_timer.hh"
#include "cpu/run_outcome.hh"
#include "devices/bus.hh"
#include "kvm/vcpu.hh"

namespace kx {

enum class UnclaimedPolicy { Count, Fail };

// How committedInsts is counted (instsSource): gem5 only knows perf.
enum class InstructionCounter { None, Perf, SingleStep };

struct CpuParams {
  ClockParams clock{1.0, 2e9};
  uint64_t quantumNs = 1000000;
  uint64_t maxTicks = 0;  // 0: no limit
  uint64_t maxInsts = 0;  // 0: no limit; needs an instruction counter
  InstructionCounter counter = InstructionCounter::None;
  UnclaimedPolicy unclaimed = UnclaimedPolicy::Count;
  double tscHz = 2e9;
};

class KvmCpu {
 public:
  KvmCpu(Vcpu& vcpu, Bus& io, Bus& mmio, const CpuParams& params);

  // Runs until the guest ends, a limit is reached, or an exit cannot go on.
  RunOutcome run();
  // Ends the run after the current exit is serviced (a device asked for it).
  void requestStop(RunOutcome outcome);

  const CpuCounters& counters() const { return counters_; }
  void resetCounters();
  uint64_t timerResolutionNs() const { return timer_.resolutionNs(); }
  uint64_t effectiveQuantumNs() const { return quantumNs_; }

 private:
  // gem5's states: after an IO or MMIO exit the instruction is not complete
  // until the next entry, which matters when the run stops right there.
  enum class State { Running, ServicePending, Stopped };

  void armQuantum();
  void dispatchExit();
  void handleIo();
  void handleMmio();
  void drainCoalescedRing();
  void access(Bus& bus, uint64_t address, uint8_t* data, unsigned size, bool isWrite, uint64_t& unclaimed);
  void fail(const char* cause, const std::string& error, bool withRegisters = true);
  void completePendingAccess();
  std::string resetStateNote() const;
  bool limitReached();
  void countInstructions();
  uint64_t hostCyclesToLimit() const;

  Vcpu& vcpu_;
  Bus& io_;
  Bus& mmio_;
  CpuParams params_;
  QuantumTimer timer_;
  std::optional<GuestPerfCounters> perf_;
  uint64_t committedBase_ = 0;  // perf's instruction count at the last stats reset
  uint64_t quantumNs_;
  uint64_t deadlineTsc_ = 0;  // when the armed kick fires; 0 when none is armed
  State state_ = State::Running;
  std::optional<RunOutcome> stop_;
  CpuCounters counters_;
};

}  // namespace kx
