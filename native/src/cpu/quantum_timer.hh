#pragma once
// The kick that bounds a quantum: a POSIX timer on CLOCK_MONOTONIC that
// signals the vCPU thread. The signal is blocked in the thread and unblocked
// only inside KVM_RUN (KVM_SET_SIGNAL_MASK), so a kick cannot be lost between
// "decide to enter" and "entered": it interrupts the next entry instead.
#include <signal.h>
#include <time.h>

#include <cstdint>

namespace kx {

class Vcpu;

// The kick's signal (a real-time signal): sent by the timer, or by another
// thread to end a vCPU's KVM_RUN at once.
int kickSignal();

// clock_getres(CLOCK_MONOTONIC) in ns (at least 1): the finest expiry the timer honours.
uint64_t monotonicResolutionNs();

class QuantumTimer {
 public:
  // Installs the handler and the masks for the calling thread and `vcpu`.
  explicit QuantumTimer(Vcpu& vcpu);
  ~QuantumTimer();
  QuantumTimer(const QuantumTimer&) = delete;
  QuantumTimer& operator=(const QuantumTimer&) = delete;

  // One expiry `ns` from now. A kick left over from an earlier quantum (fired
  // while the vCPU was outside KVM_RUN) is discarded first, so it cannot cut
  // the new quantum short. `replacing`: an earlier expiry may still be armed.
  void arm(uint64_t ns, bool replacing);
  void disarm();
  // The clock's resolution (clock_getres), as gem5 takes it: quanta below
  // it are raised to it.
  uint64_t resolutionNs() const { return resolutionNs_; }

 private:
  void discardPending();
  timer_t timer_{};
  uint64_t resolutionNs_ = 1;
  sigset_t kickOnly_{};
};

}  // namespace kx
