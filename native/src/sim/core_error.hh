#pragma once
// The core's one error type, for every layer (KVM wrappers, loaders, devices,
// the CPU): it lives in the simulation layer so that devices need not know
// KVM. `code` is a stable identifier that the TypeScript side maps to a CLI
// exit status and a CSV `exit_cause` (docs/exit-causes.md).
#include <cstdint>
#include <stdexcept>
#include <string>

namespace kx {

class CoreError : public std::runtime_error {
 public:
  CoreError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

// Formats "<what>: <strerror(errno)>" for an ioctl or syscall that failed.
std::string errnoMessage(const std::string& what, int err);

// "0x1f": addresses and fields in messages.
std::string hex(uint64_t value);

// "2e+09", "0.001": configuration values in messages, as a user would write them.
std::string decimal(double value);

}  // namespace kx
