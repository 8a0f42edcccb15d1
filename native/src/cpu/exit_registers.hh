#pragma once
// CpuRegisters over a KVM vCPU: the general registers are read once per exit,
// from the run page when KVM_CAP_SYNC_REGS copies them there (no ioctl, which
// costs ~5 us on PVM) and by KVM_GET_REGS otherwise; a register set is handed
// back the same way, applied by KVM at the next entry.
#include <linux/kvm.h>

#include "kvm/vcpu.hh"
#include "sim/cpu_registers.hh"

namespace kx {

class ExitRegisters : public CpuRegisters {
 public:
  explicit ExitRegisters(Vcpu& vcpu) : vcpu_(vcpu) {}
  // A new exit: what was read belongs to the last one.
  void invalidate() { fetched_ = false; }

  uint64_t get(Reg reg) override;
  void set(Reg reg, uint64_t value) override;
  unsigned privilegeLevel() override;
  uint64_t faultAddress() override;
  void setFsBase(uint64_t base) override;
  void setGsBase(uint64_t base) override;
  uint64_t fsBase() override;
  uint64_t gsBase() override;

 private:
  kvm_regs& regs();
  Vcpu& vcpu_;
  kvm_regs regs_{};
  bool fetched_ = false;
};

}  // namespace kx
