// Syscalls of the process: clocks follow simulated time, sleeps are Sleep
// outcomes, randomness follows the seed, FS/GS go to the integrator, and an
// unsupported call stops the run naming itself (or is ENOSYS).
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <algorithm>
#include <csignal>
#include <map>
#include <string>
#include <vector>

#include "se_test_support.hh"

namespace kx::test {
namespace {

using Action = se::SyscallOutcome::Action;
using se::abi::Timespec;

se::ProcessConfig quietConfig() {
  se::ProcessConfig config;
  config.realtimeEpochNs = 1700000000LL * 1000000000;
  return config;
}

TEST_CASE("syscalls: clock_gettime, gettimeofday and time follow nowNs") {
  Harness h(quietConfig());
  uint64_t ts = h.space(sizeof(Timespec));
  h.nowNs = 2500000123;
  CHECK(h.ret(SYS_clock_gettime, CLOCK_MONOTONIC, ts) == 0);
  CHECK(h.get<Timespec>(ts).sec == 2);
  CHECK(h.get<Timespec>(ts).nsec == 500000123);
  CHECK(h.ret(SYS_clock_gettime, CLOCK_REALTIME, ts) == 0);
  CHECK(h.get<Timespec>(ts).sec == 1700000002);
  CHECK(h.ret(SYS_clock_gettime, CLOCK_PROCESS_CPUTIME_ID, ts) == 0);
  CHECK(h.get<Timespec>(ts).sec == 2);
  CHECK(h.ret(SYS_clock_gettime, CLOCK_BOOTTIME, ts) == 0);
  CHECK(h.ret(SYS_clock_gettime, -6 /* this process's CPU clock, as clock_getcpuclockid(0) makes it */, ts) == 0);
  CHECK(h.ret(SYS_clock_gettime, 10, ts) == -EINVAL);
  CHECK(h.ret(SYS_clock_gettime, 12345, ts) == -EINVAL);
  CHECK(h.ret(SYS_clock_gettime, CLOCK_MONOTONIC, 0) == -EFAULT);
  h.nowNs = 3000000000;
  CHECK(h.ret(SYS_clock_gettime, CLOCK_MONOTONIC_COARSE, ts) == 0);
  CHECK(h.get<Timespec>(ts).sec == 3);
  CHECK(h.ret(SYS_clock_getres, CLOCK_MONOTONIC, ts) == 0);
  CHECK(h.get<Timespec>(ts).nsec == 1);
  CHECK(h.ret(SYS_time, 0) == 1700000003);
  uint64_t tv = h.space(16);
  CHECK(h.ret(SYS_gettimeofday, tv, 0) == 0);
  CHECK(h.get<se::abi::Timeval>(tv).sec == 1700000003);
}

TEST_CASE("syscalls: nanosleep and clock_nanosleep are Sleep outcomes of simulated time") {
  Harness h(quietConfig());
  Timespec req{1, 500};
  se::SyscallOutcome sleep = h.call(SYS_nanosleep, h.put(&req, sizeof req), 0);
  CHECK(sleep.action == Action::Sleep);
  CHECK(sleep.sleepNs == 1000000500);
  CHECK(sleep.value == 0);
  Timespec bad{0, 1000000000};
  CHECK(h.ret(SYS_nanosleep, h.put(&bad, sizeof bad), 0) == -EINVAL);
  CHECK(h.ret(SYS_nanosleep, 0, 0) == -EFAULT);
  Timespec zero{0, 0};
  CHECK(h.ret(SYS_nanosleep, h.put(&zero, sizeof zero), 0) == 0);
  // TIMER_ABSTIME: until the clock reads the time given.
  h.nowNs = 4000000000;
  Timespec until{5, 0};
  se::SyscallOutcome abs = h.call(SYS_clock_nanosleep, CLOCK_MONOTONIC, 1, h.put(&until, sizeof until), 0);
  CHECK(abs.action == Action::Sleep);
  CHECK(abs.sleepNs == 1000000000);
  Timespec past{3, 0};
  CHECK(h.ret(SYS_clock_nanosleep, CLOCK_MONOTONIC, 1, h.put(&past, sizeof past), 0) == 0);
  CHECK(h.ret(SYS_clock_nanosleep, CLOCK_THREAD_CPUTIME_ID, 0, h.put(&req, sizeof req), 0) == -EINVAL);
  CHECK(h.call(SYS_clock_nanosleep, CLOCK_REALTIME, 0, h.put(&req, sizeof req), 0).sleepNs == 1000000500);
}

TEST_CASE("syscalls: getrandom is the same for the same seed, different for another") {
  auto bytesFor = [](uint64_t seed) {
    se::ProcessConfig config = quietConfig();
    config.seed = seed;
    Harness h(config);
    uint64_t buf = h.space(64);
    CHECK(h.ret(SYS_getrandom, buf, 64, 0) == 64);
    uint8_t atRandom[16];
    h.calls->randomBytes(atRandom, sizeof atRandom);
    return h.memory.peek(buf, 64) + std::string(reinterpret_cast<char*>(atRandom), 16);
  };
  CHECK(bytesFor(7) == bytesFor(7));
  CHECK(bytesFor(7) != bytesFor(8));
  Harness h(quietConfig());
  CHECK(h.ret(SYS_getrandom, h.space(8), 8, 8) == -EINVAL);
  CHECK(h.ret(SYS_getrandom, h.space(8), 8, 2 | 4) == -EINVAL);
  CHECK(h.ret(SYS_getrandom, h.space(8), 0, 0) == 0);
}

TEST_CASE("syscalls: an unsupported call stops the run naming it, or is ENOSYS when asked") {
  Harness h(quietConfig());
  se::SyscallOutcome clone = h.call(SYS_clone, 0x11, 0);
  CHECK(clone.action == Action::Stop);
  CHECK(clone.cause == "unsupported-syscall");
  CHECK(clone.detail == "clone (56)");
  CHECK(h.call(SYS_execve).detail == "execve (59)");
  CHECK(h.call(SYS_fork).detail == "fork (57)");
  CHECK(h.call(99999).detail == "syscall_99999 (99999)");
  se::ProcessConfig config = quietConfig();
  config.unsupportedReturnsEnosys = true;
  Harness lenient(config);
  CHECK(lenient.ret(SYS_vfork) == -ENOSYS);
  CHECK(lenient.ret(~uint64_t{0}) == -ENOSYS);
  // rseq is served: ENOSYS is its answer, not a stop (glibc runs without it).
  CHECK(h.ret(SYS_rseq, h.space(32), 32, 0, 0x53053053) == -ENOSYS);
}

TEST_CASE("syscalls: counts name each served call made, lump the others, and count bytes moved") {
  Harness h(quietConfig());
  h.ret(SYS_write, 1, h.put("abc"), 3);
  h.ret(SYS_write, 1, h.put("de"), 2);
  h.ret(SYS_getpid);
  h.call(SYS_clone);
  h.call(5000);
  CHECK(h.calls->numSyscalls() == 5);
  std::map<std::string, uint64_t> counts;
  for (const auto& [name, n] : h.calls->counts()) counts[name] = n;
  CHECK(counts["syscall.write"] == 2);
  CHECK(counts["syscall.getpid"] == 1);
  // clone and an undefined number have no handler: one column for both, listed among counterNames().
  CHECK(counts.count("syscall.clone") == 0);
  CHECK(counts["syscall.unsupported"] == 2);
  std::vector<std::string> names = se::Syscalls::counterNames();
  for (const auto& [name, n] : counts) CHECK_MESSAGE(std::find(names.begin(), names.end(), name) != names.end(), name);
  CHECK(counts["bytesWritten"] == 5);
  CHECK(counts["bytesRead"] == 0);
}

TEST_CASE("syscalls: arch_prctl hands FS and GS to the integrator and answers what it set") {
  Harness h(quietConfig());
  se::SyscallOutcome set = h.call(SYS_arch_prctl, 0x1002, 0x7f0000001000);
  CHECK(set.action == Action::Return);
  CHECK(set.value == 0);
  REQUIRE(set.fsBase.has_value());
  CHECK(*set.fsBase == 0x7f0000001000);
  CHECK(!set.gsBase.has_value());
  se::SyscallOutcome gs = h.call(SYS_arch_prctl, 0x1001, 0x5000);
  REQUIRE(gs.gsBase.has_value());
  CHECK(*gs.gsBase == 0x5000);
  uint64_t out = h.space(8);
  CHECK(h.ret(SYS_arch_prctl, 0x1003, out) == 0);
  CHECK(h.get<uint64_t>(out) == 0x7f0000001000);
  CHECK(h.ret(SYS_arch_prctl, 0x1003, 0) == -EFAULT);
  CHECK(h.call(SYS_arch_prctl, 0x1002, uint64_t{1} << 47).value == -EPERM);  // not a user address
  CHECK(h.ret(SYS_arch_prctl, 0x3001, 0) == -EINVAL);  // ARCH_CET_STATUS: glibc copes
}

TEST_CASE("syscalls: futex on one thread: a mismatch is EAGAIN, a match waits forever or times out") {
  Harness h(quietConfig());
  uint32_t word = 5;
  uint64_t addr = h.put(&word, sizeof word);
  CHECK(h.ret(SYS_futex, addr, 0 | 128, 4) == -EAGAIN);
  se::SyscallOutcome stuck = h.call(SYS_futex, addr, 0 | 128, 5);
  CHECK(stuck.action == Action::Stop);
  CHECK(stuck.cause == "guest-deadlock");
  CHECK(stuck.detail.find("futex wait") != std::string::npos);
  Timespec timeout{0, 1000};
  se::SyscallOutcome timed = h.call(SYS_futex, addr, 0, 5, h.put(&timeout, sizeof timeout));
  CHECK(timed.action == Action::Sleep);
  CHECK(timed.sleepNs == 1000);
  CHECK(timed.value == -ETIMEDOUT);
  CHECK(h.ret(SYS_futex, addr, 1 | 128, 1) == 0);
  CHECK(h.ret(SYS_futex, addr + 1, 0, 5) == -EINVAL);
  CHECK(h.ret(SYS_futex, 0x10, 0, 5) == -EFAULT);
  CHECK(h.ret(SYS_futex, addr, 9, 5, 0, 0, 0) == -EINVAL);  // WAIT_BITSET with an empty bitset
  CHECK(h.ret(SYS_futex, addr, 6 /* LOCK_PI */, 0) == -ENOSYS);
}

TEST_CASE("syscalls: signal dispositions and masks are recorded and handed back") {
  Harness h(quietConfig());
  se::abi::KernelSigaction act{0x401000, 0x04000000, 0x402000, (uint64_t{1} << (SIGKILL - 1)) | 1};
  uint64_t old = h.space(sizeof act);
  CHECK(h.ret(SYS_rt_sigaction, SIGINT, h.put(&act, sizeof act), old, 8) == 0);
  CHECK(h.get<se::abi::KernelSigaction>(old).handler == 0);
  CHECK(h.ret(SYS_rt_sigaction, SIGINT, 0, old, 8) == 0);
  CHECK(h.get<se::abi::KernelSigaction>(old).handler == 0x401000);
  CHECK(h.get<se::abi::KernelSigaction>(old).mask == 1);  // SIGKILL cannot be blocked
  CHECK(h.ret(SYS_rt_sigaction, SIGKILL, h.put(&act, sizeof act), 0, 8) == -EINVAL);
  CHECK(h.ret(SYS_rt_sigaction, 65, 0, 0, 8) == -EINVAL);
  CHECK(h.ret(SYS_rt_sigaction, SIGINT, 0, 0, 4) == -EINVAL);
  uint64_t set = uint64_t{1} << (SIGUSR1 - 1);
  uint64_t oldMask = h.space(8);
  CHECK(h.ret(SYS_rt_sigprocmask, SIG_BLOCK, h.put(&set, 8), 0, 8) == 0);
  CHECK(h.ret(SYS_rt_sigprocmask, SIG_SETMASK, 0, oldMask, 8) == 0);
  CHECK(h.get<uint64_t>(oldMask) == set);
  CHECK(h.ret(SYS_rt_sigprocmask, 7, h.put(&set, 8), 0, 8) == -EINVAL);
  se::abi::StackT stack{0x700000, 0, 0, 1024};
  CHECK(h.ret(SYS_sigaltstack, h.put(&stack, sizeof stack), 0) == -ENOMEM);
  stack.size = 65536;
  uint64_t oldStack = h.space(sizeof stack);
  CHECK(h.ret(SYS_sigaltstack, h.put(&stack, sizeof stack), oldStack) == 0);
  CHECK(h.get<se::abi::StackT>(oldStack).flags == 2);  // SS_DISABLE: there was none
  CHECK(h.ret(SYS_sigaltstack, 0, oldStack) == 0);
  CHECK(h.get<se::abi::StackT>(oldStack).size == 65536);
}

TEST_CASE("syscalls: identity, limits, uname, affinity and exit") {
  se::ProcessConfig config = quietConfig();
  config.uname.release = "6.9.9-test";
  Harness h(config);
  CHECK(h.ret(SYS_getpid) == 1000);
  CHECK(h.ret(SYS_gettid) == 1000);
  CHECK(h.ret(SYS_getppid) == 1);
  CHECK(h.ret(SYS_getuid) == 1000);
  CHECK(h.ret(SYS_getegid) == 1000);
  CHECK(h.ret(SYS_set_tid_address, 0x1234) == 1000);
  CHECK(h.ret(SYS_set_robust_list, 0x1000, 24) == 0);
  CHECK(h.ret(SYS_set_robust_list, 0x1000, 16) == -EINVAL);
  uint64_t uts = h.space(390);
  CHECK(h.ret(SYS_uname, uts) == 0);
  CHECK(h.memory.peek(uts, 6) == std::string("Linux\0", 6));
  CHECK(h.memory.peek(uts + 65, 9) == std::string("kx-guest\0", 9));
  CHECK(h.memory.peek(uts + 130, 11) == std::string("6.9.9-test\0", 11));
  CHECK(h.memory.peek(uts + 260, 7) == std::string("x86_64\0", 7));
  uint64_t lim = h.space(16);
  CHECK(h.ret(SYS_prlimit64, 0, RLIMIT_STACK, 0, lim) == 0);
  CHECK(h.get<se::abi::Rlimit>(lim).cur == 8 << 20);
  CHECK(h.ret(SYS_getrlimit, RLIMIT_NOFILE, lim) == 0);
  CHECK(h.get<se::abi::Rlimit>(lim).cur == 1024);
  CHECK(h.ret(SYS_prlimit64, 4242, RLIMIT_STACK, 0, lim) == -ESRCH);
  CHECK(h.ret(SYS_getrlimit, 16, lim) == -EINVAL);
  se::abi::Rlimit inverted{10, 5};
  CHECK(h.ret(SYS_setrlimit, RLIMIT_STACK, h.put(&inverted, 16)) == -EINVAL);
  uint64_t mask = h.space(128);
  CHECK(h.ret(SYS_sched_getaffinity, 0, 128, mask) == 8);
  CHECK(h.get<uint64_t>(mask) == 1);
  CHECK(h.ret(SYS_sched_getaffinity, 0, 4, mask) == -EINVAL);
  CHECK(h.ret(SYS_umask, 077) == 022);
  CHECK(h.ret(SYS_umask, 022) == 077);
  CHECK(h.ret(SYS_sysinfo, h.space(112)) == 0);
  CHECK(h.ret(SYS_getrusage, RUSAGE_SELF, h.space(144)) == 0);
  CHECK(h.ret(SYS_getrusage, 5, h.space(144)) == -EINVAL);
  se::SyscallOutcome exit = h.call(SYS_exit_group, 0x1ff);
  CHECK(exit.action == Action::Exit);
  CHECK(exit.value == 0xff);
}

}  // namespace
}  // namespace kx::test
