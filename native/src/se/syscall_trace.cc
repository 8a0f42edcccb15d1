#include "se/syscall_trace.hh"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstring>
#include <initializer_list>
#include <unordered_map>
#include <vector>

#include "se/guest_io.hh"
#include "se/linux_abi.hh"
#include "se/syscall_names.hh"
#include "sim/core_error.hh"

namespace kx::se {
namespace {

enum class Arg : uint8_t {
  Int, UInt, Hex, Oct, Ptr,
  Fd, DirFd,
  Path,        // a NUL-terminated string
  InBuf,       // bytes, as many as the next argument says
  OutBuf,      // bytes the call wrote, as many as it returned
  OutString,   // getcwd's string, its length (with the NUL) returned
  OpenFlags,
  CreateMode,  // shown only when the flags before it create a file, as strace does
  Prot, MapFlags, AtFlags, Clock, Whence, FcntlCmd, FutexOp, ArchCode, Signal,
  Timespec,    // a pointer to one
};

struct Spec {
  std::vector<Arg> args;
  bool hexResult = false;
};

const std::unordered_map<uint64_t, Spec>& specs() {
  using A = Arg;
  static const std::unordered_map<uint64_t, Spec> table = {
      {SYS_read, {{A::Fd, A::OutBuf, A::UInt}}},
      {SYS_write, {{A::Fd, A::InBuf, A::UInt}}},
      {SYS_open, {{A::Path, A::OpenFlags, A::CreateMode}}},
      {SYS_close, {{A::Fd}}},
      {SYS_stat, {{A::Path, A::Ptr}}},
      {SYS_fstat, {{A::Fd, A::Ptr}}},
      {SYS_lstat, {{A::Path, A::Ptr}}},
      {SYS_poll, {{A::Ptr, A::UInt, A::Int}}},
      {SYS_lseek, {{A::Fd, A::Int, A::Whence}}},
      {SYS_mmap, {{A::Ptr, A::UInt, A::Prot, A::MapFlags, A::Fd, A::Hex}, true}},
      {SYS_mprotect, {{A::Ptr, A::UInt, A::Prot}}},
      {SYS_munmap, {{A::Ptr, A::UInt}}},
      {SYS_brk, {{A::Ptr}, true}},
      {SYS_rt_sigaction, {{A::Signal, A::Ptr, A::Ptr, A::UInt}}},
      {SYS_rt_sigprocmask, {{A::Int, A::Ptr, A::Ptr, A::UInt}}},
      {SYS_ioctl, {{A::Fd, A::Hex, A::Hex}}},
      {SYS_pread64, {{A::Fd, A::OutBuf, A::UInt, A::Int}}},
      {SYS_pwrite64, {{A::Fd, A::InBuf, A::UInt, A::Int}}},
      {SYS_readv, {{A::Fd, A::Ptr, A::Int}}},
      {SYS_writev, {{A::Fd, A::Ptr, A::Int}}},
      {SYS_access, {{A::Path, A::Int}}},
      {SYS_pipe, {{A::Ptr}}},
      {SYS_sched_yield, {{}}},
      {SYS_mremap, {{A::Ptr, A::UInt, A::UInt, A::Hex, A::Ptr}, true}},
      {SYS_madvise, {{A::Ptr, A::UInt, A::Int}}},
      {SYS_dup, {{A::Fd}}},
      {SYS_dup2, {{A::Fd, A::Fd}}},
      {SYS_nanosleep, {{A::Timespec, A::Ptr}}},
      {SYS_getpid, {{}}},
      {SYS_exit, {{A::Int}}},
      {SYS_uname, {{A::Ptr}}},
      {SYS_fcntl, {{A::Fd, A::FcntlCmd, A::Hex}}},
      {SYS_fsync, {{A::Fd}}},
      {SYS_fdatasync, {{A::Fd}}},
      {SYS_ftruncate, {{A::Fd, A::Int}}},
      {SYS_getcwd, {{A::OutString, A::UInt}}},
      {SYS_chdir, {{A::Path}}},
      {SYS_fchdir, {{A::Fd}}},
      {SYS_rename, {{A::Path, A::Path}}},
      {SYS_mkdir, {{A::Path, A::Oct}}},
      {SYS_rmdir, {{A::Path}}},
      {SYS_unlink, {{A::Path}}},
      {SYS_readlink, {{A::Path, A::OutBuf, A::UInt}}},
      {SYS_umask, {{A::Oct}}},
      {SYS_gettimeofday, {{A::Ptr, A::Ptr}}},
      {SYS_getrlimit, {{A::Int, A::Ptr}}},
      {SYS_getrusage, {{A::Int, A::Ptr}}},
      {SYS_sysinfo, {{A::Ptr}}},
      {SYS_getuid, {{}}},
      {SYS_getgid, {{}}},
      {SYS_geteuid, {{}}},
      {SYS_getegid, {{}}},
      {SYS_getppid, {{}}},
      {SYS_sigaltstack, {{A::Ptr, A::Ptr}}},
      {SYS_arch_prctl, {{A::ArchCode, A::Hex}}},
      {SYS_setrlimit, {{A::Int, A::Ptr}}},
      {SYS_gettid, {{}}},
      {SYS_time, {{A::Ptr}}},
      {SYS_futex, {{A::Ptr, A::FutexOp, A::UInt, A::Ptr, A::Ptr, A::UInt}}},
      {SYS_sched_getaffinity, {{A::Int, A::UInt, A::Ptr}}},
      {SYS_getdents64, {{A::Fd, A::Ptr, A::UInt}}},
      {SYS_set_tid_address, {{A::Ptr}}},
      {SYS_clock_gettime, {{A::Clock, A::Ptr}}},
      {SYS_clock_getres, {{A::Clock, A::Ptr}}},
      {SYS_clock_nanosleep, {{A::Clock, A::Int, A::Timespec, A::Ptr}}},
      {SYS_exit_group, {{A::Int}}},
      {SYS_openat, {{A::DirFd, A::Path, A::OpenFlags, A::CreateMode}}},
      {SYS_mkdirat, {{A::DirFd, A::Path, A::Oct}}},
      {SYS_newfstatat, {{A::DirFd, A::Path, A::Ptr, A::AtFlags}}},
      {SYS_unlinkat, {{A::DirFd, A::Path, A::Hex}}},
      {SYS_renameat, {{A::DirFd, A::Path, A::DirFd, A::Path}}},
      {SYS_readlinkat, {{A::DirFd, A::Path, A::OutBuf, A::UInt}}},
      {SYS_faccessat, {{A::DirFd, A::Path, A::Int}}},
      {SYS_ppoll, {{A::Ptr, A::UInt, A::Timespec, A::Ptr, A::UInt}}},
      {SYS_set_robust_list, {{A::Ptr, A::UInt}}},
      {SYS_dup3, {{A::Fd, A::Fd, A::OpenFlags}}},
      {SYS_pipe2, {{A::Ptr, A::OpenFlags}}},
      {SYS_prlimit64, {{A::Int, A::Int, A::Ptr, A::Ptr}}},
      {SYS_renameat2, {{A::DirFd, A::Path, A::DirFd, A::Path, A::Hex}}},
      {SYS_getrandom, {{A::Ptr, A::UInt, A::Hex}}},
      {SYS_statx, {{A::DirFd, A::Path, A::AtFlags, A::Hex, A::Ptr}}},
      {SYS_rseq, {{A::Ptr, A::UInt, A::Hex, A::Hex}}},
      {SYS_faccessat2, {{A::DirFd, A::Path, A::Int, A::AtFlags}}},
  };
  return table;
}

struct FlagName {
  uint64_t bit;
  const char* name;
};

// "A|B|0x40" for the set bits, "0" when none.
std::string flagList(uint64_t value, std::initializer_list<FlagName> names, std::string out = "") {
  for (const FlagName& f : names)
    if ((value & f.bit) == f.bit && f.bit != 0) {
      out += (out.empty() ? "" : "|") + std::string(f.name);
      value &= ~f.bit;
    }
  if (value != 0 || out.empty()) out += (out.empty() ? "" : "|") + hex(value);
  return out;
}

std::string nameOr(int64_t value, std::initializer_list<std::pair<int64_t, const char*>> names) {
  for (const auto& [v, name] : names)
    if (v == value) return name;
  return std::to_string(value);
}

std::string quoted(const uint8_t* bytes, size_t n, bool more) {
  std::string out = "\"";
  for (size_t i = 0; i < n; ++i) {
    uint8_t c = bytes[i];
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
        else {
          char esc[5];
          std::snprintf(esc, sizeof esc, "\\x%02x", c);
          out += esc;
        }
    }
  }
  return out + (more ? "\"..." : "\"");
}

constexpr size_t kShown = 32;

std::string pointer(uint64_t va) { return va == 0 ? "NULL" : hex(va); }

std::string guestBytes(const ProcessMemory& memory, uint64_t va, uint64_t len) {
  uint8_t bytes[kShown];
  size_t n = len < kShown ? static_cast<size_t>(len) : kShown;
  if (!memory.copyIn(va, bytes, n)) return pointer(va);
  return quoted(bytes, n, len > kShown);
}

std::string guestString(const ProcessMemory& memory, uint64_t va) {
  std::string s;
  if (memory.copyInString(va, s, kPathMax) != 0) return pointer(va);
  return quoted(reinterpret_cast<const uint8_t*>(s.data()), std::min(s.size(), kShown), s.size() > kShown);
}

std::string openFlags(uint64_t v) {
  const char* mode[] = {"O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE"};
  return flagList(v & ~uint64_t{O_ACCMODE},
                  {{O_TMPFILE, "O_TMPFILE"}, {O_CREAT, "O_CREAT"}, {O_EXCL, "O_EXCL"}, {O_NOCTTY, "O_NOCTTY"},
                   {O_TRUNC, "O_TRUNC"}, {O_APPEND, "O_APPEND"}, {O_NONBLOCK, "O_NONBLOCK"}, {O_SYNC, "O_SYNC"},
                   {O_DSYNC, "O_DSYNC"}, {FASYNC, "O_ASYNC"}, {O_DIRECT, "O_DIRECT"},
                   {static_cast<uint64_t>(abi::kOLargefile), "O_LARGEFILE"}, {O_DIRECTORY, "O_DIRECTORY"},
                   {O_NOFOLLOW, "O_NOFOLLOW"}, {O_NOATIME, "O_NOATIME"}, {O_CLOEXEC, "O_CLOEXEC"},
                   {O_PATH, "O_PATH"}},
                  mode[v & O_ACCMODE]);
}

std::string timespecAt(const ProcessMemory& memory, uint64_t va) {
  abi::Timespec t{};
  if (va == 0 || !memory.copyIn(va, &t, sizeof t)) return pointer(va);
  return "{tv_sec=" + std::to_string(t.sec) + ", tv_nsec=" + std::to_string(t.nsec) + "}";
}

std::string errnoText(int64_t value) {
  int err = static_cast<int>(-value);
  const char* name = strerrorname_np(err);
  const char* text = strerrordesc_np(err);  // English whatever the locale, as the trace must not vary
  return "-1 " + std::string(name ? name : "E" + std::to_string(err)) + " (" + (text ? text : "Unknown error") + ")";
}

std::string formatArg(Arg kind, const ProcessMemory& memory, const SyscallRequest& r, size_t i,
                      const SyscallOutcome& outcome) {
  uint64_t v = r.args[i];
  bool returned = outcome.action == SyscallOutcome::Action::Return && outcome.value > 0;
  switch (kind) {
    case Arg::Int: return std::to_string(static_cast<int64_t>(v));
    case Arg::UInt: return std::to_string(v);
    case Arg::Hex: return hex(v);
    case Arg::Ptr: return pointer(v);
    case Arg::Oct: {
      char text[24];
      std::snprintf(text, sizeof text, "0%" PRIo64, v);
      return text;
    }
    case Arg::Fd: return std::to_string(static_cast<int32_t>(v));
    case Arg::DirFd: return static_cast<int32_t>(v) == abi::kAtFdCwd ? "AT_FDCWD" : std::to_string(static_cast<int32_t>(v));
    case Arg::Path: return guestString(memory, v);
    case Arg::InBuf: return guestBytes(memory, v, r.args[i + 1]);
    case Arg::OutBuf: return returned ? guestBytes(memory, v, static_cast<uint64_t>(outcome.value)) : pointer(v);
    case Arg::OutString:
      return returned ? guestBytes(memory, v, static_cast<uint64_t>(outcome.value) - 1) : pointer(v);
    case Arg::OpenFlags: return openFlags(static_cast<uint32_t>(v));
    case Arg::CreateMode: {
      char text[24];
      std::snprintf(text, sizeof text, "0%" PRIo64, v & 07777);
      return text;
    }
    case Arg::Prot:
      return v == 0 ? "PROT_NONE" : flagList(v, {{PROT_READ, "PROT_READ"}, {PROT_WRITE, "PROT_WRITE"}, {PROT_EXEC, "PROT_EXEC"}});
    case Arg::MapFlags: {
      const char* type[] = {"0", "MAP_SHARED", "MAP_PRIVATE", "MAP_SHARED_VALIDATE"};
      return flagList(v & ~uint64_t{MAP_TYPE},
                      {{MAP_FIXED, "MAP_FIXED"}, {MAP_ANONYMOUS, "MAP_ANONYMOUS"}, {MAP_32BIT, "MAP_32BIT"},
                       {MAP_GROWSDOWN, "MAP_GROWSDOWN"}, {MAP_DENYWRITE, "MAP_DENYWRITE"}, {MAP_NORESERVE, "MAP_NORESERVE"},
                       {MAP_POPULATE, "MAP_POPULATE"}, {MAP_STACK, "MAP_STACK"}, {MAP_HUGETLB, "MAP_HUGETLB"},
                       {MAP_FIXED_NOREPLACE, "MAP_FIXED_NOREPLACE"}},
                      (v & MAP_TYPE) < 4 ? type[v & MAP_TYPE] : hex(v & MAP_TYPE));
    }
    case Arg::AtFlags:
      return flagList(static_cast<uint32_t>(v), {{AT_SYMLINK_NOFOLLOW, "AT_SYMLINK_NOFOLLOW"}, {AT_EMPTY_PATH, "AT_EMPTY_PATH"},
                                                 {AT_NO_AUTOMOUNT, "AT_NO_AUTOMOUNT"}, {AT_EACCESS, "AT_EACCESS"}});
    case Arg::Clock:
      return nameOr(static_cast<int32_t>(v), {{0, "CLOCK_REALTIME"}, {1, "CLOCK_MONOTONIC"}, {2, "CLOCK_PROCESS_CPUTIME_ID"},
                                              {3, "CLOCK_THREAD_CPUTIME_ID"}, {4, "CLOCK_MONOTONIC_RAW"},
                                              {5, "CLOCK_REALTIME_COARSE"}, {6, "CLOCK_MONOTONIC_COARSE"},
                                              {7, "CLOCK_BOOTTIME"}, {11, "CLOCK_TAI"}});
    case Arg::Whence:
      return nameOr(static_cast<int32_t>(v), {{0, "SEEK_SET"}, {1, "SEEK_CUR"}, {2, "SEEK_END"}, {3, "SEEK_DATA"}, {4, "SEEK_HOLE"}});
    case Arg::FcntlCmd:
      return nameOr(static_cast<int32_t>(v), {{F_DUPFD, "F_DUPFD"}, {F_GETFD, "F_GETFD"}, {F_SETFD, "F_SETFD"},
                                              {F_GETFL, "F_GETFL"}, {F_SETFL, "F_SETFL"}, {F_DUPFD_CLOEXEC, "F_DUPFD_CLOEXEC"}});
    case Arg::FutexOp: {
      std::string op = nameOr(static_cast<int32_t>(v) & 127, {{0, "FUTEX_WAIT"}, {1, "FUTEX_WAKE"}, {3, "FUTEX_REQUEUE"},
                                                              {4, "FUTEX_CMP_REQUEUE"}, {5, "FUTEX_WAKE_OP"},
                                                              {9, "FUTEX_WAIT_BITSET"}, {10, "FUTEX_WAKE_BITSET"}});
      if (v & 128) op += "_PRIVATE";
      if (v & 256) op += "|FUTEX_CLOCK_REALTIME";
      return op;
    }
    case Arg::ArchCode:
      return nameOr(static_cast<int32_t>(v), {{0x1001, "ARCH_SET_GS"}, {0x1002, "ARCH_SET_FS"}, {0x1003, "ARCH_GET_FS"},
                                              {0x1004, "ARCH_GET_GS"}, {0x1011, "ARCH_GET_CPUID"}});
    case Arg::Signal: {
      int sig = static_cast<int32_t>(v);
      const char* name = sig > 0 && sig < 32 ? sigabbrev_np(sig) : nullptr;
      return name ? "SIG" + std::string(name) : std::to_string(sig);
    }
    case Arg::Timespec: return timespecAt(memory, v);
  }
  return hex(v);
}

}  // namespace

std::string traceLine(const ProcessMemory& memory, const SyscallRequest& request, const SyscallOutcome& outcome) {
  static const Spec kUnknown{{Arg::Hex, Arg::Hex, Arg::Hex, Arg::Hex, Arg::Hex, Arg::Hex}};
  auto found = specs().find(request.nr);
  const Spec& spec = found == specs().end() ? kUnknown : found->second;
  std::string line = syscallName(request.nr) + "(";
  for (size_t i = 0; i < spec.args.size(); ++i) {
    bool creates = i > 0 && ((request.args[i - 1] & O_CREAT) || (request.args[i - 1] & O_TMPFILE) == O_TMPFILE);
    if (spec.args[i] == Arg::CreateMode && !creates) break;
    line += (i ? ", " : "") + formatArg(spec.args[i], memory, request, i, outcome);
  }
  line += ") = ";
  switch (outcome.action) {
    case SyscallOutcome::Action::Return:
    case SyscallOutcome::Action::Sleep:
      if (outcome.value < 0 && outcome.value >= -4095) line += errnoText(outcome.value);
      else line += spec.hexResult ? hex(static_cast<uint64_t>(outcome.value)) : std::to_string(outcome.value);
      if (outcome.action == SyscallOutcome::Action::Sleep) line += " <sleeps " + std::to_string(outcome.sleepNs) + " ns>";
      break;
    case SyscallOutcome::Action::Exit:
      line += "? <exit " + std::to_string(outcome.value) + ">";
      break;
    case SyscallOutcome::Action::Stop:
      line += "? <" + outcome.cause + ": " + outcome.detail + ">";
      break;
  }
  return line;
}

SyscallTrace::SyscallTrace(const std::string& path, Mode mode)
    : out_(std::fopen(path.c_str(), mode == Mode::Append ? "a" : "w")) {
  if (!out_) throw CoreError("se-trace", errnoMessage("syscall trace file \"" + path + "\"", errno));
}

SyscallTrace::~SyscallTrace() { std::fclose(out_); }

void SyscallTrace::record(const ProcessMemory& memory, const SyscallRequest& request, const SyscallOutcome& outcome) {
  std::string line = traceLine(memory, request, outcome);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), out_);
  // The last lines are the ones that explain a stop: they must reach the file.
  if (outcome.action != SyscallOutcome::Action::Return) std::fflush(out_);
}

void SyscallTrace::flush() { std::fflush(out_); }

}  // namespace kx::se
