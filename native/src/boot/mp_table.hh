#pragma once
// The Intel MultiProcessor Specification 1.4 tables a BIOS leaves for the
// kernel: how an SMP guest finds its CPUs and its I/O APIC without ACPI.
// The shape is SeaBIOS's (src/fw/mptable.c) on a QEMU PC without PCI: one
// processor entry per CPU, an ISA bus, one I/O APIC, ISA IRQs 0-15 with
// QEMU's IRQ0 -> pin 2 override, and LINT0 = ExtINT, LINT1 = NMI.
//
// Layout at `address` (16-byte aligned, inside the BIOS area the memory map
// reports reserved, so a kernel's scan of 0xf0000-0xfffff finds it): the
// 16-byte floating pointer, then the configuration table right after it.
//
// Where this differs from SeaBIOS, on purpose: every CPU gets an entry
// (SeaBIOS lists one per package when CPUID reports hyper-threading), ExtINT
// goes to every LAPIC's LINT0 (SeaBIOS: the BSP's only), and IRQs 5, 9, 10
// and 11 are listed as ISA interrupts (SeaBIOS leaves them to PCI routing;
// there is no PCI here).
#include <cstdint>

#include "boot/cpu_features.hh"
#include "boot/guest_memory.hh"

namespace kx {

namespace mp {

constexpr uint64_t kBiosAreaEnd = 1ull << 20;  // the scan for the floating pointer stops here
constexpr unsigned kMaxCpus = 255;             // APIC IDs are 8 bits; 0xff means "all"
constexpr uint32_t kLocalApicAddress = 0xfee00000;
constexpr uint32_t kIoApicAddress = 0xfec00000;
constexpr uint8_t kLocalApicVersion = 0x14;  // an integrated xAPIC, as KVM's and QEMU's report
constexpr uint8_t kIoApicVersion = 0x11;     // the 82093AA, as QEMU's and KVM's report
constexpr uint8_t kIsaIrqs = 16;
constexpr uint8_t kTimerPin = 2;  // ISA IRQ0 arrives at I/O APIC pin 2, as QEMU wires its PIT

constexpr uint64_t kFloatingPointerSize = 16;
constexpr uint64_t kHeaderSize = 44;
constexpr uint64_t kProcessorEntrySize = 20;
constexpr uint64_t kEntrySize = 8;  // every other entry type
// Bus, I/O APIC, 15 I/O interrupts (IRQ2 has no pin: IRQ0 took it), 2 local interrupts.
constexpr unsigned kFixedEntries = 1 + 1 + (kIsaIrqs - 1) + 2;

// The I/O APIC's ID: the one KVM's in-kernel I/O APIC has at reset (and
// SeaBIOS reports), so the table describes the controller the guest finds.
// I/O APIC and LAPIC IDs live in different spaces since the xAPIC.
constexpr uint8_t kIoApicId = 0;

// The configuration table's length (its base table length field).
constexpr uint64_t configTableSize(unsigned cpus) {
  return kHeaderSize + cpus * kProcessorEntrySize + kFixedEntries * kEntrySize;
}
// Everything writeMpTable writes: floating pointer and configuration table.
constexpr uint64_t mpTableSize(unsigned cpus) { return kFloatingPointerSize + configTableSize(cpus); }

}  // namespace mp

// Where the machine puts the tables: the start of the BIOS area, which the
// Multiboot memory map reports reserved and nothing else is loaded into.
constexpr uint64_t kMpTableAddress = 0xf0000;
static_assert(kMpTableAddress + mp::mpTableSize(mp::kMaxCpus) <= mp::kBiosAreaEnd,
              "the MP table for the most CPUs must fit below 1 MiB");

struct MpTableSpec {
  unsigned cpus;     // 1 to mp::kMaxCpus; APIC IDs 0..cpus-1, CPU 0 the bootstrap processor
  CpuSignature cpu;  // CPUID leaf 1 EAX and EDX, copied into every processor entry
};

// Writes the floating pointer at `address` and the configuration table at
// address + 16; returns one past the last byte written. A CPU count outside
// 1..255, or an address that is not 16-byte aligned or whose tables would not
// lie wholly in [0xf0000, 1 MiB), is CoreError("internal"); memory that does
// not reach there is CoreError("guest-memory-range"). Nothing is written then.
uint64_t writeMpTable(GuestMemory& memory, uint64_t address, const MpTableSpec& spec);

}  // namespace kx
