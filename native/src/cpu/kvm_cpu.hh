#pragma once
// The CPU model: gem5's BaseKvmCPU as a standalone run loop. It enters KVM
// for quanta bounded by a timer and by the next simulated-time event,
// dispatches every exit reason to a defined outcome, services IO and MMIO
// through the buses, replays the coalesced ring, injects interrupts, skips
// idle time while halted, and keeps gem5's statistics. It knows the buses,
// never the devices.
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "cpu/cpu_group.hh"
#include "cpu/cpu_stats.hh"
#include "cpu/exit_registers.hh"
#include "sim/event_queue.hh"
#include "sim/interrupt_lines.hh"
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
  // The shortest quantum that lets the guest run on this host (KickCost), 0
  // when not measured; a shorter quantum is raised to it.
  uint64_t kickFloorNs = 0;
  uint64_t maxTicks = 0;  // 0: no limit
  uint64_t maxInsts = 0;  // 0: no limit; needs an instruction counter
  InstructionCounter counter = InstructionCounter::None;
  UnclaimedPolicy unclaimed = UnclaimedPolicy::Count;
  bool alwaysSyncTC = false;  // read the vCPU state after every exit, write it before every entry
  // gem5's X86KvmCPU.useXSave: the synced state's FPU and vector registers
  // go through XSAVE (every component, AVX included) rather than the legacy
  // FPU ioctls (x87 and SSE only, so AVX's upper halves are not kept).
  bool useXSave = true;
  double tscHz = 2e9;
  // machine.irqchip: kernel. KVM's own LAPIC delivers interrupts and serves
  // HLT, so there is nothing to inject from user space and no halt exit.
  bool kernelIrqchip = false;
};

class KvmCpu {
 public:
  // `group`: one of several vCPUs of a machine (cpu_group.hh); construct
  // and run it on the thread that runs the vCPU (the timer and the perf
  // counters belong to the thread).
  KvmCpu(Vcpu& vcpu, Bus& io, Bus& mmio, const CpuParams& params, CpuGroup* group = nullptr);

  // Runs until the guest ends, a limit is reached, or an exit cannot go on.
  RunOutcome run();
  // Ends the run after the current exit is serviced (a device asked for it).
  void requestStop(RunOutcome outcome);

  EventQueue& events() { return events_; }
  InterruptLines& interrupts() { return interrupts_; }
  uint64_t now() const { return simTicks(counters_, params_.clock); }
  // Simulated time since the run began, which a statistics reset does not
  // restart (now() does): what a program's clock may follow.
  uint64_t ticksSinceStart() const { return ticksBeforeReset_ + now(); }
  void countHypercall() { ++counters_.numHypercalls; }
  // For device models that take values in registers (m5ops, system calls):
  // asking turns on KVM_CAP_SYNC_REGS where the host has it, so that reading
  // them after an exit costs no ioctl.
  CpuRegisters& registers();
  // Simulated time that passes with the guest idle (a sleeping system call):
  // skipped, not waited for, and counted as idleTicks as a halt's is.
  void idleFor(uint64_t ticks) { counters_.idleTicks += ticks; }

  const CpuCounters& counters() const { return counters_; }
  void resetCounters();

  // Runs `work` on the whole machine: at once with one vCPU; with several,
  // at the next quantum barrier, with every vCPU stopped there (CpuGroup).
  // From any vCPU's thread.
  void machineWide(std::function<void()> work);

  // Checkpoints. A request (a guest's m5 checkpoint, a scheduled tick) is
  // carried out at the top of the run loop, once the exit that asked is
  // complete: no IO or MMIO is half done then, so the vCPU's state is whole.
  // With several vCPUs, at the next quantum barrier, once every vCPU has
  // finished its own access. `take` captures the machine; what it throws
  // fails the run. Set on the boot vCPU, before it runs.
  void onCheckpoint(std::function<void(const std::string& reason)> take) { takeCheckpoint_ = std::move(take); }
  // From any vCPU's thread; a request while one is pending joins it.
  void requestCheckpoint(std::string reason);
  // Asks for one when committedInsts reaches `count` (exactly under
  // single-step, at the next exit with perf); 0 cancels.
  void checkpointAtInsts(uint64_t count) { checkpointAtInsts_ = count; }
  // The model's own part: counters, simulated time, pending interrupts.
  void saveState(StateWriter& out) const;
  // Into a CPU not yet run, before the devices (whose events need the clock).
  void loadState(StateReader& in);
  uint64_t timerResolutionNs() const { return timer_.resolutionNs(); }
  uint64_t effectiveQuantumNs() const { return quantumNs_; }
  // Quanta this close to the floor get their progress watched (see onKick).
  static constexpr uint64_t kWatchedQuantumFloors = 8;

 private:
  // gem5's states: after an IO or MMIO exit the instruction is not complete
  // until the next entry, which matters when the run stops right there.
  enum class State { Running, ServicePending };

  bool stopping() const { return stop_.has_value() || (group_ && group_->stopping()); }
  // Held while servicing devices; with a single vCPU there is nothing to lock.
  std::unique_lock<std::mutex> lockDevices();
  void armQuantum();
  // Finishes a pending access and counts instructions, so that the vCPU's
  // state and counters are whole: before a checkpoint, and, with several
  // vCPUs, before any machine-wide work (on the vCPU's own thread).
  void settle();
  void takeCheckpoint(const std::string& reason);
  void onKick();
  void deliverInterrupts();
  void dispatchExit();
  void handleIo();
  void handleMmio();
  void handleHalt();
  void idleToNextEvent();
  void drainCoalescedRing();
  void access(Bus& bus, uint64_t address, uint8_t* data, unsigned size, bool isWrite, uint64_t& unclaimed);
  void fail(const char* cause, const std::string& error, bool withRegisters = true);
  std::string resetStateNote() const;
  // A half entry that finishes a serviced IO or MMIO instruction, if one is pending.
  void completePendingAccess();
  void syncState();
  void readThreadContext();
  void writeThreadContext();
  bool limitReached();
  void countInstructions();
  uint64_t hostCyclesUntil(uint64_t tick) const;

  Vcpu& vcpu_;
  ExitRegisters registers_{vcpu_};
  Bus& io_;
  Bus& mmio_;
  CpuParams params_;
  CpuGroup* group_;
  QuantumTimer timer_;
  EventQueue events_;
  InterruptLines interrupts_;
  std::optional<GuestPerfCounters> perf_;
  uint64_t committedBase_ = 0;  // perf's instruction count at the last stats reset
  uint64_t committedCarried_ = 0;  // instructions counted before a restore, which perf did not see
  uint64_t quantumNs_;
  uint64_t deadlineTsc_ = 0;  // when the armed kick fires; 0 when none is armed
  // Forward progress under short quanta: a kick that finds every general
  // register (RIP included) as the previous kick left it, with no other exit
  // in between, most likely cut the entry short before the guest ran (or the
  // guest spins in place); each such kick doubles the next quantum (up to
  // 2^kMaxStretch), and any change resets it. RIP alone is not enough: a
  // tight loop is often kicked at the same instruction.
  static constexpr unsigned kMaxStretch = 10;
  bool watchProgress_ = false;
  unsigned stretch_ = 0;
  kvm_regs lastKickRegs_{};
  bool exitedSinceKick_ = true;
  State state_ = State::Running;
  std::optional<RunOutcome> stop_;
  std::function<void(const std::string&)> takeCheckpoint_;
  std::string checkpointReason_;  // non-empty: a checkpoint is wanted (one vCPU)
  std::atomic<bool> checkpointQueued_{false};  // one is waiting for the barrier (several)
  const std::function<void()> settle_ = [this] { settle(); };  // what the group's barrier runs on this thread
  uint64_t checkpointAtInsts_ = 0;
  // Halted (HLT with interrupts on) and waiting for an interrupt: the vCPU
  // is not entered until one is pending.
  bool halted_ = false;
  CpuCounters counters_;
  uint64_t ticksBeforeReset_ = 0;
  // alwaysSyncTC's copy of the vCPU state, as gem5 keeps its thread context.
  kvm_regs syncedRegs_{};
  kvm_sregs syncedSregs_{};
  XsaveArea syncedXsave_{};
  kvm_fpu syncedFpu_{};
};

}  // namespace kx
