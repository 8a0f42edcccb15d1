#pragma once
// One KVM vCPU: the shared kvm_run page, the coalesced ring that follows it,
// and typed wrappers for the state ioctls. Knows nothing about devices.
#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "kvm/kvm_abi.hh"
#include "kvm/unique_fd.hh"
#include "kvm/vm.hh"

namespace kx {

// A struct kvm_xsave (abi::XsaveRegion) of the size this VM needs: 4 KiB,
// or more where KVM_CAP_XSAVE2 says so (AMX's tiles).
using XsaveArea = std::vector<uint8_t>;

class Vcpu {
 public:
  Vcpu(Vm& vm, unsigned id);
  ~Vcpu();
  Vcpu(const Vcpu&) = delete;
  Vcpu& operator=(const Vcpu&) = delete;

  int fd() const { return fd_.get(); }
  kvm_run* run() const { return run_; }
  // Bytes mapped at run(): the bound for offsets the kernel reports in it.
  size_t runSize() const { return mmapSize_; }
  // Null when the host lacks KVM_CAP_COALESCED_MMIO.
  abi::CoalescedRing* coalescedRing() const { return ring_; }
  // Entries in the ring; the kernel's KVM_COALESCED_MMIO_MAX depends on the page size.
  uint32_t coalescedRingCapacity() const { return ringCapacity_; }

  // One KVM_RUN. Returns 0, or the errno (EINTR when a signal kicked us out).
  int enter();

  // Asks KVM to copy the general registers into the run page on every exit
  // (KVM_CAP_SYNC_REGS), so reading them after an exit costs no ioctl.
  void syncRegsOnExit();
  // The general registers at the last exit: from the run page when synced, else KVM_GET_REGS.
  kvm_regs regsAtExit() const;

  kvm_regs getRegs() const;
  void setRegs(const kvm_regs& regs);
  // Registers changed while servicing an exit: through the run page when
  // synced (KVM applies them at the next entry), else KVM_SET_REGS now.
  void setRegsForEntry(const kvm_regs& regs);
  kvm_sregs getSregs() const;
  void setSregs(const kvm_sregs& sregs);
  // FPU and vector state: XSAVE's area holds every component the guest has
  // enabled (AVX, AVX-512); the legacy FPU ioctls hold x87 and SSE only.
  XsaveArea getXsave() const;
  void setXsave(const XsaveArea& xsave);
  // The bytes of this VM's XSAVE area: 4 KiB, or KVM_CAP_XSAVE2's size.
  size_t xsaveSize() const;
  kvm_fpu getFpu() const;
  void setFpu(const kvm_fpu& fpu);
  void setCpuid(const std::vector<kvm_cpuid_entry2>& entries);
  // (index, value) pairs; all or nothing.
  void setMsrs(const std::vector<std::pair<uint32_t, uint64_t>>& msrs);
  // Sets as many as KVM takes (KVM_SET_MSRS stops at the first it refuses)
  // and returns the refused ones.
  std::vector<std::pair<uint32_t, uint64_t>> setMsrsWhereAccepted(const std::vector<std::pair<uint32_t, uint64_t>>& msrs);
  // Reads the MSRs of `indices` this vCPU has; one KVM refuses to read is
  // left out (KVM_GET_MSRS stops at the first such), not an error.
  std::vector<std::pair<uint32_t, uint64_t>> readableMsrs(const std::vector<uint32_t>& indices) const;
  kvm_debugregs getDebugRegs() const;
  void setDebugRegs(const kvm_debugregs& regs);
  kvm_xcrs getXcrs() const;
  void setXcrs(const kvm_xcrs& xcrs);
  kvm_vcpu_events getEvents() const;
  void setEvents(const kvm_vcpu_events& events);
  // The in-kernel LAPIC's registers (machine.irqchip: kernel only).
  kvm_lapic_state getLapic() const;
  void setLapic(const kvm_lapic_state& lapic);
  kvm_mp_state getMpState() const;
  void setMpState(const kvm_mp_state& state);
  // XCR0: the state components XSAVE-enabled code may use (x87, SSE, AVX, ...).
  void setXcr0(uint64_t value);
  void setSignalMask(const sigset_t& mask);
  void setGuestDebug(uint32_t control);
  void injectInterrupt(uint32_t vector);
  void injectNmi();
  // KVM_GET_TSC_KHZ; 0 when the kernel cannot say.
  long tscKhz() const;

 private:
  UniqueFd fd_;
  kvm_run* run_ = nullptr;
  size_t mmapSize_ = 0;
  abi::CoalescedRing* ring_ = nullptr;
  uint32_t ringCapacity_ = 0;
  bool regsSynced_ = false;
  bool canSyncRegs_ = false;
  int vmFd_;
  mutable size_t xsaveBytes_ = 0;  // 0 until first asked (xsaveSize)
};

}  // namespace kx
