#include "boot/cpu_topology.hh"

#include <cstdint>

namespace kx {

std::vector<kvm_cpuid_entry2> cpuidForVcpu(std::vector<kvm_cpuid_entry2> entries, unsigned apicId, unsigned cpus) {
  constexpr uint32_t kHtt = 1u << 28;
  for (kvm_cpuid_entry2& e : entries) {
    if (e.function == 1) {
      e.ebx = (e.ebx & 0x0000ffffu) | (apicId << 24) | ((cpus & 0xffu) << 16);
      e.edx = cpus > 1 ? e.edx | kHtt : e.edx & ~kHtt;
    } else if (e.function == 0xb || e.function == 0x1f) {
      e.edx = apicId;
    }
  }
  return entries;
}

}  // namespace kx
