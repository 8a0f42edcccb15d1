#pragma once
// Guest RAM in a checkpoint, without its zero pages: a guest of 1 GiB that
// touched 50 MiB writes about 50 MiB. One part, all fields little-endian:
//
//   header   "KXMEM\0\0\0", version u32, page size u32 (4096),
//            memory size u64, present page count u64        (32 bytes)
//   bitmap   one bit per page, page i at byte i/8 bit i%8 (1 = present)
//   pages    the present pages, 4096 bytes each, in ascending order
//
// Both directions stream: neither holds more than the bitmap in memory.
#include <cstdint>
#include <string>

#include "boot/guest_memory.hh"
#include "checkpoint/part_file.hh"

namespace kx {

namespace memory_image {
inline constexpr char kMagic[8] = {'K', 'X', 'M', 'E', 'M', 0, 0, 0};
inline constexpr uint32_t kVersion = 1;
inline constexpr uint32_t kPageSize = 4096;
inline constexpr uint64_t kHeaderBytes = 32;
}  // namespace memory_image

// The part is named "memory", in "memory.bin". The memory size must be a
// whole number of pages.
PartRecord writeMemoryImage(const std::string& dir, const GuestMemory& memory);

// Fills `memory` from the part. Pages absent from the image are made zero
// (only those that are not already; pages the mapping never populated are not
// even read, so a fresh mapping stays untouched).
// A header or bitmap that disagrees with itself, with the part's length or with
// memory.size() is "checkpoint-corrupt". Pages are read straight into guest
// memory, so when this throws, the memory holds a partial image.
void readMemoryImage(const std::string& dir, const PartRecord& record, GuestMemory& memory);

// SHA-256 hex of all of guest memory: tests compare two machines' final RAM.
std::string memoryDigest(const GuestMemory& memory);

}  // namespace kx
