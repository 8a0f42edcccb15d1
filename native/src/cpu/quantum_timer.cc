#include "cpu/quantum_timer.hh"

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "sim/core_error.hh"
#include "kvm/vcpu.hh"

namespace kx {

namespace {
void ignoreKick(int) {}  // the kick's only job is to make KVM_RUN return EINTR
}  // namespace

int kickSignal() { return SIGRTMIN + 1; }

uint64_t monotonicResolutionNs() {
  timespec res{};
  clock_getres(CLOCK_MONOTONIC, &res);
  uint64_t ns = static_cast<uint64_t>(res.tv_sec) * 1000000000ull + static_cast<uint64_t>(res.tv_nsec);
  return ns == 0 ? 1 : ns;
}

QuantumTimer::QuantumTimer(Vcpu& vcpu) {
  int signo = kickSignal();
  struct sigaction action{};
  action.sa_handler = ignoreKick;
  sigemptyset(&action.sa_mask);
  if (sigaction(signo, &action, nullptr) < 0) throw CoreError("timer", errnoMessage("sigaction for the kick signal", errno));

  sigemptyset(&kickOnly_);
  sigaddset(&kickOnly_, signo);
  sigset_t current;
  pthread_sigmask(SIG_BLOCK, &kickOnly_, &current);
  // Inside KVM_RUN: the thread's mask, minus the kick.
  sigdelset(&current, signo);
  vcpu.setSignalMask(current);

  sigevent event{};
  event.sigev_notify = SIGEV_THREAD_ID;
  event.sigev_signo = signo;
  event._sigev_un._tid = static_cast<pid_t>(::syscall(SYS_gettid));
  if (timer_create(CLOCK_MONOTONIC, &event, &timer_) < 0)
    throw CoreError("timer", errnoMessage("timer_create(CLOCK_MONOTONIC)", errno));
  resolutionNs_ = monotonicResolutionNs();
}

QuantumTimer::~QuantumTimer() {
  timer_delete(timer_);
  discardPending();
}

void QuantumTimer::arm(uint64_t ns, bool replacing) {
  // Stop the old expiry before discarding, and discard before arming: a
  // discard after arming could swallow the new kick of a short quantum.
  if (replacing) disarm();
  else discardPending();
  if (ns < resolutionNs_) ns = resolutionNs_;
  itimerspec spec{};
  spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000ull);
  spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000ull);
  timer_settime(timer_, 0, &spec, nullptr);
}

void QuantumTimer::disarm() {
  itimerspec spec{};
  timer_settime(timer_, 0, &spec, nullptr);
  discardPending();
}

void QuantumTimer::discardPending() {
  timespec zero{};
  while (sigtimedwait(&kickOnly_, nullptr, &zero) > 0) {
  }
}

}  // namespace kx
