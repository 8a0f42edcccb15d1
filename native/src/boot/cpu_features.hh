#pragma once
// What a guest's CPUID (as KVM offers it) says about the CPU, for the
// runner's own set-up: the features a boot must turn on for the guest to
// use them (XSAVE and the state components XCR0 may enable), and the
// signature the MP table repeats.
#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace kx {

// CPUID leaf 1's EDX (AT_HWCAP), whether XSAVE is there, and the state
// components XCR0 may enable (leaf 0xd).
struct CpuFeatures {
  uint64_t hwcap = 0;
  bool xsave = false;
  uint64_t xcr0 = 0x3;  // x87 and SSE
};
CpuFeatures cpuFeatures(const std::vector<kvm_cpuid_entry2>& cpuid);

// Leaf 1's EAX (the processor signature) and EDX (feature flags), which the
// MP table's processor entries repeat.
struct CpuSignature {
  uint32_t signature = 0;
  uint32_t features = 0;
};
CpuSignature cpuSignature(const std::vector<kvm_cpuid_entry2>& cpuid);

}  // namespace kx
