#pragma once
// What the runner puts in an SE-mode guest besides the process: the GDT and
// TSS, an IDT whose exception gates report to the runner, the entry point of
// `syscall`, and the model-specific registers that route `syscall` there.
// They sit in the low physical pages (layout.hh) and are seen from the upper
// half, at kSeRunnerLinearBase + their physical address, away from every
// address a process can map. docs/se-mode.md describes them for users.
#include <linux/kvm.h>

#include <cstdint>
#include <vector>

#include "boot/guest_memory.hh"

namespace kx {

constexpr uint64_t kSeRunnerLinearBase = 0xffffffff80000000;
// Below 0x100 so that the stubs can use `out %al, $imm8` and clobber no
// register a system call preserves; free in QEMU's port map (docs/guest-abi.md).
constexpr uint16_t kSeSyscallPort = 0xec;
constexpr uint16_t kSeExceptionPort = 0xed;
// The page of entry stubs: `syscall` lands at +0, exception vector v at
// +0x100 + 8v. User-accessible, because on PVM `syscall` does not leave ring 3.
constexpr uint64_t kSeStubPage = 0x7000;
constexpr uint64_t kSeSyscallEntry = kSeStubPage;
constexpr uint64_t kSeExceptionEntries = kSeStubPage + 0x100;

struct MsrValue {
  uint32_t index;
  uint64_t value;
};

// GDT, TSS (RSP0; the I/O bitmap allows the two ports above and nothing
// else, so a program's own `in`/`out` faults as it would under Linux), IDT
// gates for the 32 exception vectors, and the stubs.
void writeSeRunnerPages(GuestMemory& memory);

// Long mode at CPL 3: user code and data segments, GDTR/IDTR/TR in the upper
// half, paging from `cr3`, NX and SYSCALL enabled; CR4.OSXSAVE when the CPU
// has XSAVE (the process then finds AVX where the host has it).
void setSeSregs(kvm_sregs& sregs, uint64_t cr3, bool osxsave);

// STAR, LSTAR and SFMASK: `syscall` jumps to the entry stub with IF, TF, DF
// and AC cleared, as Linux's entry does.
std::vector<MsrValue> seSyscallMsrs();

// What an exception stub reports: the vector (in AL) and, from the frame the
// CPU pushed at RSP0, where it happened.
struct ExceptionFrame {
  uint64_t vector = 0;
  uint64_t errorCode = 0;  // 0 for vectors without one
  uint64_t rip = 0, cs = 0, rflags = 0, rsp = 0, ss = 0;
};
// Reads the frame at the stub's RSP (a linear address in the runner's
// pages); false when RSP does not point at a whole frame there.
bool readExceptionFrame(const GuestMemory& memory, uint8_t vector, uint64_t rsp, ExceptionFrame& frame);

}  // namespace kx
