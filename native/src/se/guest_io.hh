#pragma once
// Guest memory as the system calls touch it: every pointer and length is the
// guest's and untrusted, so host buffers are bounded (kChunk at a time) and
// a fault part way gives Linux's answer: the bytes before it count, and
// EFAULT only when there are none.
#include <cstdint>
#include <string>

#include "se/process_memory.hh"

namespace kx::se {

constexpr uint64_t kChunk = uint64_t{1} << 20;  // the bounce buffer
constexpr uint64_t kMaxRwCount = 0x7ffff000;    // Linux's MAX_RW_COUNT: the most one read or write moves
constexpr uint64_t kPathMax = 4096;             // with the NUL

// Linux's access_ok: a buffer must lie wholly in user space, or nothing moves (EFAULT).
bool inUserSpace(uint64_t va, uint64_t len);

// Copies the readable prefix of [va, va + len) (len <= kChunk) into dst: its length.
uint64_t copyInPrefix(const ProcessMemory& memory, uint64_t va, void* dst, uint64_t len);
// The writable prefix of [va, va + len) (len <= kChunk), found without
// changing guest memory: scratch (len bytes) holds what is read back.
uint64_t writablePrefix(ProcessMemory& memory, uint64_t va, uint64_t len, void* scratch);
// A path argument: 0, -EFAULT or -ENAMETOOLONG.
int readGuestPath(const ProcessMemory& memory, uint64_t va, std::string& path);

template <typename T>
bool readGuest(const ProcessMemory& memory, uint64_t va, T& value) {
  return memory.copyIn(va, &value, sizeof value);
}
template <typename T>
bool writeGuest(ProcessMemory& memory, uint64_t va, const T& value) {
  return memory.copyOut(va, &value, sizeof value);
}

}  // namespace kx::se
