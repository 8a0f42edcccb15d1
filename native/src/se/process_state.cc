// What the process starts with: Linux's default limits, the sandbox, and
// stdin/stdout/stderr on the host files the run gives.
#include "se/process_state.hh"

#include <fcntl.h>
#include <sys/resource.h>

#include <cerrno>

#include "se/guest_io.hh"
#include "sim/core_error.hh"

namespace kx::se {
namespace {

std::shared_ptr<OpenFile> stdioFile(ProcessState& p, const std::string& hostPath, int accessMode, const char* name) {
  int status = accessMode | abi::kOLargefile;
  if (hostPath.empty()) return std::make_shared<DeviceFile>(Device::Null, p.random, status, "/dev/null");
  int flags = accessMode == O_RDONLY ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC;
  int fd = ::open(hostPath.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0) throw CoreError("se-stdio", errnoMessage(std::string("the guest's ") + name + " file \"" + hostPath + "\"", errno));
  return std::make_shared<HostFile>(HostFd(fd), status, std::string("<") + name + ">");
}

}  // namespace

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

  fds.installAt(0, stdioFile(*this, config.stdinPath, O_RDONLY, "stdin"), false);
  std::shared_ptr<OpenFile> out = stdioFile(*this, config.stdoutPath, O_WRONLY, "stdout");
  fds.installAt(1, out, false);
  // One file for both, as after 2>&1: writes interleave in order.
  bool shared = !config.stdoutPath.empty() && config.stderrPath == config.stdoutPath;
  fds.installAt(2, shared ? out : stdioFile(*this, config.stderrPath, O_WRONLY, "stderr"), false);
}

}  // namespace kx::se
