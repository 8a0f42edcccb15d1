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
// - checkpoints: a request from any vCPU is carried out at the next quantum
//   barrier, where no vCPU is inside KVM_RUN (checkpointing, below);
// - the registers of whichever vCPU is servicing an exit, for the devices
//   that read arguments from registers (m5ops).
#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
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
  // the same quantum, or the machine is stopping. When a checkpoint is
  // wanted, every vCPU there first runs its own `prepareForCheckpoint` (on
  // its own thread: finishing a pending access enters KVM_RUN, which only
  // the vCPU's thread may), and the last one ready takes the checkpoint
  // while the others wait.
  void quantumEnd(const std::function<void()>& prepareForCheckpoint = {});
  // The caller's vCPU runs no more quanta (its run ended).
  void leave();

  // Checkpointing. `take` writes the machine's checkpoint; it is called with
  // every vCPU parked at the barrier and prepared.
  void onCheckpoint(std::function<void(const std::string& reason)> take) { take_ = std::move(take); }
  // From any thread, once onCheckpoint has been called; a request made
  // while one is pending joins it. Kicks
  // the other vCPUs, so that the barrier comes soon.
  void requestCheckpoint(std::string reason);
  bool checkpointWanted() const { return checkpointWanted_.load(std::memory_order_acquire); }

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
  // `last` (with the lock held) before releasing the others. False when the
  // machine is stopping instead.
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
  std::function<void(const std::string&)> take_;
  std::optional<std::string> checkpointReason_;
  std::atomic<bool> checkpointWanted_{false};
  // Decided by the last vCPU to reach a barrier, so that all of them agree
  // whether it is a checkpoint's; no vCPU can reach the next barrier before
  // every one has read it.
  bool checkpointRound_ = false;
  Servicing servicing_;
};

}  // namespace kx
