// What the process starts with: Linux's default limits, the sandbox, and
// stdin/stdout/stderr on the host files the run gives.
#include "se/process_state.hh"

#include <sys/resource.h>

#include "se/guest_io.hh"
#include "se/stdio_files.hh"

namespace kx::se {

ProcessState::ProcessState(ProcessMemory& memory, const ProcessConfig& config, std::function<uint64_t()> nowNs)
    : memory(memory),
      config(config),
      nowNs(std::move(nowNs)),
      random(config.seed),
      fs(config.fs),
      bounce(kChunk) {
  for (abi::Rlimit& limit : limits) limit = {abi::kRlimInfinity, abi::kRlimInfinity};
  limits[RLIMIT_STACK] = {8 << 20, abi::kRlimInfinity};
  limits[RLIMIT_CORE] = {0, abi::kRlimInfinity};
  limits[RLIMIT_NPROC] = {4096, 4096};
  limits[RLIMIT_NOFILE] = {FdTable::kDefaultLimit, FdTable::kDefaultLimit};  // fixed: no raising past the table's bound
  limits[RLIMIT_MEMLOCK] = {8 << 20, 8 << 20};
  limits[RLIMIT_SIGPENDING] = {4096, 4096};
  limits[RLIMIT_MSGQUEUE] = {819200, 819200};
  limits[RLIMIT_NICE] = {0, 0};
  limits[RLIMIT_RTPRIO] = {0, 0};

  fds.installAt(0, openStdStream(StdStream::In, config, random), false);
  std::shared_ptr<OpenFile> out = openStdStream(StdStream::Out, config, random);
  fds.installAt(1, out, false);
  // One file for both, as after 2>&1: writes interleave in order.
  bool shared = !config.stdoutPath.empty() && config.stderrPath == config.stdoutPath;
  fds.installAt(2, shared ? out : openStdStream(StdStream::Err, config, random), false);
}

}  // namespace kx::se
