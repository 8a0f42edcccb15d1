#pragma once
// The guest-physical layout the runner sets up before the first instruction.
// docs/guest-abi.md is the guest-facing description of the same numbers.
#include <cstdint>

namespace kx::layout {

constexpr uint64_t kGdt = 0x1000;
constexpr uint64_t kIdt = 0x2000;  // 256 zeroed 16-byte gates: the runtime fills the ones it handles
constexpr uint64_t kTss = 0x3000;
constexpr uint64_t kTssSize = 104;
constexpr uint64_t kIoBitmapSize = 8192;  // one bit per port; all zero = every port allowed from ring 3
constexpr uint64_t kBootInfo = 0x6000;
constexpr uint64_t kBootInfoArgs = kBootInfo + 0x40;
constexpr uint64_t kBootInfoArgsMax = 0x1000 - 0x40 - 1;
constexpr uint64_t kPml4 = 0x8000;
constexpr uint64_t kPdpt = 0x9000;
constexpr uint64_t kPageDirs = 0xa000;  // four page directories: 4 GiB of 2 MiB pages
constexpr uint64_t kKernelStackTop = 0x80000;
// Everything below this belongs to the runner; loaded images start here.
constexpr uint64_t kImageFloor = 0x100000;

constexpr uint64_t kMinMemory = 2ull << 20;
// Guest RAM ends where the device window begins.
constexpr uint64_t kMmioHoleBase = 0xc0000000;
constexpr uint64_t kMaxMemory = kMmioHoleBase;

// Segment selectors (GDT indices x 8, RPL in the low bits).
constexpr uint16_t kKernelCs = 0x08;
constexpr uint16_t kKernelDs = 0x10;
constexpr uint16_t kUserDs = 0x1b;
constexpr uint16_t kUserCs = 0x23;
constexpr uint16_t kTssSelector = 0x28;

constexpr uint32_t kBootInfoMagic = 0x4942584b;  // "KXBI"
constexpr uint32_t kBootInfoVersion = 1;

// Where VMX keeps its real-mode TSS: out of the way, at the top of 32-bit space.
constexpr uint64_t kVmxTssAddress = 0xfffbd000;

}  // namespace kx::layout
