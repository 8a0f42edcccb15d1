#include "cpu/exit_registers.hh"

namespace kx {

namespace {

// struct kvm_regs is sixteen general registers, RIP and RFLAGS, each 64 bits, in Reg's order.
static_assert(sizeof(kvm_regs) == 18 * sizeof(uint64_t));

uint64_t& slot(kvm_regs& regs, Reg reg) { return reinterpret_cast<uint64_t*>(&regs)[static_cast<unsigned>(reg)]; }

}  // namespace

kvm_regs& ExitRegisters::regs() {
  if (!fetched_) {
    regs_ = vcpu_.regsAtExit();
    fetched_ = true;
  }
  return regs_;
}

uint64_t ExitRegisters::get(Reg reg) { return slot(regs(), reg); }

void ExitRegisters::set(Reg reg, uint64_t value) {
  slot(regs(), reg) = value;
  vcpu_.setRegsForEntry(regs_);
}

unsigned ExitRegisters::privilegeLevel() { return vcpu_.getSregs().cs.dpl; }

uint64_t ExitRegisters::faultAddress() { return vcpu_.getSregs().cr2; }

void ExitRegisters::setFsBase(uint64_t base) {
  kvm_sregs sregs = vcpu_.getSregs();
  sregs.fs.base = base;
  vcpu_.setSregs(sregs);
}

void ExitRegisters::setGsBase(uint64_t base) {
  kvm_sregs sregs = vcpu_.getSregs();
  sregs.gs.base = base;
  vcpu_.setSregs(sregs);
}

uint64_t ExitRegisters::fsBase() { return vcpu_.getSregs().fs.base; }

uint64_t ExitRegisters::gsBase() { return vcpu_.getSregs().gs.base; }

}  // namespace kx
