#include "cpu/kvm_cpu.hh"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "cpu/coalesced_ring.hh"
#include "cpu/emulation_failure.hh"
#include "cpu/exit_decode.hh"
#include "cpu/exit_reason_name.hh"
#include "cpu/host_clock.hh"
#include "cpu/register_dump.hh"
#include "sim/core_error.hh"

namespace kx {

KvmCpu::KvmCpu(Vcpu& vcpu, Bus& io, Bus& mmio, const CpuParams& params, CpuGroup* group)
    : vcpu_(vcpu), io_(io), mmio_(mmio), params_(params), group_(group), timer_(vcpu), events_([this] { return now(); }) {
  // As gem5 does, a quantum shorter than the timer can resolve is raised to
  // it; and one shorter than a kick costs here would never let the guest run.
  quantumNs_ = std::max({params.quantumNs, timer_.resolutionNs(), params.kickFloorNs});
  // Not with several vCPUs: a halted vCPU never shows progress, and the
  // others would wait at every quantum's end for its stretched quanta.
  watchProgress_ = !group_ && params.kickFloorNs != 0 && quantumNs_ < kWatchedQuantumFloors * params.kickFloorNs;
  if (watchProgress_) vcpu_.syncRegsOnExit();
  if (params.counter == InstructionCounter::Perf) perf_.emplace();
  if (params.counter == InstructionCounter::SingleStep) vcpu_.setGuestDebug(KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP);
}

CpuRegisters& KvmCpu::registers() {
  vcpu_.syncRegsOnExit();
  return registers_;
}

void KvmCpu::resetCounters() {
  ticksBeforeReset_ += now();
  counters_ = CpuCounters{};
  committedCarried_ = 0;
  if (perf_) committedBase_ = perf_->read().instructions;
}

void KvmCpu::countInstructions() {
  if (perf_) counters_.committedInsts = committedCarried_ + perf_->read().instructions - committedBase_;
}

void KvmCpu::machineWide(std::function<void()> work) {
  if (group_)
    group_->requestAtBarrier(std::move(work));
  else
    work();
}

void KvmCpu::requestCheckpoint(std::string reason) {
  if (!takeCheckpoint_)
    requestStop(RunOutcome{false, "unsupported-m5op", "a checkpoint was asked for, and this machine cannot take one", -1});
  else if (!group_)
    checkpointReason_ = std::move(reason);
  else if (!checkpointQueued_.exchange(true))
    group_->requestAtBarrier([this, reason = std::move(reason)] {
      checkpointQueued_ = false;
      takeCheckpoint(reason);
    });
}

void KvmCpu::settle() {
  completePendingAccess();
  countInstructions();
}

void KvmCpu::takeCheckpoint(const std::string& reason) {
  try {
    takeCheckpoint_(reason);
  } catch (const CoreError& e) {
    requestStop(RunOutcome{false, e.code(), "taking a checkpoint: " + std::string(e.what()), -1});
  }
}

namespace {
constexpr uint32_t kCpuStateVersion = 1;
}  // namespace

void KvmCpu::saveState(StateWriter& out) const {
  out.put<uint32_t>(kCpuStateVersion);
  out.put(counters_);
  out.put<uint64_t>(ticksBeforeReset_);
  out.put<uint8_t>(halted_);
  interrupts_.saveState(out);
}

void KvmCpu::loadState(StateReader& in) {
  uint32_t version = in.get<uint32_t>();
  if (version != kCpuStateVersion)
    throw CoreError("checkpoint-corrupt", "CPU model state version " + std::to_string(version) + ", this build reads " + std::to_string(kCpuStateVersion));
  counters_ = in.get<CpuCounters>();
  ticksBeforeReset_ = in.get<uint64_t>();
  uint8_t halted = in.get<uint8_t>();
  if (halted > 1) throw CoreError("checkpoint-corrupt", "CPU model state: halted flag " + std::to_string(halted));
  halted_ = halted;
  interrupts_.loadState(in);
  if (simTicksOverflow(counters_, params_.clock))
    throw CoreError("checkpoint-corrupt", "CPU model state: simulated time past 2^63 ticks");
  committedCarried_ = counters_.committedInsts;
}

void KvmCpu::requestStop(RunOutcome outcome) {
  if (group_)
    group_->requestStop(std::move(outcome));
  else if (!stop_)
    stop_ = std::move(outcome);
}

std::unique_lock<std::mutex> KvmCpu::lockDevices() {
  if (!group_) return {};
  std::unique_lock<std::mutex> lock(group_->deviceLock());
  group_->setServicing(&registers_);
  return lock;
}

bool KvmCpu::limitReached() {
  if (simTicksOverflow(counters_, params_.clock)) {
    // Never a saturated `ok`: the statistics past this point would be wrong.
    requestStop(RunOutcome{false, "sim-time-overflow",
                           "simulated time passed 2^63 ticks (cpu.clock " + decimal(params_.clock.clockHz) +
                               " Hz, hostFactor " + decimal(params_.clock.hostFactor) +
                               "): use limits.maxTicks, a faster clock or a smaller hostFactor",
                           -1});
    return true;
  }
  if (params_.maxTicks != 0 && simTicks(counters_, params_.clock) >= params_.maxTicks) {
    requestStop(RunOutcome{true, "max-ticks", "limits.maxTicks reached", -1});
    return true;
  }
  if (params_.maxInsts != 0) {
    countInstructions();
    if (counters_.committedInsts >= params_.maxInsts) {
      requestStop(RunOutcome{true, "max-insts", "limits.maxInsts reached", -1});
      return true;
    }
  }
  return false;
}

uint64_t KvmCpu::hostCyclesUntil(uint64_t tick) const {
  uint64_t current = now();
  if (tick == UINT64_MAX) return UINT64_MAX;
  if (tick <= current) return 1;
  double simCyclesLeft = static_cast<double>(tick - current) * params_.clock.clockHz / kTicksPerSecond;
  double hostCycles = simCyclesLeft / params_.clock.hostFactor;
  return hostCycles < 1 ? 1 : hostCycles > 1.8e19 ? UINT64_MAX : static_cast<uint64_t>(hostCycles);
}

void KvmCpu::armQuantum() {
  uint64_t now = readTsc();
  uint64_t quantumCycles = static_cast<uint64_t>(static_cast<double>(quantumNs_ << stretch_) * params_.tscHz / 1e9);
  // The quantum ends at the next event or the tick limit, whichever is first.
  uint64_t limit = params_.maxTicks ? params_.maxTicks : UINT64_MAX;
  uint64_t cycles = std::min(quantumCycles, hostCyclesUntil(std::min(limit, events_.nextTick())));
  uint64_t want = now + cycles;
  // An armed kick that fires no later than we want still bounds this quantum:
  // keep it and spare the exit path two syscalls.
  if (deadlineTsc_ > now && deadlineTsc_ <= want) return;
  uint64_t ns = static_cast<uint64_t>(static_cast<double>(cycles) * 1e9 / params_.tscHz);
  // A deadline still ahead of us means that expiry is armed and must be replaced.
  timer_.arm(ns, deadlineTsc_ > now);
  deadlineTsc_ = want;
}

void KvmCpu::onKick() {
  ++counters_.numExitSignal;
  deadlineTsc_ = 0;
  if (!watchProgress_) return;
  kvm_regs regs = vcpu_.regsAtExit();
  if (!exitedSinceKick_ && std::memcmp(&regs, &lastKickRegs_, sizeof regs) == 0) {
    if (stretch_ < kMaxStretch) ++stretch_;
    ++counters_.numStretchedQuanta;
  } else {
    stretch_ = 0;
  }
  lastKickRegs_ = regs;
  exitedSinceKick_ = false;
}

RunOutcome KvmCpu::run() {
  kvm_run* run = vcpu_.run();
  if (group_) group_->enroll();
  if (perf_) perf_->start();
  if (params_.alwaysSyncTC) readThreadContext();
  while (!stopping()) {
    {
      std::unique_lock<std::mutex> lock = lockDevices();
      events_.serviceDue();
    }
    if (checkpointAtInsts_ != 0) {
      countInstructions();
      if (counters_.committedInsts >= checkpointAtInsts_) {
        checkpointAtInsts_ = 0;
        requestCheckpoint("at-insts");
      }
    }
    if (!checkpointReason_.empty() && !stopping()) {
      settle();
      takeCheckpoint(std::exchange(checkpointReason_, {}));
    }
    if (group_ && group_->workPending() && !stopping()) {
      // This quantum ends here, so the work is done as soon as the others reach the barrier.
      group_->quantumEnd(settle_);
      continue;
    }
    if (stopping() || limitReached()) break;
    if (halted_) {
      if (!interrupts_.anyPending()) {
        idleToNextEvent();
        continue;
      }
      halted_ = false;
    }
    deliverInterrupts();
    armQuantum();
    if (params_.alwaysSyncTC) writeThreadContext();
    uint64_t start = readTsc();
    int err = vcpu_.enter();
    counters_.hostCycles += readTsc() - start;
    registers_.invalidate();
    ++counters_.numVMExits;
    state_ = State::Running;
    if (err == EINTR || (err == 0 && run->exit_reason == KVM_EXIT_INTR)) {
      onKick();
      {
        std::unique_lock<std::mutex> lock = lockDevices();
        drainCoalescedRing();
      }
      if (group_) group_->quantumEnd(settle_);
    } else if (err == EAGAIN) {
      // A vCPU waiting for SIPI woke up to an INIT or SIPI: KVM has changed
      // its state and wants it entered again, as QEMU does.
    } else if (err != 0) {
      fail("kvm-run-error", errnoMessage("KVM_RUN", err));
      break;
    } else {
      exitedSinceKick_ = true;
      std::unique_lock<std::mutex> lock = lockDevices();
      drainCoalescedRing();
      dispatchExit();
    }
    // Every way out of KVM_RUN, a kick included: the next entry writes this copy back.
    if (params_.alwaysSyncTC) syncState();
  }
  timer_.disarm();
  completePendingAccess();
  countInstructions();
  if (!group_) return *stop_;
  group_->leave();
  return group_->outcome();
}

void KvmCpu::syncState() {
  // An IO or MMIO instruction is complete only after the next entry; state
  // read or written before that is inconsistent (KVM's API says so), so
  // finish it with a half entry first, as gem5 does.
  completePendingAccess();
  readThreadContext();
}

void KvmCpu::readThreadContext() {
  syncedRegs_ = vcpu_.getRegs();
  syncedSregs_ = vcpu_.getSregs();
  if (params_.useXSave)
    syncedXsave_ = vcpu_.getXsave();
  else
    syncedFpu_ = vcpu_.getFpu();
}

void KvmCpu::writeThreadContext() {
  vcpu_.setRegs(syncedRegs_);
  vcpu_.setSregs(syncedSregs_);
  if (params_.useXSave)
    vcpu_.setXsave(syncedXsave_);
  else
    vcpu_.setFpu(syncedFpu_);
}

void KvmCpu::deliverInterrupts() {
  if (params_.kernelIrqchip) return;
  kvm_run* run = vcpu_.run();
  if (interrupts_.takeNmi()) {
    vcpu_.injectNmi();
    ++counters_.numInterrupts;
  }
  if (!interrupts_.vectorPending()) {
    run->request_interrupt_window = 0;
    return;
  }
  // KVM reports after each exit whether the guest can take an interrupt now;
  // if not, it exits again (IRQ_WINDOW_OPEN) as soon as it can.
  if (run->ready_for_interrupt_injection && run->if_flag) {
    vcpu_.injectInterrupt(static_cast<uint32_t>(interrupts_.takeHighest()));
    ++counters_.numInterrupts;
    run->request_interrupt_window = interrupts_.vectorPending();
  } else {
    run->request_interrupt_window = 1;
  }
}

void KvmCpu::handleHalt() {
  ++counters_.numHalt;
  if (interrupts_.anyPending()) return;  // delivered on the next entry
  if (!vcpu_.run()->if_flag) {
    fail("halt", "the guest halted with interrupts disabled: nothing can wake it");
    return;
  }
  halted_ = true;
}

void KvmCpu::idleToNextEvent() {
  // Nothing runs until the next event: jump the clock there, as gem5's
  // event queue does when every CPU is idle. An event that raises no
  // interrupt (a statistics snapshot, a checkpoint) leaves the vCPU halted,
  // as it would stay on hardware; entering it would wake it spuriously.
  uint64_t next = events_.nextTick();
  if (next == UINT64_MAX) {
    fail("halt", "the guest halted with no interrupt source that could wake it");
    return;
  }
  uint64_t target = params_.maxTicks ? std::min(next, params_.maxTicks) : next;
  uint64_t current = now();
  if (target > current) counters_.idleTicks += target - current;
}

void KvmCpu::completePendingAccess() {
  if (state_ != State::ServicePending) return;
  // An entry with immediate_exit set finishes the IO instruction (RIP moves
  // past it, IN data lands in the register) and returns at once.
  state_ = State::Running;
  kvm_run* run = vcpu_.run();
  run->immediate_exit = 1;
  vcpu_.enter();
  registers_.invalidate();
  run->immediate_exit = 0;
  ++counters_.numVMHalfEntries;
  std::unique_lock<std::mutex> lock = lockDevices();
  drainCoalescedRing();
}

std::string KvmCpu::resetStateNote() const {
  // AMD's SVM leaves the VMCB undefined after a shutdown and KVM re-initialises
  // the vCPU: what a dump would show is the reset vector, not the fault.
  kvm_sregs sregs = vcpu_.getSregs();
  bool resetState = sregs.cs.base == 0xffff0000 && vcpu_.getRegs().rip == 0xfff0;
  return resetState ? " (the registers below are the reset state: this host re-initialises the vCPU on shutdown)" : "";
}

void KvmCpu::fail(const char* cause, const std::string& error, bool withRegisters) {
  requestStop(RunOutcome{false, cause, withRegisters ? error + "; " + registerDump(vcpu_) : error, -1});
}

void KvmCpu::dispatchExit() {
  kvm_run* run = vcpu_.run();
  switch (run->exit_reason) {
    case KVM_EXIT_IO:
      handleIo();
      break;
    case KVM_EXIT_MMIO:
      handleMmio();
      break;
    case KVM_EXIT_HLT:
      handleHalt();
      break;
    case KVM_EXIT_SHUTDOWN:
      fail("shutdown", "the guest shut down (triple fault: an exception it could not handle)" + resetStateNote());
      break;
    case KVM_EXIT_FAIL_ENTRY:
      fail("fail-entry", "KVM could not enter the guest: hardware entry failure reason " +
                             hex(run->fail_entry.hardware_entry_failure_reason));
      break;
    case KVM_EXIT_INTERNAL_ERROR: {
      std::string detail = "KVM internal error, suberror " + std::to_string(run->internal.suberror);
      if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
        detail += " (instruction emulation failed: the instruction is not supported by KVM's emulator)" +
                  emulationFailureDetail(*run);
      uint32_t n = std::min<uint32_t>(run->internal.ndata, 16);
      for (uint32_t i = 0; i < n; ++i) detail += (i ? " " : "; data ") + hex(run->internal.data[i]);
      fail("internal-error", detail);
      break;
    }
    case KVM_EXIT_EXCEPTION:
      fail("exception", "guest exception " + std::to_string(run->ex.exception) + " with error code " +
                            hex(run->ex.error_code));
      break;
    case KVM_EXIT_UNKNOWN:
      fail("unknown-exit", "unknown exit, hardware reason " + hex(run->hw.hardware_exit_reason));
      break;
    case KVM_EXIT_DEBUG:
      // Single-stepping: the trap after each completed instruction.
      if (params_.counter == InstructionCounter::SingleStep) {
        ++counters_.committedInsts;
        break;
      }
      fail("debug", "unexpected debug exit at " + hex(run->debug.arch.pc) + " (exception " +
                        std::to_string(run->debug.arch.exception) + ")");
      break;
    case KVM_EXIT_SYSTEM_EVENT: {
      uint32_t type = run->system_event.type;
      if (type == KVM_SYSTEM_EVENT_SHUTDOWN)
        requestStop(RunOutcome{true, "system-event", "the guest powered off", -1});
      else
        fail("system-event", std::string("system event ") +
                                 (type == KVM_SYSTEM_EVENT_RESET   ? "reset"
                                  : type == KVM_SYSTEM_EVENT_CRASH ? "crash"
                                                                   : std::to_string(type)));
      break;
    }
    case KVM_EXIT_IRQ_WINDOW_OPEN:
      break;  // the next entry injects what is pending
    case KVM_EXIT_HYPERCALL:
      // Only what KVM_CAP_EXIT_HYPERCALL forwards (KVM_HC_MAP_GPA_RANGE): memory
      // is never encrypted or shared here, so there is nothing to change.
      ++counters_.numHypercalls;
      run->hypercall.ret = 0;
      break;
    default:
      fail("unhandled-exit", std::string("exit reason ") + std::to_string(run->exit_reason) + " (" +
                                 exitReasonName(run->exit_reason) + ") has no handler in this configuration");
      break;
  }
}

void KvmCpu::access(Bus& bus, uint64_t address, uint8_t* data, unsigned size, bool isWrite, uint64_t& unclaimed) {
  Bus::Hit hit = bus.find(address, size);
  if (!hit.device) {
    ++unclaimed;
    if (params_.unclaimed == UnclaimedPolicy::Fail) {
      fail(&bus == &io_ ? "unclaimed-io" : "unclaimed-mmio",
           std::string(isWrite ? "write to " : "read from ") + bus.name() + " address " + hex(address) + " (" +
               std::to_string(size) + " bytes) that no device claims");
    } else if (!isWrite) {
      std::memset(data, 0xff, size);
    }
    return;
  }
  if (isWrite) {
    uint64_t value = 0;
    std::memcpy(&value, data, size);
    hit.device->write(hit.offset, value, size);
  } else {
    uint64_t value = hit.device->read(hit.offset, size);
    std::memcpy(data, &value, size);
  }
}

void KvmCpu::handleIo() {
  kvm_run* run = vcpu_.run();
  ++counters_.numIO;
  state_ = State::ServicePending;
  DecodedAccess io = decodeIoExit(*run, vcpu_.runSize());
  if (!io.ok()) {
    fail("bad-exit-data", io.error);
    return;
  }
  uint8_t* data = io.data(*run);
  for (uint64_t i = 0; i < io.count && !stopping(); ++i)
    access(io_, io.address, data + i * io.size, io.size, io.isWrite, counters_.numUnclaimedIO);
}

void KvmCpu::handleMmio() {
  kvm_run* run = vcpu_.run();
  ++counters_.numMMIO;
  state_ = State::ServicePending;
  DecodedAccess mmio = decodeMmioExit(*run);
  if (!mmio.ok()) {
    fail("bad-exit-data", mmio.error);
    return;
  }
  access(mmio_, mmio.address, mmio.data(*run), mmio.size, mmio.isWrite, counters_.numUnclaimedMMIO);
}

void KvmCpu::drainCoalescedRing() {
  abi::CoalescedRing* ring = vcpu_.coalescedRing();
  if (!ring || stopping()) return;
  RingWalk walk = walkCoalescedRing(*ring, vcpu_.coalescedRingCapacity(), [this](CoalescedWrite& write) {
    if (write.pio) {
      ++counters_.numCoalescedPIO;
      access(io_, write.address, write.data, write.len, true, counters_.numUnclaimedIO);
    } else {
      ++counters_.numCoalescedMMIO;
      access(mmio_, write.address, write.data, write.len, true, counters_.numUnclaimedMMIO);
    }
    return !stopping();
  });
  if (!walk.error.empty()) fail("bad-exit-data", walk.error);
}

}  // namespace kx
