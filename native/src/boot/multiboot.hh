#pragma once
// Multiboot 1 kernels, loaded the way `qemu-system-x86_64 -kernel file` loads
// them (QEMU: hw/i386/multiboot.c and pc-bios/optionrom/multiboot.S): the
// header is found in the first 8 KiB, the image is placed either by the
// header's a.out-kludge address fields (flags bit 16) or by the ELF program
// headers' physical addresses, and a Multiboot information block with the
// command line, modules and a memory map is written after the kernel.
//
// The kernel file, its header fields and the modules are untrusted: every
// refusal is CoreError("multiboot-image", "<kernel path>: <what, with numbers>").
// The caller starts the vCPU as the specification's "machine state" says:
// 32-bit protected mode, paging off, flat CS/DS, EAX = kBootloaderMagic,
// EBX = infoAddress, EIP = entry.
//
// Where this differs from QEMU, on purpose: the information block carries
// MEM, CMDLINE, MODS and MMAP only (QEMU adds BOOT_DEVICE and the boot loader
// name); mem_lower is 640 and the map has three entries (QEMU reports
// SeaBIOS's 639 KiB and e820 table); the command line is the caller's; ELF64
// images are loaded too (QEMU refuses them); nothing may load below 1 MiB.
// Like QEMU, header flag bits other than 0, 1 and 16 are ignored, the video
// mode of bit 2 included.
#include <cstdint>
#include <string>
#include <vector>

#include "boot/guest_memory.hh"

namespace kx {

namespace multiboot {

constexpr uint32_t kHeaderMagic = 0x1badb002;      // in the image's header
constexpr uint32_t kBootloaderMagic = 0x2badb002;  // in EAX at the entry point
constexpr uint64_t kHeaderSearchBytes = 8192;      // the header lies wholly inside these

// Header flags. Bits 0-15 are requirements, 16-31 optional features.
constexpr uint32_t kPageAlignModules = 1u << 0;
constexpr uint32_t kNeedMemoryInfo = 1u << 1;
constexpr uint32_t kWantsVideoMode = 1u << 2;  // QEMU warns and boots without one; so do we
constexpr uint32_t kAddressFields = 1u << 16;   // the "a.out kludge"

// Information block flags this loader sets: the ones QEMU sets (0x24f).
constexpr uint32_t kInfoMemory = 1u << 0;      // mem_lower, mem_upper
constexpr uint32_t kInfoBootDevice = 1u << 1;  // boot_device
constexpr uint32_t kInfoCmdline = 1u << 2;     // cmdline
constexpr uint32_t kInfoModules = 1u << 3;  // mods_count, mods_addr
constexpr uint32_t kInfoMmap = 1u << 6;     // mmap_length, mmap_addr
constexpr uint32_t kInfoLoaderName = 1u << 9;  // boot_loader_name

// Byte offsets of the information block's fields (specification 3.3).
enum InfoField : uint32_t {
  kFlags = 0,
  kMemLower = 4,
  kMemUpper = 8,
  kBootDevice = 12,
  kCmdline = 16,
  kModsCount = 20,
  kModsAddr = 24,
  kMmapLength = 44,
  kMmapAddr = 48,
  kLoaderName = 64,
};
// "No boot device", as QEMU says it.
constexpr uint32_t kNoBootDevice = 0x8000ffff;
constexpr uint32_t kInfoSize = 88;          // through the VBE fields, as QEMU writes it (left zero here)
constexpr uint32_t kModuleEntrySize = 16;   // mod_start, mod_end, cmdline, reserved
constexpr uint32_t kMmapEntrySize = 24;     // size (20, not counting itself), base_addr u64, length u64, type
constexpr uint32_t kMmapAvailable = 1;
constexpr uint32_t kMmapReserved = 2;
// Conventional memory as QEMU's BIOS reports it: 640 KiB less the 1 KiB
// extended BIOS data area at its top, which the map lists as reserved, as it
// does the BIOS area [0xf0000, 1 MiB) and the 128 KiB at the top of RAM that
// SeaBIOS keeps for its tables. A kernel sees the same usable RAM here as
// under qemu-system-x86_64 -kernel.
constexpr uint32_t kMemLowerKiB = 639;
constexpr uint64_t kBiosArea = 0xf0000;
constexpr uint64_t kTopReserved = 128 << 10;
constexpr uint64_t kUpperMemoryBase = 1ull << 20;

}  // namespace multiboot

struct MultibootModule {
  std::string hostPath;
  std::string cmdline;  // written verbatim (QEMU passes the whole `-initrd` item, "file args")
};

struct MultibootBoot {
  std::string cmdline;  // written verbatim; see qemuCommandLine() for QEMU's form
  std::vector<MultibootModule> modules;
};

struct MultibootImage {
  uint32_t entry;        // EIP at entry (for ELF: e_entry, moved to its physical address as QEMU does)
  uint32_t infoAddress;  // EBX at entry
  uint32_t headerFlags;  // the image's header flags, e.g. to warn that bit 2 (a video mode) is not honoured
  uint64_t kernelStart;  // [kernelStart, kernelEnd): the bytes the kernel image occupies, bss included
  uint64_t kernelEnd;
  uint64_t end;          // one past the last byte written: information block, strings, modules
};

// Loads the kernel at `path` and the modules into `memory`, and writes the
// information block (flags MEM, CMDLINE, MODS, MMAP; mem_lower 640, mem_upper
// the RAM above 1 MiB in KiB; mmap [0, 640K) available, [640K, 1M) reserved,
// [1M, RAM end) available). Everything is placed at or above 1 MiB; the
// information block starts at the first page boundary after the kernel, and
// every module starts on a page boundary (so flags bit 0 always holds).
MultibootImage loadMultiboot(const std::string& path, GuestMemory& memory, const MultibootBoot& boot);

// The kernel command line QEMU hands over for `-kernel path -append append`:
// the kernel's path, a space, then the -append text (also when it is empty).
inline std::string qemuCommandLine(const std::string& kernelPath, const std::string& append) {
  return kernelPath + " " + append;
}

}  // namespace kx
