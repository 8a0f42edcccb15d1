#pragma once
// The registers of the vCPU whose exit is being serviced, for the device
// models whose protocol passes values in registers rather than in the access
// itself: gem5's m5ops (arguments in RDI, RSI, ...) and system calls (number
// in RAX, arguments, the return address in RCX). The CPU model implements it
// and fetches the registers only when a device asks; what a device sets is
// written back before the vCPU runs again.
#include <cstdint>

namespace kx {

// x86-64 general registers, in the order of struct kvm_regs.
enum class Reg : unsigned {
  Rax, Rbx, Rcx, Rdx, Rsi, Rdi, Rsp, Rbp,
  R8, R9, R10, R11, R12, R13, R14, R15,
  Rip, Rflags,
};

class CpuRegisters {
 public:
  virtual ~CpuRegisters() = default;
  virtual uint64_t get(Reg reg) = 0;
  virtual void set(Reg reg, uint64_t value) = 0;
  // The privilege level the access was made at (an SE system call's stub
  // runs at 3 on PVM, where `syscall` does not leave ring 3, and at 0 elsewhere).
  virtual unsigned privilegeLevel() = 0;
  // CR2: the address of the last page fault.
  virtual uint64_t faultAddress() = 0;
  // arch_prctl(ARCH_SET_FS / ARCH_SET_GS).
  virtual void setFsBase(uint64_t base) = 0;
  virtual void setGsBase(uint64_t base) = 0;
  virtual uint64_t fsBase() = 0;
  virtual uint64_t gsBase() = 0;
};

}  // namespace kx
