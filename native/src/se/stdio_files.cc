#include "se/stdio_files.hh"

#include <fcntl.h>

#include <cerrno>

#include "sim/core_error.hh"

namespace kx::se {
namespace {

const char* nameOf(StdStream stream) {
  switch (stream) {
    case StdStream::In:
      return "stdin";
    case StdStream::Out:
      return "stdout";
    case StdStream::Err:
      return "stderr";
  }
  return "?";
}

const std::string& hostPathOf(StdStream stream, const ProcessConfig& config) {
  switch (stream) {
    case StdStream::In:
      return config.stdinPath;
    case StdStream::Out:
      return config.stdoutPath;
    case StdStream::Err:
      break;
  }
  return config.stderrPath;
}

int accessModeOf(StdStream stream) { return stream == StdStream::In ? O_RDONLY : O_WRONLY; }

}  // namespace

std::shared_ptr<OpenFile> openStdStream(StdStream stream, const ProcessConfig& config, RandomStream& random) {
  int status = accessModeOf(stream) | abi::kOLargefile;
  const std::string& hostPath = hostPathOf(stream, config);
  if (hostPath.empty()) return std::make_shared<DeviceFile>(Device::Null, random, status, "/dev/null");
  int flags = stream == StdStream::In ? O_RDONLY : O_WRONLY | O_CREAT | O_TRUNC;
  int fd = ::open(hostPath.c_str(), flags | O_CLOEXEC, 0644);
  if (fd < 0)
    throw CoreError("se-stdio", errnoMessage(std::string("the guest's ") + nameOf(stream) + " file \"" + hostPath + "\"", errno));
  return std::make_shared<HostFile>(HostFd(fd), status, stdStreamGuestPath(stream));
}

std::string stdStreamGuestPath(StdStream stream) { return std::string("<") + nameOf(stream) + ">"; }

std::optional<StdStream> stdStreamOf(const OpenFile& file) {
  if (file.hostFd() < 0) return std::nullopt;
  for (StdStream stream : {StdStream::In, StdStream::Out, StdStream::Err})
    if (file.guestPath() == stdStreamGuestPath(stream)) return stream;
  return std::nullopt;
}

HostFd reopenStdStream(StdStream stream, const ProcessConfig& config, int statusFlags, const std::string& label) {
  const std::string& hostPath = hostPathOf(stream, config);
  std::string what = label + ": the guest's " + nameOf(stream);
  if (hostPath.empty())
    throw CoreError("checkpoint-incompatible", what + " was a host file when the checkpoint was taken; this run gives it none");
  int fd = ::open(hostPath.c_str(), accessModeOf(stream) | (statusFlags & O_APPEND) | O_CLOEXEC);
  if (fd < 0) throw CoreError("checkpoint-incompatible", errnoMessage(what + " file \"" + hostPath + "\" does not open again", errno));
  return HostFd(fd);
}

}  // namespace kx::se
