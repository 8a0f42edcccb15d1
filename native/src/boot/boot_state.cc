#include "boot/boot_state.hh"

#include "boot/layout.hh"
#include "boot/multiboot.hh"
#include "sim/core_error.hh"

namespace kx {

namespace {

constexpr uint64_t kPresent = 1, kWritable = 2, kUser = 4, kHuge = 0x80;

void writePageTables(GuestMemory& memory) {
  // 4 GiB identity map of 2 MiB user pages: RAM below 3 GiB and the device
  // window above it, so that ring-3 code reaches MMIO devices directly.
  memory.store<uint64_t>(layout::kPml4, layout::kPdpt | kPresent | kWritable | kUser);
  for (uint64_t dir = 0; dir < 4; ++dir) {
    uint64_t pd = layout::kPageDirs + dir * 0x1000;
    memory.store<uint64_t>(layout::kPdpt + dir * 8, pd | kPresent | kWritable | kUser);
    for (uint64_t i = 0; i < 512; ++i) {
      uint64_t phys = (dir << 30) | (i << 21);
      memory.store<uint64_t>(pd + i * 8, phys | kPresent | kWritable | kUser | kHuge);
    }
  }
}

}  // namespace

void writeGdtAndTss(GuestMemory& memory, uint64_t linearBase) {
  const uint64_t gdt[] = {
      0,
      0x00af9b000000ffffull,  // 0x08 ring-0 code, 64-bit
      0x00cf93000000ffffull,  // 0x10 ring-0 data
      0x00cff3000000ffffull,  // 0x18 ring-3 data
      0x00affb000000ffffull,  // 0x20 ring-3 code, 64-bit
  };
  memory.write(layout::kGdt, gdt, sizeof gdt);
  uint64_t base = linearBase + layout::kTss, limit = layout::kTssSize + layout::kIoBitmapSize;
  uint64_t low = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
                 (((base >> 24) & 0xff) << 56);
  memory.store<uint64_t>(layout::kGdt + 0x28, low);
  memory.store<uint64_t>(layout::kGdt + 0x30, base >> 32);
  memory.store<uint64_t>(layout::kTss + 4, linearBase + layout::kKernelStackTop);  // RSP0: where interrupts from ring 3 land
  memory.store<uint16_t>(layout::kTss + 102, static_cast<uint16_t>(layout::kTssSize));
  // The bitmap stays zero (all ports allowed); the CPU wants an all-ones byte after it.
  memory.store<uint8_t>(layout::kTss + layout::kTssSize + layout::kIoBitmapSize, 0xff);
}

namespace {

void writeBootInfo(GuestMemory& memory, const BootInfoFields& info) {
  if (info.args.size() > layout::kBootInfoArgsMax)
    throw CoreError("guest-args-too-long", "guest.args is " + std::to_string(info.args.size()) +
                                              " bytes once joined; the boot-info page holds at most " +
                                              std::to_string(layout::kBootInfoArgsMax));
  memory.store<uint32_t>(layout::kBootInfo + 0x00, layout::kBootInfoMagic);
  memory.store<uint32_t>(layout::kBootInfo + 0x04, layout::kBootInfoVersion);
  memory.store<uint64_t>(layout::kBootInfo + 0x08, memory.size());
  memory.store<uint64_t>(layout::kBootInfo + 0x10, layout::kBootInfoArgs);
  memory.store<uint32_t>(layout::kBootInfo + 0x18, static_cast<uint32_t>(info.args.size()));
  memory.store<uint64_t>(layout::kBootInfo + 0x20, info.tscHz);
  memory.write(layout::kBootInfoArgs, info.args.data(), info.args.size());
  memory.store<uint8_t>(layout::kBootInfoArgs + info.args.size(), 0);
}

}  // namespace

kvm_segment flatSegment(uint16_t selector, uint8_t type, bool code) {
  kvm_segment s{};
  s.base = 0;
  s.limit = 0xffffffff;
  s.selector = selector;
  s.type = type;
  s.present = 1;
  s.dpl = selector & 3;
  s.s = 1;
  s.l = code ? 1 : 0;
  s.db = code ? 0 : 1;
  s.g = 1;
  return s;
}

void writeBootStructures(GuestMemory& memory, const BootInfoFields& info) {
  writePageTables(memory);
  writeGdtAndTss(memory, 0);
  writeBootInfo(memory, info);
}

void setLongModeSregs(kvm_sregs& sregs, bool osxsave, uint64_t linearBase) {
  sregs.cs = flatSegment(layout::kKernelCs, 11, true);
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flatSegment(layout::kKernelDs, 3, false);
  sregs.tr = kvm_segment{};
  sregs.tr.base = linearBase + layout::kTss;
  sregs.tr.limit = static_cast<uint32_t>(layout::kTssSize + layout::kIoBitmapSize);
  sregs.tr.selector = layout::kTssSelector;
  sregs.tr.type = 11;  // busy 64-bit TSS
  sregs.tr.present = 1;
  sregs.gdt.base = linearBase + layout::kGdt;
  sregs.gdt.limit = 7 * 8 - 1;
  sregs.idt.base = linearBase + layout::kIdt;
  sregs.idt.limit = 256 * 16 - 1;
  sregs.cr3 = layout::kPml4;
  sregs.cr4 = (1u << 5) | (1u << 9) | (1u << 10);  // PAE, OSFXSR, OSXMMEXCPT
  if (osxsave) sregs.cr4 |= 1u << 18;
  sregs.cr0 = (1u << 0) | (1u << 1) | (1u << 4) | (1u << 5) | (1u << 16) | (1ull << 31);  // PE MP ET NE WP PG
  sregs.efer = (1u << 8) | (1u << 10);  // LME, LMA
}

namespace {

constexpr uint64_t kMultibootGdt = 0x9fc00;  // the reserved KiB below 640 KiB (multiboot::kMemLowerKiB)
constexpr uint64_t kMultibootTss = kMultibootGdt + 0x40;
constexpr uint16_t kCode32 = 0x08, kData32 = 0x10, kTss32 = 0x18;

kvm_segment flat32(uint16_t selector, uint8_t type) {
  kvm_segment s = flatSegment(selector, type, false);
  s.db = 1;
  return s;
}

}  // namespace

void writeMultibootGdt(GuestMemory& memory) {
  static_assert(kMultibootGdt >= uint64_t{multiboot::kMemLowerKiB} * 1024, "the GDT must sit in the reserved KiB");
  const uint64_t gdt[] = {0, 0x00cf9b000000ffffull, 0x00cf93000000ffffull};
  memory.write(kMultibootGdt, gdt, sizeof gdt);
  // A TSS descriptor, because VMX refuses to enter without a usable TR.
  uint64_t base = kMultibootTss, limit = 0x67;
  memory.store<uint64_t>(kMultibootGdt + kTss32,
                         limit | ((base & 0xffffff) << 16) | (0x8bull << 40) | (((base >> 24) & 0xff) << 56));
}

void setProtectedModeSregs(kvm_sregs& sregs) {
  sregs.cs = flat32(kCode32, 11);
  sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat32(kData32, 3);
  sregs.tr = kvm_segment{};
  sregs.tr.base = kMultibootTss;
  sregs.tr.limit = 0x67;
  sregs.tr.selector = kTss32;
  sregs.tr.type = 11;  // busy 32-bit TSS
  sregs.tr.present = 1;
  sregs.ldt = kvm_segment{};
  sregs.ldt.unusable = 1;
  sregs.gdt.base = kMultibootGdt;
  sregs.gdt.limit = 4 * 8 - 1;
  sregs.idt.base = 0;
  sregs.idt.limit = 0;
  sregs.cr0 = (1u << 0) | (1u << 4);  // PE, ET: protected mode, paging off
  sregs.cr3 = 0;
  sregs.cr4 = 0;
  sregs.efer = 0;
}

kvm_regs multibootRegs(uint32_t entry, uint32_t infoAddress) {
  kvm_regs regs{};
  regs.rip = entry;
  regs.rax = multiboot::kBootloaderMagic;
  regs.rbx = infoAddress;
  regs.rflags = 0x2;
  return regs;
}

kvm_regs initialRegs(uint64_t entry) {
  kvm_regs regs{};
  regs.rip = entry;
  regs.rsp = layout::kKernelStackTop;
  regs.rdi = layout::kBootInfo;
  regs.rflags = 0x2;
  return regs;
}

}  // namespace kx
