// The process itself: exit, identity, limits, the thread's FS/GS bases and
// futexes, uname/sysinfo/getrusage, and the seeded randomness.
#include <sys/resource.h>
#include <sys/sysinfo.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "se/guest_io.hh"
#include "se/syscall_handlers.hh"
#include "sim/core_error.hh"

namespace kx::se {
namespace {

SyscallOutcome ret(int64_t value) { return SyscallOutcome::returning(value); }

bool isSelf(const ProcessState& p, uint64_t pidArg) {
  int pid = intArg(pidArg);
  return pid == 0 || pid == p.config.pid;
}

// prlimit64 and its older forms: `next` (may be null) replaces the limit
// after `previous` (may be null) receives the old one.
int64_t changeLimit(ProcessState& p, unsigned resource, const abi::Rlimit* next, abi::Rlimit* previous) {
  if (resource >= static_cast<unsigned>(abi::kRlimitCount)) return -EINVAL;
  abi::Rlimit& limit = p.limits[resource];
  if (previous) *previous = limit;
  if (next) {
    if (next->cur > next->max) return -EINVAL;
    if (next->max > limit.max) return -EPERM;  // raising a hard limit needs CAP_SYS_RESOURCE
    limit = *next;
    if (resource == RLIMIT_NOFILE) p.fds.setLimit(static_cast<int>(std::min<uint64_t>(limit.cur, FdTable::kDefaultLimit)));
  }
  return 0;
}

}  // namespace

SyscallOutcome sysExit(ProcessState&, const SyscallRequest& r) {
  return SyscallOutcome::exiting(intArg(r.args[0]) & 0xff);
}

SyscallOutcome sysGetpid(ProcessState& p, const SyscallRequest&) { return ret(p.config.pid); }
SyscallOutcome sysGetppid(ProcessState& p, const SyscallRequest&) { return ret(p.config.ppid); }
SyscallOutcome sysGetuid(ProcessState& p, const SyscallRequest&) { return ret(p.config.uid); }
SyscallOutcome sysGetgid(ProcessState& p, const SyscallRequest&) { return ret(p.config.gid); }

// The integrator loads FS/GS from the outcome; ARCH_GET_* answer what was last set here.
SyscallOutcome sysArchPrctl(ProcessState& p, const SyscallRequest& r) {
  constexpr int kSetGs = 0x1001, kSetFs = 0x1002, kGetFs = 0x1003, kGetGs = 0x1004, kGetCpuid = 0x1011;
  uint64_t addr = r.args[1];
  switch (intArg(r.args[0])) {
    case kSetFs:
    case kSetGs: {
      if (addr >= abi::kTaskSizeMax) return ret(-EPERM);
      SyscallOutcome outcome = ret(0);
      if (intArg(r.args[0]) == kSetFs) outcome.fsBase = p.fsBase = addr;
      else outcome.gsBase = p.gsBase = addr;
      return outcome;
    }
    case kGetFs:
    case kGetGs: {
      uint64_t base = intArg(r.args[0]) == kGetFs ? p.fsBase : p.gsBase;
      return ret(writeGuest(p.memory, addr, base) ? 0 : -EFAULT);
    }
    case kGetCpuid:
      return ret(1);  // CPUID does not fault
    default:
      return ret(-EINVAL);  // CET, shadow stacks, CPUID faulting, vDSO placement: not offered
  }
}

SyscallOutcome sysSetTidAddress(ProcessState& p, const SyscallRequest& r) {
  p.clearChildTid = r.args[0];
  return ret(p.config.pid);
}

SyscallOutcome sysSetRobustList(ProcessState& p, const SyscallRequest& r) {
  constexpr uint64_t kRobustListHeadSize = 24;
  if (r.args[1] != kRobustListHeadSize) return ret(-EINVAL);
  p.robustList = r.args[0];
  return ret(0);
}

// Restartable sequences need the kernel to rewrite the guest's registers on
// preemption. ENOSYS is what a kernel without them says, and glibc (2.35+)
// then runs without rseq: any failure of its registration is tolerated.
SyscallOutcome sysRseq(ProcessState&, const SyscallRequest&) { return ret(-ENOSYS); }

SyscallOutcome sysPrlimit64(ProcessState& p, const SyscallRequest& r) {
  if (!isSelf(p, r.args[0])) return ret(-ESRCH);
  abi::Rlimit next{}, previous{};
  if (r.args[2] != 0 && !readGuest(p.memory, r.args[2], next)) return ret(-EFAULT);
  int64_t err = changeLimit(p, static_cast<uint32_t>(r.args[1]), r.args[2] ? &next : nullptr, &previous);
  if (err) return ret(err);
  if (r.args[3] != 0 && !writeGuest(p.memory, r.args[3], previous)) return ret(-EFAULT);
  return ret(0);
}

SyscallOutcome sysGetrlimit(ProcessState& p, const SyscallRequest& r) {
  abi::Rlimit limit{};
  if (int64_t err = changeLimit(p, static_cast<uint32_t>(r.args[0]), nullptr, &limit)) return ret(err);
  return ret(writeGuest(p.memory, r.args[1], limit) ? 0 : -EFAULT);
}

SyscallOutcome sysSetrlimit(ProcessState& p, const SyscallRequest& r) {
  abi::Rlimit next{};
  if (!readGuest(p.memory, r.args[1], next)) return ret(-EFAULT);
  return ret(changeLimit(p, static_cast<uint32_t>(r.args[0]), &next, nullptr));
}

SyscallOutcome sysUname(ProcessState& p, const SyscallRequest& r) {
  char fields[6][65] = {};  // struct utsname: six NUL-terminated fields
  const UnameFields& u = p.config.uname;
  const std::string* values[6] = {&u.sysname, &u.nodename, &u.release, &u.version, &u.machine, &u.domainname};
  for (int i = 0; i < 6; ++i) std::memcpy(fields[i], values[i]->data(), std::min<size_t>(values[i]->size(), 64));
  return ret(writeGuest(p.memory, r.args[0], fields) ? 0 : -EFAULT);
}

SyscallOutcome sysSysinfo(ProcessState& p, const SyscallRequest& r) {
  struct sysinfo info {};
  static_assert(sizeof info == 112, "the host's struct sysinfo is x86-64 Linux's");
  info.uptime = static_cast<long>(p.nowNs() / 1000000000);
  info.totalram = p.config.memoryBytes;
  info.freeram = p.config.memoryBytes - std::min(p.config.memoryBytes, p.memory.mappedBytes());
  info.procs = 1;
  info.mem_unit = 1;
  return ret(writeGuest(p.memory, r.args[0], info) ? 0 : -EFAULT);
}

// The guest's CPU time is its simulated time, all of it user time.
SyscallOutcome sysGetrusage(ProcessState& p, const SyscallRequest& r) {
  int who = intArg(r.args[0]);
  if (who != RUSAGE_SELF && who != RUSAGE_THREAD && who != RUSAGE_CHILDREN) return ret(-EINVAL);
  struct rusage usage {};
  static_assert(sizeof usage == 144, "the host's struct rusage is x86-64 Linux's");
  if (who != RUSAGE_CHILDREN) {
    uint64_t ns = p.nowNs();
    usage.ru_utime.tv_sec = static_cast<time_t>(ns / 1000000000);
    usage.ru_utime.tv_usec = static_cast<suseconds_t>(ns % 1000000000 / 1000);
    usage.ru_maxrss = static_cast<long>(p.memory.peakMappedBytes() / 1024);
  }
  return ret(writeGuest(p.memory, r.args[1], usage) ? 0 : -EFAULT);
}

SyscallOutcome sysUmask(ProcessState& p, const SyscallRequest& r) {
  unsigned old = p.umask;
  p.umask = static_cast<unsigned>(r.args[0]) & 0777;
  return ret(old);
}

// One CPU: a mask with bit 0, of the size Linux reports for nr_cpu_ids = 1.
SyscallOutcome sysSchedGetaffinity(ProcessState& p, const SyscallRequest& r) {
  if (!isSelf(p, r.args[0])) return ret(-ESRCH);
  auto len = static_cast<uint32_t>(r.args[1]);
  if (len == 0 || (len & 7)) return ret(-EINVAL);
  const uint64_t mask = 1;
  return ret(writeGuest(p.memory, r.args[2], mask) ? 8 : -EFAULT);
}

SyscallOutcome sysSchedYield(ProcessState&, const SyscallRequest&) { return ret(0); }

SyscallOutcome sysGetrandom(ProcessState& p, const SyscallRequest& r) {
  constexpr uint32_t kNonblock = 1, kRandom = 2, kInsecure = 4;
  auto flags = static_cast<uint32_t>(r.args[2]);
  if ((flags & ~(kNonblock | kRandom | kInsecure)) || (flags & (kRandom | kInsecure)) == (kRandom | kInsecure))
    return ret(-EINVAL);
  uint64_t va = r.args[0], len = std::min(r.args[1], kMaxRwCount);
  if (!inUserSpace(va, len)) return ret(-EFAULT);
  uint64_t done = 0;
  while (done < len) {
    uint64_t want = std::min(len - done, kChunk);
    uint64_t room = writablePrefix(p.memory, va + done, want, p.bounce.data());
    if (room == 0) break;
    p.random.fill(p.bounce.data(), room);  // only what is delivered: the stream stays the same per seed
    p.memory.copyOut(va + done, p.bounce.data(), room);
    done += room;
    if (room < want) break;
  }
  return ret(done > 0 || len == 0 ? static_cast<int64_t>(done) : -EFAULT);
}

// One thread: a wake finds no waiter, and a wait that would sleep sleeps
// forever, or until its timeout.
SyscallOutcome sysFutex(ProcessState& p, const SyscallRequest& r) {
  constexpr int kWait = 0, kWake = 1, kRequeue = 3, kCmpRequeue = 4, kWaitBitset = 9, kWakeBitset = 10;
  constexpr int kPrivate = 128, kClockRealtime = 256;
  uint64_t uaddr = r.args[0];
  int op = intArg(r.args[1]);
  int cmd = op & ~(kPrivate | kClockRealtime);
  auto val = static_cast<uint32_t>(r.args[2]);
  auto val3 = static_cast<uint32_t>(r.args[5]);
  if ((op & kClockRealtime) && cmd != kWait && cmd != kWaitBitset) return ret(-ENOSYS);
  switch (cmd) {
    case kWait:
    case kWaitBitset: {
      int64_t timeoutNs = -1;
      if (r.args[3] != 0) {
        abi::Timespec t{};
        if (!readGuest(p.memory, r.args[3], t)) return ret(-EFAULT);
        if (t.sec < 0 || t.nsec < 0 || t.nsec >= 1000000000) return ret(-EINVAL);
        timeoutNs = t.sec > INT64_MAX / 1000000000 - 1 ? INT64_MAX : t.sec * 1000000000 + t.nsec;
        if (cmd == kWaitBitset) {  // an absolute time on CLOCK_MONOTONIC, or CLOCK_REALTIME when asked
          auto now = static_cast<int64_t>(p.nowNs()) + ((op & kClockRealtime) ? p.config.realtimeEpochNs : 0);
          if (__builtin_sub_overflow(timeoutNs, now, &timeoutNs)) timeoutNs = INT64_MAX;
          timeoutNs = std::max<int64_t>(timeoutNs, 0);
        }
      }
      if (cmd == kWaitBitset && val3 == 0) return ret(-EINVAL);
      if (uaddr & 3) return ret(-EINVAL);
      uint32_t current = 0;
      if (!readGuest(p.memory, uaddr, current)) return ret(-EFAULT);
      if (current != val) return ret(-EAGAIN);
      if (timeoutNs < 0) return blocksForever("futex wait on " + hex(uaddr) + " (value " + std::to_string(val) + ")");
      return timeoutNs == 0 ? ret(-ETIMEDOUT) : SyscallOutcome::sleeping(static_cast<uint64_t>(timeoutNs), -ETIMEDOUT);
    }
    case kWake:
    case kWakeBitset:
    case kRequeue:
      if (cmd == kWakeBitset && val3 == 0) return ret(-EINVAL);
      return ret(uaddr & 3 ? -EINVAL : 0);
    case kCmpRequeue: {
      uint32_t current = 0;
      if (uaddr & 3) return ret(-EINVAL);
      if (!readGuest(p.memory, uaddr, current)) return ret(-EFAULT);
      return ret(current == val3 ? 0 : -EAGAIN);
    }
    default:
      return ret(-ENOSYS);  // priority inheritance and WAKE_OP: what a kernel without them says
  }
}

}  // namespace kx::se
