#pragma once
// Everything of a vCPU a guest can observe, as a checkpoint keeps it: the
// general, special and debug registers, the whole XSAVE area (x87, SSE, AVX,
// AVX-512 and whatever else the CPU enables) and the XCRs, every MSR KVM
// lists that reads back, the pending and injected events, and the
// multiprocessor state. Applied to a vCPU built with the same CPUID, the
// guest cannot tell it from the one captured.
#include <linux/kvm.h>

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "kvm/kvm_device.hh"
#include "kvm/vcpu.hh"
#include "sim/state_codec.hh"

namespace kx {

struct VcpuState {
  kvm_regs regs{};
  kvm_sregs sregs{};
  kvm_debugregs debugRegs{};
  XsaveArea xsave;
  kvm_xcrs xcrs{};
  kvm_vcpu_events events{};
  kvm_mp_state mpState{};
  std::vector<std::pair<uint32_t, uint64_t>> msrs;
  std::optional<kvm_lapic_state> lapic;  // with the in-kernel irqchip
};

// `lapic`: the VM has the in-kernel irqchip, so the vCPU has a LAPIC to keep.
VcpuState captureVcpuState(const Vcpu& vcpu, const KvmDevice& kvm, bool lapic);
// In the order QEMU restores a vCPU: registers and FPU state before the
// special registers, MSRs after them (EFER and the APIC base need the
// modes set), the LAPIC once its base is, events and the MP state last.
void applyVcpuState(Vcpu& vcpu, const VcpuState& state);

void encodeVcpuState(StateWriter& out, const VcpuState& state);
VcpuState decodeVcpuState(StateReader& in);

}  // namespace kx
