#include "kvm/irqchip.hh"

#include <sys/ioctl.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "kvm/kvm_abi.hh"
#include "sim/core_error.hh"

namespace kx {

namespace {

kvm_irq_routing_entry route(uint32_t gsi, uint32_t chip, uint32_t pin) {
  kvm_irq_routing_entry entry{};
  entry.gsi = gsi;
  entry.type = KVM_IRQ_ROUTING_IRQCHIP;
  entry.u.irqchip.irqchip = chip;
  entry.u.irqchip.pin = pin;
  return entry;
}

// QEMU's PC routing: GSIs 0-15 reach the PICs' pins (GSI 2 is the cascade,
// never driven), and GSI n reaches IOAPIC pin n, except that the PIT's GSI 0
// is wired to pin 2 (the ISA "IRQ0 override" every PC firmware reports).
std::vector<kvm_irq_routing_entry> pcRouting() {
  std::vector<kvm_irq_routing_entry> entries;
  for (uint32_t irq = 0; irq < 16; ++irq) {
    if (irq == 2) continue;
    entries.push_back(irq < 8 ? route(irq, KVM_IRQCHIP_PIC_MASTER, irq) : route(irq, KVM_IRQCHIP_PIC_SLAVE, irq - 8));
  }
  for (uint32_t gsi = 0; gsi < KernelIrqchip::kIoapicPins; ++gsi) {
    if (gsi == 2) continue;
    entries.push_back(route(gsi, KVM_IRQCHIP_IOAPIC, gsi == 0 ? 2 : gsi));
  }
  return entries;
}

void check(int result, const char* what) {
  if (result < 0) throw CoreError("kvm-setup-failed", errnoMessage(what, errno));
}

}  // namespace

KernelIrqchip::KernelIrqchip(Vm& vm) : vmFd_(vm.fd()) {
  vm.kvm().requireExtension(KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP (machine.irqchip: kernel)");
  vm.kvm().requireExtension(KVM_CAP_PIT2, "KVM_CAP_PIT2 (machine.irqchip: kernel)");
  vm.kvm().requireExtension(KVM_CAP_IRQ_ROUTING, "KVM_CAP_IRQ_ROUTING (machine.irqchip: kernel)");
  check(::ioctl(vmFd_, KVM_CREATE_IRQCHIP, 0), "KVM_CREATE_IRQCHIP");
  kvm_pit_config pit{};
  pit.flags = KVM_PIT_SPEAKER_DUMMY;  // port 0x61 answers in the kernel too, as QEMU's does
  check(::ioctl(vmFd_, KVM_CREATE_PIT2, &pit), "KVM_CREATE_PIT2");

  std::vector<kvm_irq_routing_entry> entries = pcRouting();
  std::vector<uint8_t> buffer(sizeof(abi::RoutingHeader) + entries.size() * sizeof(kvm_irq_routing_entry));
  abi::RoutingHeader header{static_cast<uint32_t>(entries.size()), 0};
  std::memcpy(buffer.data(), &header, sizeof header);
  std::memcpy(buffer.data() + sizeof header, entries.data(), entries.size() * sizeof(kvm_irq_routing_entry));
  check(::ioctl(vmFd_, abi::kSetGsiRouting, buffer.data()), "KVM_SET_GSI_ROUTING");
}

void KernelIrqchip::setLevel(uint32_t gsi, bool level) {
  kvm_irq_level line{};
  line.irq = gsi;
  line.level = level ? 1 : 0;
  check(::ioctl(vmFd_, KVM_IRQ_LINE, &line), "KVM_IRQ_LINE");
}

namespace {
constexpr uint32_t kChips[] = {KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_IRQCHIP_IOAPIC};
}  // namespace

void KernelIrqchip::saveState(StateWriter& out) const {
  out.put<uint32_t>(1);
  for (uint32_t id : kChips) {
    kvm_irqchip chip{};
    chip.chip_id = id;
    check(::ioctl(vmFd_, KVM_GET_IRQCHIP, &chip), "KVM_GET_IRQCHIP");
    out.put(chip);
  }
  kvm_pit_state2 pit{};
  check(::ioctl(vmFd_, KVM_GET_PIT2, &pit), "KVM_GET_PIT2");
  out.put(pit);
}

void KernelIrqchip::loadState(StateReader& in) {
  uint32_t version = in.get<uint32_t>();
  if (version != 1) throw CoreError("checkpoint-corrupt", "interrupt controller state version " + std::to_string(version) + ", this build reads 1");
  kvm_irqchip chips[3];
  for (size_t i = 0; i < 3; ++i) {
    chips[i] = in.get<kvm_irqchip>();
    if (chips[i].chip_id != kChips[i])
      throw CoreError("checkpoint-corrupt", "interrupt controller state: chip " + std::to_string(chips[i].chip_id) + " where " + std::to_string(kChips[i]) + " belongs");
  }
  kvm_pit_state2 pit = in.get<kvm_pit_state2>();
  // Read whole before any is set: a damaged record changes nothing.
  for (kvm_irqchip& chip : chips) check(::ioctl(vmFd_, KVM_SET_IRQCHIP, &chip), "KVM_SET_IRQCHIP");
  check(::ioctl(vmFd_, KVM_SET_PIT2, &pit), "KVM_SET_PIT2");
}

}  // namespace kx
