#include "boot/cpu_features.hh"

namespace kx {

CpuFeatures cpuFeatures(const std::vector<kvm_cpuid_entry2>& cpuid) {
  // AMX's tile state needs the process's permission first
  // (ARCH_REQ_XCOMP_GUEST_PERM), which the runner does not ask for.
  constexpr uint64_t kAmxTiles = (1ull << 17) | (1ull << 18);
  CpuFeatures f;
  for (const kvm_cpuid_entry2& e : cpuid) {
    if (e.function == 1) {
      f.hwcap = e.edx;
      f.xsave = (e.ecx >> 26) & 1;
    }
    if (e.function == 0xd && e.index == 0) f.xcr0 = ((uint64_t{e.edx} << 32) | e.eax) & ~kAmxTiles;
  }
  return f;
}

CpuSignature cpuSignature(const std::vector<kvm_cpuid_entry2>& cpuid) {
  for (const kvm_cpuid_entry2& e : cpuid)
    if (e.function == 1) return CpuSignature{e.eax, e.edx};
  return {};
}

}  // namespace kx
