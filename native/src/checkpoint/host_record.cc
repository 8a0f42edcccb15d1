#include "checkpoint/host_record.hh"

#include <sys/utsname.h>

#include <algorithm>

#include "sim/core_error.hh"

namespace kx {

namespace {

constexpr uint64_t kMaxCpuidEntries = 4096;
constexpr uint64_t kMaxCapabilities = 256;

// What captureVcpuState and applyVcpuState use (kvm/vcpu_state.cc), and the
// kernel's irqchip state when a machine has it.
struct StateCapability {
  const char* name;
  long id;
};
constexpr StateCapability kStateCapabilities[] = {
    {"XSAVE", KVM_CAP_XSAVE},           {"XSAVE2", KVM_CAP_XSAVE2},         {"XCRS", KVM_CAP_XCRS},
    {"VCPU_EVENTS", KVM_CAP_VCPU_EVENTS}, {"DEBUGREGS", KVM_CAP_DEBUGREGS}, {"MP_STATE", KVM_CAP_MP_STATE},
    {"ADJUST_CLOCK", KVM_CAP_ADJUST_CLOCK}, {"IRQCHIP", KVM_CAP_IRQCHIP},   {"PIT_STATE2", KVM_CAP_PIT_STATE2},
};

std::string kernelRelease() {
  utsname u{};
  return uname(&u) == 0 ? u.release : "unknown";
}

std::string describeLeaf(const kvm_cpuid_entry2& e) {
  return "leaf " + hex(e.function) + " subleaf " + hex(e.index) + " (eax " + hex(e.eax) + " ebx " + hex(e.ebx) + " ecx " +
         hex(e.ecx) + " edx " + hex(e.edx) + ")";
}

bool sameLeaf(const kvm_cpuid_entry2& a, const kvm_cpuid_entry2& b) {
  return a.function == b.function && a.index == b.index && a.flags == b.flags && a.eax == b.eax && a.ebx == b.ebx &&
         a.ecx == b.ecx && a.edx == b.edx;
}

}  // namespace

HostRecord describeHost(const KvmDevice& kvm, const std::vector<kvm_cpuid_entry2>& cpuid, uint64_t xsaveBytes) {
  HostRecord host{cpuid, xsaveBytes, {}, kernelRelease()};
  for (const StateCapability& cap : kStateCapabilities) host.capabilities.emplace_back(cap.name, kvm.checkExtension(cap.id));
  return host;
}

void encodeHostRecord(StateWriter& out, const HostRecord& host) {
  out.put<uint64_t>(host.cpuid.size());
  for (const kvm_cpuid_entry2& e : host.cpuid) out.put(e);
  out.put<uint64_t>(host.xsaveBytes);
  out.put<uint64_t>(host.capabilities.size());
  for (const auto& [name, value] : host.capabilities) {
    out.putString(name);
    out.put<int32_t>(value);
  }
  out.putString(host.kernelRelease);
}

HostRecord decodeHostRecord(StateReader& in) {
  HostRecord host;
  uint64_t count = in.get<uint64_t>();
  if (count > kMaxCpuidEntries) throw CoreError("checkpoint-corrupt", "machine record: " + std::to_string(count) + " CPUID entries");
  for (uint64_t i = 0; i < count; ++i) host.cpuid.push_back(in.get<kvm_cpuid_entry2>());
  host.xsaveBytes = in.get<uint64_t>();
  count = in.get<uint64_t>();
  if (count > kMaxCapabilities) throw CoreError("checkpoint-corrupt", "machine record: " + std::to_string(count) + " KVM capabilities");
  for (uint64_t i = 0; i < count; ++i) {
    std::string name = in.getString(64);
    host.capabilities.emplace_back(std::move(name), in.get<int32_t>());
  }
  host.kernelRelease = in.getString(256);
  return host;
}

void checkSameHost(const HostRecord& saved, const HostRecord& here) {
  const std::string hosts = saved.kernelRelease == here.kernelRelease
                                ? ""
                                : " (the checkpoint was taken under Linux " + saved.kernelRelease + "; this host runs " +
                                      here.kernelRelease + ")";
  for (size_t i = 0; i < std::max(saved.cpuid.size(), here.cpuid.size()); ++i) {
    if (i < saved.cpuid.size() && i < here.cpuid.size() && sameLeaf(saved.cpuid[i], here.cpuid[i])) continue;
    std::string was = i < saved.cpuid.size() ? describeLeaf(saved.cpuid[i]) : "nothing";
    std::string is = i < here.cpuid.size() ? describeLeaf(here.cpuid[i]) : "nothing";
    throw CoreError("checkpoint-incompatible", "this host's CPUID differs from the one the checkpoint was taken with: entry " +
                                                   std::to_string(i) + " was " + was + ", here it is " + is + hosts +
                                                   ". Restore on the same CPU model and kernel");
  }
  if (saved.xsaveBytes != here.xsaveBytes)
    throw CoreError("checkpoint-incompatible", "the checkpoint's XSAVE area is " + std::to_string(saved.xsaveBytes) +
                                                   " bytes, this host's " + std::to_string(here.xsaveBytes) + hosts);
  for (const auto& [name, value] : saved.capabilities) {
    if (value == 0) continue;
    auto found = std::find_if(here.capabilities.begin(), here.capabilities.end(), [&](const auto& c) { return c.first == name; });
    if (found == here.capabilities.end() || found->second == 0)
      throw CoreError("checkpoint-incompatible", "the checkpoint's vCPU state was saved with KVM_CAP_" + name +
                                                     ", which this host's KVM does not offer" + hosts);
  }
}

}  // namespace kx
