#pragma once
// A KVM virtual machine: its memory slots, coalesced-IO zones and vCPU creation.
#include <linux/kvm.h>

#include <cstdint>

#include "kvm/kvm_device.hh"
#include "kvm/unique_fd.hh"

namespace kx {

class Vm {
 public:
  explicit Vm(const KvmDevice& kvm);

  int fd() const { return fd_.get(); }
  const KvmDevice& kvm() const { return kvm_; }

  void setUserMemoryRegion(uint32_t slot, uint64_t guestPhys, uint64_t size, void* host);
  // Places the three pages Intel's VMX needs for real-mode TSS emulation
  // where the guest will not use them.
  void setTssAddress(uint64_t guestPhys);
  // Registers a write-only zone whose writes the kernel queues in the
  // coalesced ring instead of exiting; `pio` selects port space.
  void registerCoalescedZone(uint64_t base, uint32_t size, bool pio);
  int createVcpu(unsigned id);
  // The kvmclock's host-side value (KVM_GET_CLOCK / KVM_SET_CLOCK): what a
  // guest's paravirtual clock reads, kept across a checkpoint.
  kvm_clock_data getClock() const;
  void setClock(const kvm_clock_data& clock);

 private:
  const KvmDevice& kvm_;
  UniqueFd fd_;
};

}  // namespace kx
