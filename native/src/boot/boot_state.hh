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

// The GDT (ring-0 and ring-3 segments, the TSS) and the TSS (RSP0, an I/O
// bitmap allowing every port), as seen at `linearBase` + their physical
// address: 0 for full-system guests, the upper half in SE mode, where the low
// addresses belong to the process.
void writeGdtAndTss(GuestMemory& memory, uint64_t linearBase);

// Long mode, CPL 0, paging on, segments and TR loaded from the GDT above,
// GDTR and IDTR at `linearBase` + their physical address. `osxsave`: the CPU
// has XSAVE, and CR4.OSXSAVE lets the guest use AVX and beyond (XCR0 says which).
void setLongModeSregs(kvm_sregs& sregs, bool osxsave, uint64_t linearBase = 0);

// What a Multiboot kernel starts in, as QEMU's -kernel leaves it: 32-bit
// protected mode, paging off, flat 4 GiB code and data segments from a small
// GDT in the 1 KiB below 640 KiB that the memory map reserves (the kernel
// must load its own before it reloads a segment, as the specification says).
void writeMultibootGdt(GuestMemory& memory);
void setProtectedModeSregs(kvm_sregs& sregs);
// EAX = the boot loader magic, EBX = the information block, EIP = the entry.
kvm_regs multibootRegs(uint32_t entry, uint32_t infoAddress);

// A flat 4 GiB segment of the GDT above; its DPL is the selector's RPL.
kvm_segment flatSegment(uint16_t selector, uint8_t type, bool code);
// Entry point in RIP, ring-0 stack in RSP, boot-info address in RDI.
kvm_regs initialRegs(uint64_t entry);

}  // namespace kx
