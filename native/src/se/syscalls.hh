#pragma once
// The system-call layer of syscall-emulation mode: the guest's `syscall`
// exits to the host, which hands the registers here and applies the outcome.
// One single-threaded process: its files (through the sandbox), its memory
// (through ProcessMemory), its clocks (simulated time from nowNs), its
// randomness (a seeded stream) and the bookkeeping Linux keeps for it
// (signal dispositions, limits, umask). Calls it does not serve stop the run
// with "unsupported-syscall", or return -ENOSYS when configured to.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "se/process_memory.hh"
#include "se/sandbox_fs.hh"
#include "sim/state_codec.hh"

namespace kx::se {

struct SyscallRequest {
  uint64_t nr;       // rax
  uint64_t args[6];  // rdi, rsi, rdx, r10, r8, r9
};

struct SyscallOutcome {
  enum class Action {
    Return,  // rax = value (a negative errno on failure)
    Exit,    // the process ended: value is its exit status (0..255)
    Stop,    // the run cannot go on: cause is its exit_cause, detail says what
    Sleep,   // skip sleepNs of simulated time, then rax = value
  };
  Action action = Action::Return;
  int64_t value = 0;
  uint64_t sleepNs = 0;
  std::string cause, detail;
  // arch_prctl(ARCH_SET_FS / ARCH_SET_GS): load this base before returning.
  std::optional<uint64_t> fsBase, gsBase;

  static SyscallOutcome returning(int64_t value);
  static SyscallOutcome exiting(int status);
  static SyscallOutcome sleeping(uint64_t ns, int64_t value);
  static SyscallOutcome stopping(std::string cause, std::string detail);
};

struct UnameFields {
  std::string sysname = "Linux";
  std::string nodename = "kx-guest";
  std::string release = "6.1.0-kx";
  std::string version = "#1 SMP PREEMPT_DYNAMIC kx";
  std::string machine = "x86_64";
  std::string domainname = "(none)";
};

struct ProcessConfig {
  SandboxLayout fs;  // mount table, scratch directory, cwd, the binary's guest and host paths
  std::string stdinPath;   // a host file; empty: stdin reads as /dev/null
  std::string stdoutPath;  // host files, created or truncated; empty: discarded.
  std::string stderrPath;  // The same path for both: one file, as with 2>&1.
  uint64_t seed = 0;       // getrandom, AT_RANDOM, /dev/urandom
  int64_t realtimeEpochNs = 0;  // CLOCK_REALTIME at simulated time 0
  bool unsupportedReturnsEnosys = false;
  std::string tracePath;  // an strace-like line per call; empty: no trace
  UnameFields uname;
  int32_t pid = 1000;  // also the tid: one thread
  int32_t ppid = 1;
  uint32_t uid = 1000, gid = 1000;
  uint64_t memoryBytes = uint64_t{1} << 30;  // sysinfo's totalram
};

struct ProcessState;
class SyscallTrace;

class Syscalls {
 public:
  // Throws CoreError: the sandbox's codes (sandbox-layout, sandbox-mount,
  // sandbox-openat2), se-stdio when a stdin/stdout/stderr file does not
  // open, se-trace when the trace file does not.
  Syscalls(ProcessMemory& memory, const ProcessConfig& config, std::function<uint64_t()> nowNs);
  ~Syscalls();
  Syscalls(const Syscalls&) = delete;
  Syscalls& operator=(const Syscalls&) = delete;

  SyscallOutcome handle(const SyscallRequest& request);

  uint64_t numSyscalls() const { return numSyscalls_; }
  // A statistics reset (m5_reset_stats): the call counts and byte totals start again.
  void resetCounts();
  // "syscall.<name>" for each call made that has a handler,
  // "syscall.unsupported" for the others together, then bytesRead and
  // bytesWritten (data that the read and write families moved).
  std::vector<std::pair<std::string, uint64_t>> counts() const;
  // The names counts() can give for the calls served, in its order: the
  // columns an SE run reports (a call that stops the run has none).
  static std::vector<std::string> counterNames();
  // The seeded stream that getrandom reads, for the loader's AT_RANDOM bytes.
  void randomBytes(void* dst, size_t n);

  // A checkpoint of everything here (se/syscalls_state.cc): counts, process
  // bookkeeping, the random stream's position, fds and file mappings with
  // their open files. saveState flushes the trace first, so the trace file
  // holds every line; it throws CoreError("checkpoint-unsupported") for an
  // open file that cannot be opened again as it is. loadState, on an object
  // built from the same config after the machine has put back the stdout,
  // stderr and trace files' contents, replaces the whole state: host files
  // are opened again by guest path (stdio by host path), never created or
  // truncated, at their offsets, and the trace appends. CoreError
  // checkpoint-incompatible when a file does not open again, checkpoint-corrupt
  // for a record it cannot trust; after a throw nothing has changed.
  void saveState(StateWriter& out) const;
  void loadState(StateReader& in);

 private:
  std::unique_ptr<ProcessState> state_;
  std::unique_ptr<SyscallTrace> trace_;
  std::vector<uint64_t> perCall_;  // calls by number
  uint64_t numSyscalls_ = 0;
};

}  // namespace kx::se
