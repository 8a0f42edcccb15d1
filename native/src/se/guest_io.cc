#include "se/guest_io.hh"

#include <algorithm>
#include <cerrno>

#include "se/linux_abi.hh"

namespace kx::se {
namespace {

// The bytes from va to the end of its page, at most len.
uint64_t toPageEnd(uint64_t va, uint64_t len) { return std::min(len, abi::kPageSize - (va & (abi::kPageSize - 1))); }

}  // namespace

bool inUserSpace(uint64_t va, uint64_t len) { return len <= abi::kTaskSizeMax && va <= abi::kTaskSizeMax - len; }

uint64_t copyInPrefix(const ProcessMemory& memory, uint64_t va, void* dst, uint64_t len) {
  if (memory.copyIn(va, dst, len)) return len;
  // Page by page up to the first that faults.
  auto* out = static_cast<uint8_t*>(dst);
  uint64_t done = 0;
  while (done < len) {
    uint64_t piece = toPageEnd(va + done, len - done);
    if (!memory.copyIn(va + done, out + done, piece)) break;
    done += piece;
  }
  return done;
}

// Writable pages are readable on x86 (there is no write-only page), so
// reading a range and writing the same bytes back finds the writable prefix
// without changing anything a single-threaded guest could see.
uint64_t writablePrefix(ProcessMemory& memory, uint64_t va, uint64_t len, void* scratch) {
  if (memory.copyIn(va, scratch, len) && memory.copyOut(va, scratch, len)) return len;
  auto* bytes = static_cast<uint8_t*>(scratch);
  uint64_t done = 0;
  while (done < len) {
    uint64_t piece = toPageEnd(va + done, len - done);
    if (!memory.copyIn(va + done, bytes + done, piece) || !memory.copyOut(va + done, bytes + done, piece)) break;
    done += piece;
  }
  return done;
}

int readGuestPath(const ProcessMemory& memory, uint64_t va, std::string& path) {
  return memory.copyInString(va, path, kPathMax);
}

}  // namespace kx::se
