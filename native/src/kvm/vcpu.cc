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

XsaveArea Vcpu::getXsave() const {
  // Asked of the VM once the guest's CPUID is set: the size follows the
  // features it may enable (AMX's tiles need more than 4 KiB).
  if (xsaveBytes_ == 0) {
    int xsave2 = ::ioctl(vmFd_, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
    xsaveBytes_ = std::max(sizeof(abi::XsaveRegion), xsave2 > 0 ? static_cast<size_t>(xsave2) : 0);
  }
  XsaveArea xsave(xsaveBytes_);
  if (xsaveBytes_ > sizeof(abi::XsaveRegion))
    check(::ioctl(fd_.get(), abi::kGetXsave2, xsave.data()), "KVM_GET_XSAVE2");
  else
    check(::ioctl(fd_.get(), abi::kGetXsave, xsave.data()), "KVM_GET_XSAVE");
  return xsave;
}

// KVM_SET_XSAVE reads as many bytes as KVM_CAP_XSAVE2 reported.
void Vcpu::setXsave(const XsaveArea& xsave) {
  if (xsave.size() != xsaveBytes_) throw CoreError("internal", "an XSAVE area of " + std::to_string(xsave.size()) + " bytes, not " + std::to_string(xsaveBytes_));
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

void Vcpu::setMsrs(const std::vector<std::pair<uint32_t, uint64_t>>& msrs) {
  std::vector<unsigned char> buffer(sizeof(abi::MsrsHeader) + msrs.size() * sizeof(kvm_msr_entry));
  reinterpret_cast<abi::MsrsHeader*>(buffer.data())->nmsrs = static_cast<uint32_t>(msrs.size());
  for (size_t i = 0; i < msrs.size(); ++i) {
    kvm_msr_entry entry{};
    entry.index = msrs[i].first;
    entry.data = msrs[i].second;
    std::memcpy(buffer.data() + sizeof(abi::MsrsHeader) + i * sizeof entry, &entry, sizeof entry);
  }
  // KVM_SET_MSRS returns how many it set, stopping at the first it refuses.
  int set = ::ioctl(fd_.get(), abi::kSetMsrs, buffer.data());
  if (set < 0) check(set, "KVM_SET_MSRS");
  if (static_cast<size_t>(set) != msrs.size())
    throw CoreError("kvm-vcpu-ioctl-failed", "KVM_SET_MSRS refused MSR " + hex(msrs[set].first) + " = " + hex(msrs[set].second));
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
