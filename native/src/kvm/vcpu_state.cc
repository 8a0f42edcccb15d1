#include "kvm/vcpu_state.hh"

#include <algorithm>

#include "sim/core_error.hh"

namespace kx {

namespace {

// Far above any real MSR list (a few hundred) or XSAVE area (AMX: 11 KiB):
// a count past these comes from a damaged file, not a CPU.
constexpr uint64_t kMaxMsrs = 16384;
constexpr size_t kMaxXsaveBytes = 1 << 20;

template <typename T>
void putStruct(StateWriter& out, const T& value) {
  out.putBytes(&value, sizeof value);
}

template <typename T>
T getStruct(StateReader& in, const char* what) {
  std::vector<uint8_t> bytes = in.getBytes(sizeof(T));
  if (bytes.size() != sizeof(T))
    throw CoreError("checkpoint-corrupt", std::string("vCPU ") + what + ": " + std::to_string(bytes.size()) + " bytes, not " + std::to_string(sizeof(T)));
  T value;
  std::memcpy(&value, bytes.data(), sizeof value);
  return value;
}

// KVM lists MSRs it will not take back in every state (a paravirtual
// feature's MSR the guest never enabled refuses even its reset value on some
// hosts). One refused at the value it already has loses nothing; any other
// refusal would restore a different machine.
void applyMsrs(Vcpu& vcpu, const std::vector<std::pair<uint32_t, uint64_t>>& msrs) {
  std::vector<std::pair<uint32_t, uint64_t>> refused = vcpu.setMsrsWhereAccepted(msrs);
  if (refused.empty()) return;
  std::vector<uint32_t> indices;
  for (const auto& m : refused) indices.push_back(m.first);
  std::vector<std::pair<uint32_t, uint64_t>> current = vcpu.readableMsrs(indices);
  for (const auto& [index, value] : refused) {
    auto here = std::find_if(current.begin(), current.end(), [index = index](const auto& c) { return c.first == index; });
    if (here == current.end() || here->second != value)
      throw CoreError("checkpoint-incompatible", "KVM refused to restore MSR " + hex(index) + " = " + hex(value) +
                                                     (here == current.end() ? " (and cannot read it here)" : " (it holds " + hex(here->second) + ")"));
  }
}

}  // namespace

VcpuState captureVcpuState(const Vcpu& vcpu, const KvmDevice& kvm, bool lapic) {
  VcpuState s;
  s.regs = vcpu.getRegs();
  s.sregs = vcpu.getSregs();
  s.debugRegs = vcpu.getDebugRegs();
  s.xsave = vcpu.getXsave();
  s.xcrs = vcpu.getXcrs();
  s.events = vcpu.getEvents();
  s.mpState = vcpu.getMpState();
  s.msrs = vcpu.readableMsrs(kvm.msrIndexList());
  if (lapic) s.lapic = vcpu.getLapic();
  return s;
}

void applyVcpuState(Vcpu& vcpu, const VcpuState& s) {
  vcpu.setRegs(s.regs);
  vcpu.setXsave(s.xsave);
  vcpu.setXcrs(s.xcrs);
  vcpu.setSregs(s.sregs);
  applyMsrs(vcpu, s.msrs);
  if (s.lapic) vcpu.setLapic(*s.lapic);
  vcpu.setEvents(s.events);
  vcpu.setMpState(s.mpState);
  vcpu.setDebugRegs(s.debugRegs);
}

void encodeVcpuState(StateWriter& out, const VcpuState& s) {
  out.put<uint32_t>(1);  // version
  putStruct(out, s.regs);
  putStruct(out, s.sregs);
  putStruct(out, s.debugRegs);
  out.putBytes(s.xsave.data(), s.xsave.size());
  putStruct(out, s.xcrs);
  putStruct(out, s.events);
  putStruct(out, s.mpState);
  out.put<uint64_t>(s.msrs.size());
  for (const auto& [index, value] : s.msrs) {
    out.put<uint32_t>(index);
    out.put<uint64_t>(value);
  }
  out.put<uint8_t>(s.lapic.has_value());
  if (s.lapic) putStruct(out, *s.lapic);
}

VcpuState decodeVcpuState(StateReader& in) {
  uint32_t version = in.get<uint32_t>();
  if (version != 1) throw CoreError("checkpoint-corrupt", "vCPU state version " + std::to_string(version) + ", this build reads 1");
  VcpuState s;
  s.regs = getStruct<kvm_regs>(in, "registers");
  s.sregs = getStruct<kvm_sregs>(in, "special registers");
  s.debugRegs = getStruct<kvm_debugregs>(in, "debug registers");
  s.xsave = in.getBytes(kMaxXsaveBytes);
  s.xcrs = getStruct<kvm_xcrs>(in, "XCRs");
  if (s.xcrs.nr_xcrs > KVM_MAX_XCRS)
    throw CoreError("checkpoint-corrupt", "vCPU XCRs: " + std::to_string(s.xcrs.nr_xcrs) + " of at most " + std::to_string(KVM_MAX_XCRS));
  s.events = getStruct<kvm_vcpu_events>(in, "events");
  s.mpState = getStruct<kvm_mp_state>(in, "MP state");
  uint64_t count = in.get<uint64_t>();
  if (count > kMaxMsrs) throw CoreError("checkpoint-corrupt", "vCPU MSRs: " + std::to_string(count) + " of at most " + std::to_string(kMaxMsrs));
  s.msrs.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint32_t index = in.get<uint32_t>();
    s.msrs.emplace_back(index, in.get<uint64_t>());
  }
  uint8_t lapic = in.get<uint8_t>();
  if (lapic > 1) throw CoreError("checkpoint-corrupt", "vCPU LAPIC flag " + std::to_string(lapic));
  if (lapic) s.lapic = getStruct<kvm_lapic_state>(in, "LAPIC");
  return s;
}

}  // namespace kx
