#include "cpu/cpu_group.hh"

#include <signal.h>

#include "cpu/quantum_timer.hh"

namespace kx {

void CpuGroup::enroll() {
  std::lock_guard<std::mutex> lock(mutex_);
  threads_.push_back(pthread_self());
}

void CpuGroup::requestStop(RunOutcome outcome) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (outcome_) return;
  outcome_ = std::move(outcome);
  stopping_.store(true, std::memory_order_release);
  quantumDone_.notify_all();
  // A vCPU inside KVM_RUN leaves it at once; one about to enter may still
  // run until its quantum's kick, then sees the stop.
  for (pthread_t thread : threads_)
    if (!pthread_equal(thread, pthread_self())) pthread_kill(thread, kickSignal());
}

RunOutcome CpuGroup::outcome() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return outcome_ ? *outcome_ : RunOutcome{};
}

void CpuGroup::quantumEnd() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (stopping()) return;
  if (++arrived_ >= running_) {
    arrived_ = 0;
    ++generation_;
    quantumDone_.notify_all();
    return;
  }
  uint64_t generation = generation_;
  quantumDone_.wait(lock, [&] { return generation_ != generation || stopping(); });
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
