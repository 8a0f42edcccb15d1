// What each vCPU's CPUID says about it, and what a KVM emulation failure
// report is turned into.
#include <doctest/doctest.h>

#include <cstring>
#include <vector>

#include "boot/cpu_features.hh"
#include "boot/cpu_topology.hh"
#include "cpu/emulation_failure.hh"

namespace kx {
namespace {

kvm_cpuid_entry2 leaf(uint32_t function, uint32_t eax, uint32_t ebx, uint32_t edx) {
  kvm_cpuid_entry2 e{};
  e.function = function;
  e.eax = eax;
  e.ebx = ebx;
  e.edx = edx;
  return e;
}

TEST_CASE("cpuid per vCPU: the APIC ID, the logical count and HTT; other leaves untouched") {
  std::vector<kvm_cpuid_entry2> host = {leaf(0, 0xd, 0x756e6547, 0x49656e69), leaf(1, 0xa0671, 0xff010800, 0x178bfbff),
                                        leaf(0xb, 0, 0, 0x55)};
  std::vector<kvm_cpuid_entry2> third = cpuidForVcpu(host, 2, 4);
  CHECK(third[0].ebx == host[0].ebx);
  CHECK((third[1].ebx >> 24) == 2);
  CHECK(((third[1].ebx >> 16) & 0xff) == 4);
  CHECK((third[1].ebx & 0xffff) == 0x0800);  // brand index and CLFLUSH size kept
  CHECK((third[1].edx & (1u << 28)) != 0);
  CHECK(third[2].edx == 2);
  std::vector<kvm_cpuid_entry2> alone = cpuidForVcpu(host, 0, 1);
  CHECK((alone[1].edx & (1u << 28)) == 0);
  CHECK(cpuSignature(host).signature == 0xa0671);
  CHECK(cpuSignature(host).features == 0x178bfbff);
}

TEST_CASE("emulation failure: the instruction's bytes, and iret named with the reason") {
  kvm_run run{};
  run.exit_reason = KVM_EXIT_INTERNAL_ERROR;
  run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
  CHECK(emulationFailureDetail(run) == "");  // no bytes reported
  run.internal.ndata = 3;
  run.emulation_failure.flags = KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES;
  run.emulation_failure.insn_size = 3;
  const uint8_t iret[] = {0xcf, 0x66, 0x90};
  std::memcpy(run.emulation_failure.insn_bytes, iret, sizeof iret);
  std::string detail = emulationFailureDetail(run);
  CHECK(detail.rfind("; instruction cf 66 90 (iret: ", 0) == 0);
  CHECK(detail.find("PVM") != std::string::npos);
  const uint8_t wrmsr[] = {0x0f, 0x30};
  run.emulation_failure.insn_size = 200;  // a kernel cannot report more than the 15 bytes there are
  std::memcpy(run.emulation_failure.insn_bytes, wrmsr, sizeof wrmsr);
  detail = emulationFailureDetail(run);
  CHECK(detail.rfind("; instruction 0f 30 ", 0) == 0);
  CHECK(detail.find('(') == std::string::npos);
}

}  // namespace
}  // namespace kx
