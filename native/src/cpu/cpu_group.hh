#pragma once
// The vCPUs of one machine (machine.cpus), each run by its own KvmCpu on its
// own thread, and what they share:
// - the device lock: device models are single-threaded, so one vCPU at a
//   time services an exit (QEMU's big lock, taken per exit);
// - the run's end: the first outcome any vCPU or device asks for ends the
//   whole machine, and every other vCPU is kicked out of KVM_RUN;
// - the quanta: at the end of each quantum a vCPU waits until every running
//   vCPU has ended its own, so no vCPU's simulated time gets more than a
//   quantum ahead of another's, as gem5 synchronises the event queues of
//   its KVM CPUs every sim_quantum;
// - work on the whole machine (a checkpoint, a statistics reset or dump):
//   asked for from any vCPU, done at the next quantum barrier, where no vCPU
//   is inside KVM_RUN;
// - the registers of whichever vCPU is servicing an exit, for the devices
//   that read arguments from registers (m5ops).
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <vector>

#include "cpu/run_outcome.hh"
#include "sim/cpu_registers.hh"

namespace kx {

class CpuGroup {
 public:
  explicit CpuGroup(unsigned cpus) : running_(cpus) {}

  std::mutex& deviceLock() { return deviceLock_; }

  // The calling thread runs a vCPU: a stop must be able to kick it.
  void enroll();
  // The first call wins; every enrolled thread but the caller is kicked.
  void requestStop(RunOutcome outcome);
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }
  RunOutcome outcome() const;

  // Ends the caller's quantum: returns once every running vCPU has ended
  // the same quantum, or the machine is stopping. When machine-wide work is
  // pending, every vCPU there first runs its own `prepare` (on its own
  // thread: finishing a pending access enters KVM_RUN, which only the
  // vCPU's thread may), and the last one ready does the work while the
  // others wait.
  void quantumEnd(const std::function<void()>& prepare = {});
  // The caller's vCPU runs no more quanta (its run ended).
  void leave();

  // Work that needs every vCPU stopped and its state whole, from any
  // thread: done at the next barrier, in the order asked. Kicks the other
  // vCPUs, so that the barrier comes soon.
  void requestAtBarrier(std::function<void()> work);
  bool workPending() const { return workPending_.load(std::memory_order_acquire); }

  // What the devices see as "the registers": those of the vCPU servicing an
  // exit, which holds the device lock while it does.
  CpuRegisters& servicingRegisters() { return servicing_; }
  void setServicing(CpuRegisters* registers) { servicing_.current = registers; }

 private:
  struct Servicing : CpuRegisters {
    CpuRegisters* current = nullptr;
    uint64_t get(Reg reg) override { return current->get(reg); }
    void set(Reg reg, uint64_t value) override { current->set(reg, value); }
    unsigned privilegeLevel() override { return current->privilegeLevel(); }
    uint64_t faultAddress() override { return current->faultAddress(); }
    void setFsBase(uint64_t base) override { current->setFsBase(base); }
    void setGsBase(uint64_t base) override { current->setGsBase(base); }
    uint64_t fsBase() override { return current->fsBase(); }
    uint64_t gsBase() override { return current->gsBase(); }
  };

  // Waits until every running vCPU has arrived; the last to arrive runs
  // `last` (with the lock held; it may drop and retake it) before releasing
  // the others. False when the machine is stopping instead.
  bool meet(std::unique_lock<std::mutex>& lock, const std::function<void()>& last);
  void kickOthers();

  std::mutex deviceLock_;
  mutable std::mutex mutex_;  // everything below
  std::condition_variable quantumDone_;
  std::vector<pthread_t> threads_;
  std::optional<RunOutcome> outcome_;
  std::atomic<bool> stopping_{false};
  unsigned running_;
  unsigned arrived_ = 0;
  uint64_t generation_ = 0;
  std::vector<std::function<void()>> pending_;
  std::atomic<bool> workPending_{false};
  // The work of the barrier under way, taken from pending_ by the last vCPU
  // to reach it, so that all of them agree whether there is any; no vCPU
  // can reach the next barrier before every one has looked.
  std::vector<std::function<void()>> round_;
  bool working_ = false;  // the round's work is being done, the lock dropped
  Servicing servicing_;
};

}  // namespace kx
