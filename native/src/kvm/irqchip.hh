#pragma once
// KVM's in-kernel interrupt controllers for a PC (machine.irqchip: kernel):
// the two 8259 PICs, the IOAPIC, a LAPIC per vCPU and the i8254 PIT, all
// served inside the kernel. The GSI routing is QEMU's, so a guest finds
// ISA IRQ0 (the PIT) on IOAPIC pin 2, as the MP table and QEMU tell it.
#include <cstdint>

#include "kvm/vm.hh"
#include "sim/irq_line.hh"
#include "sim/state_codec.hh"

namespace kx {

class KernelIrqchip {
 public:
  // Must come before the first vCPU: KVM gives each vCPU a LAPIC only when
  // the irqchip already exists.
  explicit KernelIrqchip(Vm& vm);

  // Drives a GSI's input level (KVM_IRQ_LINE); the routing decides which
  // controller pins it reaches.
  void setLevel(uint32_t gsi, bool level);

  // A checkpoint of the controllers KVM keeps for the whole VM: both PICs,
  // the IOAPIC (its redirection table and pin levels) and the PIT. Each
  // vCPU's LAPIC goes with that vCPU (vcpu_state.hh).
  void saveState(StateWriter& out) const;
  void loadState(StateReader& in);

  static constexpr uint32_t kIoapicPins = 24;

 private:
  int vmFd_;
};

// A device's interrupt output wired to one GSI of the in-kernel irqchip.
class GsiLine : public IrqLine {
 public:
  GsiLine(KernelIrqchip& chip, uint32_t gsi) : chip_(chip), gsi_(gsi) {}
  void set(bool level) override { chip_.setLevel(gsi_, level); }

 private:
  KernelIrqchip& chip_;
  uint32_t gsi_;
};

}  // namespace kx
