#include "kvm/vcpu.hh"

#include <algorithm>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "sim/core_error.hh"

namespace kx {

namespace {

void check(int result, const char* what) {
  if (result < 0) throw CoreError("kvm-vcpu-ioctl-failed", errnoMessage(what, errno));
}

}  // namespace

Vcpu::Vcpu(Vm& vm, unsigned id) : fd_(vm.createVcpu(id)), vmFd_(vm.fd()) {
  mmapSize_ = static_cast<size_t>(vm.kvm().vcpuMmapSize());
  void* page = ::mmap(nullptr, mmapSize_, PROT_READ | PROT_WRITE, MAP_SHARED, fd_.get(), 0);
  if (page == MAP_FAILED) throw CoreError("kvm-setup-failed", errnoMessage("mmap of the vCPU run area", errno));
  run_ = static_cast<kvm_run*>(page);
  long pageSize = ::sysconf(_SC_PAGESIZE);
  canSyncRegs_ = (vm.kvm().checkExtension(KVM_CAP_SYNC_REGS) & KVM_SYNC_X86_REGS) != 0;
  int ringPage = vm.kvm().checkExtension(KVM_CAP_COALESCED_MMIO);
  if (ringPage > 0 && static_cast<size_t>(ringPage + 1) * pageSize <= mmapSize_) {
    ring_ = reinterpret_cast<abi::CoalescedRing*>(static_cast<char*>(page) + ringPage * pageSize);
    // The kernel's KVM_COALESCED_MMIO_MAX: as many entries as fit in the page after the indices.
    ringCapacity_ = static_cast<uint32_t>((pageSize - offsetof(abi::CoalescedRing, entries)) / sizeof(kvm_coalesced_mmio));
  }
}

void Vcpu::syncRegsOnExit() {
  if (!canSyncRegs_) return;
  run_->kvm_valid_regs = KVM_SYNC_X86_REGS;
  regsSynced_ = true;
}

void Vcpu::setRegsForEntry(const kvm_regs& regs) {
  if (!regsSynced_) {
    setRegs(regs);
    return;
  }
  run_->s.regs.regs = regs;
  run_->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
}

kvm_regs Vcpu::regsAtExit() const { return regsSynced_ ? run_->s.regs.regs : getRegs(); }

Vcpu::~Vcpu() {
  if (run_) ::munmap(run_, mmapSize_);
}

int Vcpu::enter() { return ::ioctl(fd_.get(), KVM_RUN, 0) < 0 ? errno : 0; }

kvm_regs Vcpu::getRegs() const {
  kvm_regs regs{};
  check(::ioctl(fd_.get(), KVM_GET_REGS, &regs), "KVM_GET_REGS");
  return regs;
}

void Vcpu::setRegs(const kvm_regs& regs) { check(::ioctl(fd_.get(), KVM_SET_REGS, &regs), "KVM_SET_REGS"); }

kvm_sregs Vcpu::getSregs() const {
  kvm_sregs sregs{};
  check(::ioctl(fd_.get(), KVM_GET_SREGS, &sregs), "KVM_GET_SREGS");
  return sregs;
}

void Vcpu::setSregs(const kvm_sregs& sregs) { check(::ioctl(fd_.get(), KVM_SET_SREGS, &sregs), "KVM_SET_SREGS"); }

size_t Vcpu::xsaveSize() const {
  // Asked of the VM once the guest's CPUID is set: the size follows the
  // features it may enable (AMX's tiles need more than 4 KiB).
  if (xsaveBytes_ == 0) {
    int xsave2 = ::ioctl(vmFd_, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
    xsaveBytes_ = std::max(sizeof(abi::XsaveRegion), xsave2 > 0 ? static_cast<size_t>(xsave2) : 0);
  }
  return xsaveBytes_;
}

XsaveArea Vcpu::getXsave() const {
  XsaveArea xsave(xsaveSize());
  if (xsave.size() > sizeof(abi::XsaveRegion))
    check(::ioctl(fd_.get(), abi::kGetXsave2, xsave.data()), "KVM_GET_XSAVE2");
  else
    check(::ioctl(fd_.get(), abi::kGetXsave, xsave.data()), "KVM_GET_XSAVE");
  return xsave;
}

// KVM_SET_XSAVE reads as many bytes as KVM_CAP_XSAVE2 reported.
void Vcpu::setXsave(const XsaveArea& xsave) {
  if (xsave.size() != xsaveSize()) throw CoreError("internal", "an XSAVE area of " + std::to_string(xsave.size()) + " bytes, not " + std::to_string(xsaveSize()));
  check(::ioctl(fd_.get(), abi::kSetXsave, xsave.data()), "KVM_SET_XSAVE");
}

kvm_fpu Vcpu::getFpu() const {
  kvm_fpu fpu{};
  check(::ioctl(fd_.get(), KVM_GET_FPU, &fpu), "KVM_GET_FPU");
  return fpu;
}

void Vcpu::setFpu(const kvm_fpu& fpu) { check(::ioctl(fd_.get(), KVM_SET_FPU, &fpu), "KVM_SET_FPU"); }

void Vcpu::setCpuid(const std::vector<kvm_cpuid_entry2>& entries) {
  std::vector<unsigned char> buffer(sizeof(abi::CpuidHeader) + entries.size() * sizeof(kvm_cpuid_entry2));
  reinterpret_cast<abi::CpuidHeader*>(buffer.data())->nent = static_cast<uint32_t>(entries.size());
  std::memcpy(buffer.data() + sizeof(abi::CpuidHeader), entries.data(), entries.size() * sizeof(kvm_cpuid_entry2));
  check(::ioctl(fd_.get(), abi::kSetCpuid2, buffer.data()), "KVM_SET_CPUID2");
}

namespace {
// KVM_SET_MSRS on `msrs`: how many KVM set, from the first.
int setSome(int fd, const std::pair<uint32_t, uint64_t>* msrs, size_t count) {
  std::vector<unsigned char> buffer(sizeof(abi::MsrsHeader) + count * sizeof(kvm_msr_entry));
  reinterpret_cast<abi::MsrsHeader*>(buffer.data())->nmsrs = static_cast<uint32_t>(count);
  for (size_t i = 0; i < count; ++i) {
    kvm_msr_entry entry{};
    entry.index = msrs[i].first;
    entry.data = msrs[i].second;
    std::memcpy(buffer.data() + sizeof(abi::MsrsHeader) + i * sizeof entry, &entry, sizeof entry);
  }
  int set = ::ioctl(fd, abi::kSetMsrs, buffer.data());
  if (set < 0) check(set, "KVM_SET_MSRS");
  return set;
}
}  // namespace

void Vcpu::setMsrs(const std::vector<std::pair<uint32_t, uint64_t>>& msrs) {
  int set = setSome(fd_.get(), msrs.data(), msrs.size());
  if (static_cast<size_t>(set) != msrs.size())
    throw CoreError("kvm-vcpu-ioctl-failed", "KVM_SET_MSRS refused MSR " + hex(msrs[set].first) + " = " + hex(msrs[set].second));
}

std::vector<std::pair<uint32_t, uint64_t>> Vcpu::setMsrsWhereAccepted(const std::vector<std::pair<uint32_t, uint64_t>>& msrs) {
  std::vector<std::pair<uint32_t, uint64_t>> refused;
  size_t next = 0;
  while (next < msrs.size()) {
    next += static_cast<size_t>(setSome(fd_.get(), msrs.data() + next, msrs.size() - next));
    if (next < msrs.size()) refused.push_back(msrs[next++]);
  }
  return refused;
}

std::vector<std::pair<uint32_t, uint64_t>> Vcpu::readableMsrs(const std::vector<uint32_t>& indices) const {
  std::vector<std::pair<uint32_t, uint64_t>> read;
  size_t next = 0;
  while (next < indices.size()) {
    size_t count = indices.size() - next;
    std::vector<unsigned char> buffer(sizeof(abi::MsrsHeader) + count * sizeof(kvm_msr_entry));
    reinterpret_cast<abi::MsrsHeader*>(buffer.data())->nmsrs = static_cast<uint32_t>(count);
    auto* entries = reinterpret_cast<kvm_msr_entry*>(buffer.data() + sizeof(abi::MsrsHeader));
    for (size_t i = 0; i < count; ++i) entries[i].index = indices[next + i];
    int got = ::ioctl(fd_.get(), abi::kGetMsrs, buffer.data());
    if (got < 0) check(got, "KVM_GET_MSRS");
    for (int i = 0; i < got; ++i) read.emplace_back(entries[i].index, entries[i].data);
    next += static_cast<size_t>(got) + 1;  // past the refused one, if any
  }
  return read;
}

kvm_debugregs Vcpu::getDebugRegs() const {
  kvm_debugregs regs{};
  check(::ioctl(fd_.get(), KVM_GET_DEBUGREGS, &regs), "KVM_GET_DEBUGREGS");
  return regs;
}

void Vcpu::setDebugRegs(const kvm_debugregs& regs) {
  check(::ioctl(fd_.get(), KVM_SET_DEBUGREGS, &regs), "KVM_SET_DEBUGREGS");
}

kvm_xcrs Vcpu::getXcrs() const {
  kvm_xcrs xcrs{};
  check(::ioctl(fd_.get(), KVM_GET_XCRS, &xcrs), "KVM_GET_XCRS");
  return xcrs;
}

void Vcpu::setXcrs(const kvm_xcrs& xcrs) { check(::ioctl(fd_.get(), KVM_SET_XCRS, &xcrs), "KVM_SET_XCRS"); }

kvm_vcpu_events Vcpu::getEvents() const {
  kvm_vcpu_events events{};
  check(::ioctl(fd_.get(), KVM_GET_VCPU_EVENTS, &events), "KVM_GET_VCPU_EVENTS");
  return events;
}

void Vcpu::setEvents(const kvm_vcpu_events& events) {
  check(::ioctl(fd_.get(), KVM_SET_VCPU_EVENTS, &events), "KVM_SET_VCPU_EVENTS");
}

kvm_lapic_state Vcpu::getLapic() const {
  kvm_lapic_state lapic{};
  check(::ioctl(fd_.get(), KVM_GET_LAPIC, &lapic), "KVM_GET_LAPIC");
  return lapic;
}

void Vcpu::setLapic(const kvm_lapic_state& lapic) { check(::ioctl(fd_.get(), KVM_SET_LAPIC, &lapic), "KVM_SET_LAPIC"); }

kvm_mp_state Vcpu::getMpState() const {
  kvm_mp_state state{};
  check(::ioctl(fd_.get(), KVM_GET_MP_STATE, &state), "KVM_GET_MP_STATE");
  return state;
}

void Vcpu::setMpState(const kvm_mp_state& state) {
  check(::ioctl(fd_.get(), KVM_SET_MP_STATE, &state), "KVM_SET_MP_STATE");
}

void Vcpu::setXcr0(uint64_t value) {
  kvm_xcrs xcrs{};
  xcrs.nr_xcrs = 1;
  xcrs.xcrs[0].xcr = 0;
  xcrs.xcrs[0].value = value;
  check(::ioctl(fd_.get(), KVM_SET_XCRS, &xcrs), "KVM_SET_XCRS");
}

void Vcpu::setSignalMask(const sigset_t& mask) {
  // The kernel's sigset is 64 bits on x86-64, not glibc's 1024-bit sigset_t.
  constexpr uint32_t kKernelSigsetBytes = 8;
  unsigned char buffer[sizeof(abi::SignalMaskHeader) + kKernelSigsetBytes];
  reinterpret_cast<abi::SignalMaskHeader*>(buffer)->len = kKernelSigsetBytes;
  std::memcpy(buffer + sizeof(abi::SignalMaskHeader), &mask, kKernelSigsetBytes);
  check(::ioctl(fd_.get(), abi::kSetSignalMask, buffer), "KVM_SET_SIGNAL_MASK");
}

void Vcpu::setGuestDebug(uint32_t control) {
  kvm_guest_debug debug{};
  debug.control = control;
  check(::ioctl(fd_.get(), KVM_SET_GUEST_DEBUG, &debug), "KVM_SET_GUEST_DEBUG");
}

void Vcpu::injectInterrupt(uint32_t vector) {
  kvm_interrupt irq{};
  irq.irq = vector;
  check(::ioctl(fd_.get(), KVM_INTERRUPT, &irq), "KVM_INTERRUPT");
}

void Vcpu::injectNmi() { check(::ioctl(fd_.get(), KVM_NMI, 0), "KVM_NMI"); }

long Vcpu::tscKhz() const {
  int khz = ::ioctl(fd_.get(), KVM_GET_TSC_KHZ, 0);
  return khz > 0 ? khz : 0;
}

}  // namespace kx
