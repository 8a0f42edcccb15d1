#include "kvm/vm.hh"

#include <sys/ioctl.h>

#include <cerrno>

#include "sim/core_error.hh"

namespace kx {

Vm::Vm(const KvmDevice& kvm) : kvm_(kvm) {
  int fd = ::ioctl(kvm.fd(), KVM_CREATE_VM, 0);
  if (fd < 0) {
    int err = errno;
    throw CoreError("kvm-setup-failed",
                   errnoMessage("KVM_CREATE_VM on " + kvm.path(), err) +
                       (err == EBUSY ? ": another hypervisor owns the virtualisation extensions" : ""));
  }
  fd_.reset(fd);
}

void Vm::setUserMemoryRegion(uint32_t slot, uint64_t guestPhys, uint64_t size, void* host) {
  kvm_userspace_memory_region region{};
  region.slot = slot;
  region.guest_phys_addr = guestPhys;
  region.memory_size = size;
  region.userspace_addr = reinterpret_cast<uint64_t>(host);
  if (::ioctl(fd_.get(), KVM_SET_USER_MEMORY_REGION, &region) < 0)
    throw CoreError("kvm-setup-failed", errnoMessage("KVM_SET_USER_MEMORY_REGION (" + std::to_string(size) +
                                                        " bytes of guest memory)",
                                                    errno));
}

void Vm::setTssAddress(uint64_t guestPhys) {
  if (::ioctl(fd_.get(), KVM_SET_TSS_ADDR, guestPhys) < 0)
    throw CoreError("kvm-setup-failed", errnoMessage("KVM_SET_TSS_ADDR", errno));
}

void Vm::registerCoalescedZone(uint64_t base, uint32_t size, bool pio) {
  kvm_coalesced_mmio_zone zone{};
  zone.addr = base;
  zone.size = size;
  zone.pio = pio ? 1 : 0;
  // Port zones go through the same ioctl, told apart by zone.pio (KVM_CAP_COALESCED_PIO).
  if (::ioctl(fd_.get(), KVM_REGISTER_COALESCED_MMIO, &zone) < 0)
    throw CoreError("kvm-setup-failed", errnoMessage(std::string("KVM_REGISTER_COALESCED_MMIO for the ") +
                                                        (pio ? "port" : "MMIO") + " zone at " + std::to_string(base),
                                                    errno));
}

kvm_clock_data Vm::getClock() const {
  kvm_clock_data clock{};
  if (::ioctl(fd_.get(), KVM_GET_CLOCK, &clock) < 0) throw CoreError("kvm-setup-failed", errnoMessage("KVM_GET_CLOCK", errno));
  return clock;
}

void Vm::setClock(const kvm_clock_data& saved) {
  kvm_clock_data clock{};
  clock.clock = saved.clock;  // flags, realtime and host_tsc describe the saving host, not this one
  if (::ioctl(fd_.get(), KVM_SET_CLOCK, &clock) < 0) throw CoreError("kvm-setup-failed", errnoMessage("KVM_SET_CLOCK", errno));
}

int Vm::createVcpu(unsigned id) {
  int fd = ::ioctl(fd_.get(), KVM_CREATE_VCPU, id);
  if (fd < 0) throw CoreError("kvm-setup-failed", errnoMessage("KVM_CREATE_VCPU", errno));
  return fd;
}

}  // namespace kx
