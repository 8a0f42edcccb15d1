#pragma once
// What CPUID tells each vCPU about itself in a machine of several: its
// initial APIC ID (leaf 1 EBX[31:24], and the x2APIC ID of leaves 0xb and
// 0x1f), how many logical processors share the package, and HTT. KVM's
// supported list says nothing per vCPU, and a guest that finds its CPUs in
// the MP table checks these against the LAPIC IDs there.
#include <linux/kvm.h>

#include <vector>

namespace kx {

std::vector<kvm_cpuid_entry2> cpuidForVcpu(std::vector<kvm_cpuid_entry2> entries, unsigned apicId, unsigned cpus);

}  // namespace kx
