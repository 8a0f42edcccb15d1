// Clocks read simulated time: nowNs() since the start for the monotonic and
// CPU-time clocks, plus the configured epoch for the wall clocks. Nothing of
// the host's time reaches the guest. A sleep is a Sleep outcome: the
// integrator skips that much simulated time.
#include <cerrno>

#include "se/guest_io.hh"
#include "se/syscall_handlers.hh"

namespace kx::se {
namespace {

constexpr int64_t kNsPerSec = 1000000000;

SyscallOutcome ret(int64_t value) { return SyscallOutcome::returning(value); }

enum class Clock { Wall, Monotonic, ProcessCpu, ThreadCpu, Invalid };

Clock classify(const ProcessState& p, int id) {
  switch (id) {
    case 0:   // CLOCK_REALTIME
    case 5:   // CLOCK_REALTIME_COARSE
    case 8:   // CLOCK_REALTIME_ALARM
    case 11:  // CLOCK_TAI: Linux's TAI offset is 0 until NTP sets it
      return Clock::Wall;
    case 1:  // CLOCK_MONOTONIC
    case 4:  // CLOCK_MONOTONIC_RAW
    case 6:  // CLOCK_MONOTONIC_COARSE
    case 7:  // CLOCK_BOOTTIME
    case 9:  // CLOCK_BOOTTIME_ALARM
      return Clock::Monotonic;
    case 2:
      return Clock::ProcessCpu;
    case 3:
      return Clock::ThreadCpu;
    default:
      break;
  }
  if (id >= 0) return Clock::Invalid;
  // A CPU clock by pid, as clock_getcpuclockid makes them: ~pid << 3, bit 2
  // for a thread, then the kind (3 is an fd clock, not a CPU clock).
  int pid = ~(id >> 3);
  if ((id & 3) == 3 || (pid != 0 && pid != p.config.pid)) return Clock::Invalid;
  return (id & 4) ? Clock::ThreadCpu : Clock::ProcessCpu;
}

int64_t clockNs(const ProcessState& p, Clock clock) {
  auto now = static_cast<int64_t>(p.nowNs());
  return clock == Clock::Wall ? p.config.realtimeEpochNs + now : now;
}

abi::Timespec toTimespec(int64_t ns) {
  int64_t sec = ns / kNsPerSec, rest = ns % kNsPerSec;
  if (rest < 0) {  // before 1970: seconds round down, nanoseconds stay positive
    --sec;
    rest += kNsPerSec;
  }
  return {sec, rest};
}

// A guest timespec as ns: false when Linux would refuse it (EINVAL).
bool fromTimespec(const abi::Timespec& t, int64_t& ns) {
  if (t.sec < 0 || t.nsec < 0 || t.nsec >= kNsPerSec) return false;
  ns = t.sec > (INT64_MAX - t.nsec) / kNsPerSec ? INT64_MAX : t.sec * kNsPerSec + t.nsec;
  return true;
}

SyscallOutcome sleepFor(int64_t ns) {
  return ns <= 0 ? ret(0) : SyscallOutcome::sleeping(static_cast<uint64_t>(ns), 0);
}

}  // namespace

SyscallOutcome sysClockGettime(ProcessState& p, const SyscallRequest& r) {
  Clock clock = classify(p, intArg(r.args[0]));
  if (clock == Clock::Invalid) return ret(-EINVAL);
  return ret(writeGuest(p.memory, r.args[1], toTimespec(clockNs(p, clock))) ? 0 : -EFAULT);
}

// Every clock here is exact to the nanosecond, the coarse ones too.
SyscallOutcome sysClockGetres(ProcessState& p, const SyscallRequest& r) {
  if (classify(p, intArg(r.args[0])) == Clock::Invalid) return ret(-EINVAL);
  if (r.args[1] != 0 && !writeGuest(p.memory, r.args[1], abi::Timespec{0, 1})) return ret(-EFAULT);
  return ret(0);
}

SyscallOutcome sysGettimeofday(ProcessState& p, const SyscallRequest& r) {
  if (r.args[0] != 0) {
    abi::Timespec now = toTimespec(clockNs(p, Clock::Wall));
    if (!writeGuest(p.memory, r.args[0], abi::Timeval{now.sec, now.nsec / 1000})) return ret(-EFAULT);
  }
  const int32_t utcZone[2] = {0, 0};  // struct timezone: minutes west, no DST
  if (r.args[1] != 0 && !writeGuest(p.memory, r.args[1], utcZone)) return ret(-EFAULT);
  return ret(0);
}

SyscallOutcome sysTime(ProcessState& p, const SyscallRequest& r) {
  int64_t seconds = toTimespec(clockNs(p, Clock::Wall)).sec;
  if (r.args[0] != 0 && !writeGuest(p.memory, r.args[0], seconds)) return ret(-EFAULT);
  return ret(seconds);
}

SyscallOutcome sysNanosleep(ProcessState& p, const SyscallRequest& r) {
  abi::Timespec request{};
  if (!readGuest(p.memory, r.args[0], request)) return ret(-EFAULT);
  int64_t ns;
  if (!fromTimespec(request, ns)) return ret(-EINVAL);
  return sleepFor(ns);
}

SyscallOutcome sysClockNanosleep(ProcessState& p, const SyscallRequest& r) {
  int id = intArg(r.args[0]);
  Clock clock = classify(p, id);
  if (clock == Clock::Invalid || clock == Clock::ThreadCpu) return ret(-EINVAL);
  if (id == 4 || id == 5 || id == 6) return ret(-EOPNOTSUPP);  // raw and coarse clocks have no sleep in Linux
  abi::Timespec request{};
  if (!readGuest(p.memory, r.args[2], request)) return ret(-EFAULT);
  int64_t ns;
  if (!fromTimespec(request, ns)) return ret(-EINVAL);
  constexpr uint64_t kTimerAbstime = 1;
  int64_t wait = ns;
  if ((r.args[1] & kTimerAbstime) && __builtin_sub_overflow(ns, clockNs(p, clock), &wait)) wait = INT64_MAX;
  return sleepFor(wait);
}

}  // namespace kx::se
