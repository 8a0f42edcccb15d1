#pragma once
// An strace-like log of the guest's system calls, one line per call:
//   openat(AT_FDCWD, "/data/in.txt", O_RDONLY) = 3
//   openat(AT_FDCWD, "/nope", O_RDONLY) = -1 ENOENT (No such file or directory)
// Flags and constants are decoded, strings and buffers quoted and cut at 32
// bytes. Only guest values appear (guest addresses, guest data), never a host
// address or a host time, so the same run gives the same trace.
#include <cstdio>
#include <string>

#include "se/process_memory.hh"
#include "se/syscalls.hh"

namespace kx::se {

// One line, without the newline, from the request, the outcome and guest
// memory as the call left it.
std::string traceLine(const ProcessMemory& memory, const SyscallRequest& request, const SyscallOutcome& outcome);

class SyscallTrace {
 public:
  // Truncate: a fresh run's trace. Append: a restored run's, after the lines
  // the machine has put back. Throws CoreError se-trace when the file does not open.
  enum class Mode { Truncate, Append };
  explicit SyscallTrace(const std::string& path, Mode mode = Mode::Truncate);
  ~SyscallTrace();
  SyscallTrace(const SyscallTrace&) = delete;
  SyscallTrace& operator=(const SyscallTrace&) = delete;

  void record(const ProcessMemory& memory, const SyscallRequest& request, const SyscallOutcome& outcome);
  // Everything recorded so far reaches the file (before a checkpoint copies it).
  void flush();

 private:
  std::FILE* out_;
};

}  // namespace kx::se
