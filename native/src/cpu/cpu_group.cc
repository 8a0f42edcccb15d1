#include "cpu/cpu_group.hh"

#include <signal.h>

#include "cpu/quantum_timer.hh"

namespace kx {

void CpuGroup::enroll() {
  std::lock_guard<std::mutex> lock(mutex_);
  threads_.push_back(pthread_self());
}

void CpuGroup::kickOthers() {
  for (pthread_t thread : threads_)
    if (!pthread_equal(thread, pthread_self())) pthread_kill(thread, kickSignal());
}

void CpuGroup::requestStop(RunOutcome outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (outcome_) return;
  outcome_ = std::move(outcome);
  stopping_.store(true, std::memory_order_release);
  quantumDone_.notify_all();
  // A vCPU inside KVM_RUN leaves it at once; one about to enter may still
  // run until its quantum's kick, then sees the stop.
  kickOthers();
}

RunOutcome CpuGroup::outcome() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return outcome_ ? *outcome_ : RunOutcome{};
}

void CpuGroup::requestAtBarrier(std::function<void()> work) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.push_back(std::move(work));
  workPending_.store(true, std::memory_order_release);
  kickOthers();
}

bool CpuGroup::meet(std::unique_lock<std::mutex>& lock, const std::function<void()>& last) {
  if (stopping()) return false;
  if (++arrived_ >= running_) {
    last();
    arrived_ = 0;
    ++generation_;
    quantumDone_.notify_all();
    return !stopping();
  }
  uint64_t generation = generation_;
  // Not released by a stop while machine-wide work is under way: the work
  // reads every vCPU's state, which ends with its thread.
  quantumDone_.wait(lock, [&] { return generation_ != generation || (stopping() && !working_); });
  return !stopping();
}

void CpuGroup::quantumEnd(const std::function<void()>& prepare) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (!meet(lock, [this] {
        round_ = std::move(pending_);
        pending_.clear();
        workPending_.store(false, std::memory_order_release);
      }))
    return;
  if (round_.empty()) return;
  lock.unlock();
  if (prepare) prepare();
  lock.lock();
  meet(lock, [this, &lock] {
    std::vector<std::function<void()>> work = std::move(round_);
    round_.clear();
    // Unlocked: the work may stop the machine (a warm-up, a failure) or ask
    // for more, which take the lock. The others stay parked until it is
    // done, even when it stops the machine.
    working_ = true;
    lock.unlock();
    for (const std::function<void()>& w : work) w();
    lock.lock();
    working_ = false;
  });
}

void CpuGroup::leave() {
  std::lock_guard<std::mutex> lock(mutex_);
  --running_;
  // The leaver may have been the last one the others were waiting for.
  if (running_ > 0 && arrived_ >= running_) {
    arrived_ = 0;
    ++generation_;
    quantumDone_.notify_all();
  }
}

}  // namespace kx
