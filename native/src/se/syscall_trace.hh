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
  // Creates or truncates the file; throws CoreError se-trace when it cannot.
  explicit SyscallTrace(const std::string& path);
  ~SyscallTrace();
  SyscallTrace(const SyscallTrace&) = delete;
  SyscallTrace& operator=(const SyscallTrace&) = delete;

  void record(const ProcessMemory& memory, const SyscallRequest& request, const SyscallOutcome& outcome);

 private:
  std::FILE* out_;
};

}  // namespace kx::se
