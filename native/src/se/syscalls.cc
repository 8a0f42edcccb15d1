#include "se/syscalls.hh"

#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <unordered_map>

#include "se/syscall_handlers.hh"
#include "se/syscall_names.hh"
#include "se/syscall_trace.hh"

namespace kx::se {

SyscallOutcome SyscallOutcome::returning(int64_t value) {
  SyscallOutcome outcome;
  outcome.value = value;
  return outcome;
}

SyscallOutcome SyscallOutcome::exiting(int status) {
  SyscallOutcome outcome;
  outcome.action = Action::Exit;
  outcome.value = status;
  return outcome;
}

SyscallOutcome SyscallOutcome::sleeping(uint64_t ns, int64_t value) {
  SyscallOutcome outcome;
  outcome.action = Action::Sleep;
  outcome.sleepNs = ns;
  outcome.value = value;
  return outcome;
}

SyscallOutcome SyscallOutcome::stopping(std::string cause, std::string detail) {
  SyscallOutcome outcome;
  outcome.action = Action::Stop;
  outcome.cause = std::move(cause);
  outcome.detail = std::move(detail);
  return outcome;
}

SyscallOutcome blocksForever(const std::string& what) {
  return SyscallOutcome::stopping("guest-deadlock", what + " would block forever: the process has one thread");
}

namespace {

const std::unordered_map<uint64_t, Handler>& handlers() {
  static const std::unordered_map<uint64_t, Handler> table = {
      {SYS_read, sysRead},
      {SYS_write, sysWrite},
      {SYS_open, sysOpen},
      {SYS_close, sysClose},
      {SYS_stat, sysStat},
      {SYS_fstat, sysFstat},
      {SYS_lstat, sysLstat},
      {SYS_poll, sysPoll},
      {SYS_lseek, sysLseek},
      {SYS_mmap, sysMmap},
      {SYS_mprotect, sysMprotect},
      {SYS_munmap, sysMunmap},
      {SYS_brk, sysBrk},
      {SYS_rt_sigaction, sysRtSigaction},
      {SYS_rt_sigprocmask, sysRtSigprocmask},
      {SYS_ioctl, sysIoctl},
      {SYS_pread64, sysPread64},
      {SYS_pwrite64, sysPwrite64},
      {SYS_readv, sysReadv},
      {SYS_writev, sysWritev},
      {SYS_access, sysAccess},
      {SYS_pipe, sysPipe},
      {SYS_sched_yield, sysSchedYield},
      {SYS_mremap, sysMremap},
      {SYS_madvise, sysMadvise},
      {SYS_dup, sysDup},
      {SYS_dup2, sysDup2},
      {SYS_nanosleep, sysNanosleep},
      {SYS_getpid, sysGetpid},
      {SYS_exit, sysExit},
      {SYS_uname, sysUname},
      {SYS_fcntl, sysFcntl},
      {SYS_fsync, sysFsync},
      {SYS_fdatasync, sysFsync},
      {SYS_ftruncate, sysFtruncate},
      {SYS_getcwd, sysGetcwd},
      {SYS_chdir, sysChdir},
      {SYS_fchdir, sysFchdir},
      {SYS_rename, sysRename},
      {SYS_mkdir, sysMkdir},
      {SYS_rmdir, sysRmdir},
      {SYS_unlink, sysUnlink},
      {SYS_readlink, sysReadlink},
      {SYS_umask, sysUmask},
      {SYS_gettimeofday, sysGettimeofday},
      {SYS_getrlimit, sysGetrlimit},
      {SYS_getrusage, sysGetrusage},
      {SYS_sysinfo, sysSysinfo},
      {SYS_getuid, sysGetuid},
      {SYS_getgid, sysGetgid},
      {SYS_geteuid, sysGetuid},
      {SYS_getegid, sysGetgid},
      {SYS_getppid, sysGetppid},
      {SYS_sigaltstack, sysSigaltstack},
      {SYS_arch_prctl, sysArchPrctl},
      {SYS_setrlimit, sysSetrlimit},
      {SYS_gettid, sysGetpid},
      {SYS_time, sysTime},
      {SYS_futex, sysFutex},
      {SYS_sched_getaffinity, sysSchedGetaffinity},
      {SYS_getdents64, sysGetdents64},
      {SYS_set_tid_address, sysSetTidAddress},
      {SYS_clock_gettime, sysClockGettime},
      {SYS_clock_getres, sysClockGetres},
      {SYS_clock_nanosleep, sysClockNanosleep},
      {SYS_exit_group, sysExit},
      {SYS_openat, sysOpenat},
      {SYS_mkdirat, sysMkdirat},
      {SYS_newfstatat, sysNewfstatat},
      {SYS_unlinkat, sysUnlinkat},
      {SYS_renameat, sysRenameat},
      {SYS_readlinkat, sysReadlinkat},
      {SYS_faccessat, sysFaccessat},
      {SYS_ppoll, sysPpoll},
      {SYS_set_robust_list, sysSetRobustList},
      {SYS_dup3, sysDup3},
      {SYS_pipe2, sysPipe2},
      {SYS_prlimit64, sysPrlimit64},
      {SYS_renameat2, sysRenameat2},
      {SYS_getrandom, sysGetrandom},
      {SYS_statx, sysStatx},
      {SYS_rseq, sysRseq},
      {SYS_faccessat2, sysFaccessat2},
  };
  return table;
}

// Per-number call counts: numbers up to here are counted one by one, the
// rest (none of which Linux defines) together, so a guest cannot grow the table.
constexpr uint64_t kCountedNumbers = 1024;

}  // namespace

Syscalls::Syscalls(ProcessMemory& memory, const ProcessConfig& config, std::function<uint64_t()> nowNs)
    : state_(std::make_unique<ProcessState>(memory, config, std::move(nowNs))),
      perCall_(kCountedNumbers + 1) {
  if (!config.tracePath.empty()) trace_ = std::make_unique<SyscallTrace>(config.tracePath);
}

Syscalls::~Syscalls() = default;

SyscallOutcome Syscalls::handle(const SyscallRequest& request) {
  ++numSyscalls_;
  ++perCall_[std::min(request.nr, kCountedNumbers)];
  auto found = handlers().find(request.nr);
  SyscallOutcome outcome;
  if (found != handlers().end()) outcome = found->second(*state_, request);
  else if (state_->config.unsupportedReturnsEnosys) outcome = SyscallOutcome::returning(-ENOSYS);
  else
    outcome = SyscallOutcome::stopping("unsupported-syscall",
                                       syscallName(request.nr) + " (" + std::to_string(request.nr) + ")");
  if (trace_) trace_->record(state_->memory, request, outcome);
  return outcome;
}

void Syscalls::resetCounts() {
  std::fill(perCall_.begin(), perCall_.end(), 0);
  numSyscalls_ = 0;
  state_->bytesRead = state_->bytesWritten = 0;
}

std::vector<std::string> Syscalls::counterNames() {
  std::set<std::string> names;
  for (const auto& entry : handlers()) names.insert("syscall." + syscallName(entry.first));
  names.insert("syscall.unsupported");
  std::vector<std::string> out(names.begin(), names.end());
  out.push_back("bytesRead");
  out.push_back("bytesWritten");
  return out;
}

std::vector<std::pair<std::string, uint64_t>> Syscalls::counts() const {
  std::map<std::string, uint64_t> byName;
  // Calls without a handler (answered ENOSYS, or the one that stopped the run)
  // share one column, so that the columns are known before any run.
  for (uint64_t nr = 0; nr < kCountedNumbers; ++nr)
    if (perCall_[nr]) byName[handlers().count(nr) ? "syscall." + syscallName(nr) : "syscall.unsupported"] += perCall_[nr];
  if (perCall_[kCountedNumbers]) byName["syscall.unsupported"] += perCall_[kCountedNumbers];
  std::vector<std::pair<std::string, uint64_t>> out(byName.begin(), byName.end());
  out.emplace_back("bytesRead", state_->bytesRead);
  out.emplace_back("bytesWritten", state_->bytesWritten);
  return out;
}

void Syscalls::randomBytes(void* dst, size_t n) { state_->random.fill(dst, n); }

}  // namespace kx::se
