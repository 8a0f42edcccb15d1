#pragma once
// What a checkpoint records of the host it was taken on, and what a host
// restoring it must match: the CPUID the guest was given (the features it
// checked, the XSAVE components it enabled), the size of the XSAVE area, and
// every KVM capability a vCPU's state is read and written with. The kernel's
// release is kept to explain a mismatch, not compared: a kernel update that
// changes none of the above restores fine.
#include <linux/kvm.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "kvm/kvm_device.hh"
#include "sim/state_codec.hh"

namespace kx {

struct HostRecord {
  std::vector<kvm_cpuid_entry2> cpuid;
  uint64_t xsaveBytes = 0;
  std::vector<std::pair<std::string, int>> capabilities;  // KVM_CAP_<name> and KVM_CHECK_EXTENSION's answer
  std::string kernelRelease;
};

HostRecord describeHost(const KvmDevice& kvm, const std::vector<kvm_cpuid_entry2>& cpuid, uint64_t xsaveBytes);

void encodeHostRecord(StateWriter& out, const HostRecord& host);
HostRecord decodeHostRecord(StateReader& in);

// Throws CoreError "checkpoint-incompatible" naming the first difference:
// a CPUID entry, the XSAVE size, or a capability the saving host had and
// this one lacks.
void checkSameHost(const HostRecord& saved, const HostRecord& here);

}  // namespace kx
