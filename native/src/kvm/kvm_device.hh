#pragma once
// The /dev/kvm system handle: opening it, checking the API version and the
// capabilities the core relies on, and the system-wide queries (CPUID, mmap size).
#include <linux/kvm.h>

#include <string>
#include <vector>

#include "kvm/unique_fd.hh"

namespace kx {

class KvmDevice {
 public:
  // Opens `path` (normally /dev/kvm). Throws CoreError with a message that says
  // what is wrong and what to do: missing device, no permission, wrong API.
  explicit KvmDevice(const std::string& path);

  int fd() const { return fd_.get(); }
  const std::string& path() const { return path_; }

  // KVM_CHECK_EXTENSION on the system fd: 0 when absent, else a capability value.
  int checkExtension(long capability) const;
  // Throws CoreError "kvm-capability-missing" naming the capability.
  void requireExtension(long capability, const char* name) const;

  int vcpuMmapSize() const;
  std::vector<kvm_cpuid_entry2> supportedCpuid() const;
  // KVM_GET_MSR_INDEX_LIST: the MSRs whose guest values KVM keeps.
  std::vector<uint32_t> msrIndexList() const;

 private:
  std::string path_;
  UniqueFd fd_;
};

}  // namespace kx
