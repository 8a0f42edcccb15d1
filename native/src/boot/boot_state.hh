#pragma once
// The 64-bit machine state a guest starts in: identity-mapped paging, a GDT
// with ring-0 and ring-3 segments, a TSS whose I/O bitmap lets ring 3 use
// every port (PVM needs the bitmap even with IOPL 3), an empty IDT, and the
// boot-info page carrying guest.args.
#include <linux/kvm.h>

#include <cstdint>
#include <string>

#include "boot/guest_memory.hh"

namespace kx {

struct BootInfoFields {
  std::string args;
  uint64_t tscHz;
};

// Writes the runner-owned structures below layout::kImageFloor.
void writeBootStructures(GuestMemory& memory, const BootInfoFields& info);

// Long mode, CPL 0, paging on, segments and TR loaded from the GDT above.
void setLongModeSregs(kvm_sregs& sregs);
// Entry point in RIP, ring-0 stack in RSP, boot-info address in RDI.
kvm_regs initialRegs(uint64_t entry);

}  // namespace kx
