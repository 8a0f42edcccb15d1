// brk, mmap and friends over ProcessMemory. A file mapping is private pages
// filled with the file's bytes: nothing is written back, so a writable
// MAP_SHARED file mapping is refused with ENODEV (as a filesystem without
// shared mappings would), and a read-only one is served as private.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "se/guest_io.hh"
#include "se/syscall_handlers.hh"

namespace kx::se {
namespace {

constexpr uint64_t kPageMask = abi::kPageSize - 1;
constexpr uint64_t kLow2GiB = uint64_t{1} << 31;  // MAP_32BIT's limit
// PROT_SEM and the grows flags pass mprotect's check and change nothing here.
constexpr unsigned kProtSem = 0x8;  // Linux's, absent from glibc's headers
constexpr unsigned kKnownProt = PROT_READ | PROT_WRITE | PROT_EXEC | kProtSem | PROT_GROWSDOWN | PROT_GROWSUP;
constexpr int kMadvDontneedLocked = 24, kMadvLastKnown = 25;  // Linux 5.18 and 6.1, newer than the host's headers

SyscallOutcome ret(int64_t value) { return SyscallOutcome::returning(value); }

// len rounded up to pages, or false when that overflows.
bool pageAligned(uint64_t len, uint64_t& aligned) {
  aligned = (len + kPageMask) & ~kPageMask;
  return aligned >= len;
}

bool canRead(const OpenFile& file) { return (file.statusFlags() & O_ACCMODE) != O_WRONLY; }
bool canWrite(const OpenFile& file) { return (file.statusFlags() & O_ACCMODE) != O_RDONLY; }

// The file's bytes from `offset` into the pages at va: how many there were
// (fewer than len at the end of the file), or -errno.
int64_t fillFromFile(ProcessState& p, const OpenFile& file, uint64_t va, uint64_t len, uint64_t offset) {
  uint64_t done = 0;
  while (done < len) {
    uint64_t want = std::min(len - done, kChunk);
    ssize_t n = ::pread(file.hostFd(), p.bounce.data(), want, static_cast<off_t>(offset + done));
    if (n < 0) return -errno;
    if (n == 0) break;
    if (!p.memory.fill(va + done, p.bounce.data(), static_cast<uint64_t>(n))) return -EFAULT;
    done += static_cast<uint64_t>(n);
  }
  return static_cast<int64_t>(done);
}

// Zeroes the pages of [start, end) that the guest can read. Those hold their
// frames already; a PROT_NONE page is left alone, since ProcessMemory cannot
// say whether it has a frame, and filling it would give it one.
void zeroReadablePages(ProcessState& p, uint64_t start, uint64_t end) {
  for (uint64_t at = start; at < end;) {
    uint64_t chunk = std::min(end - at, kChunk);
    uint64_t readable = copyInPrefix(p.memory, at, p.bounce.data(), chunk);
    if (readable > 0) {
      std::memset(p.bounce.data(), 0, readable);
      p.memory.fill(at, p.bounce.data(), readable);
    }
    at += readable < chunk ? readable + abi::kPageSize : readable;  // past the page that is not readable
  }
}

// Checks in the order of Linux's ksys_mmap_pgoff and do_mmap, so a bad call
// gets the errno Linux gives it.
SyscallOutcome mapPages(ProcessState& p, uint64_t addr, uint64_t len, unsigned prot, int flags, int fd, uint64_t offset) {
  if (offset & kPageMask) return ret(-EINVAL);
  bool anonymous = flags & MAP_ANONYMOUS;
  std::shared_ptr<OpenFile> file;
  if (!anonymous) {
    file = p.fds.get(fd);
    if (!file || (file->statusFlags() & O_PATH)) return ret(-EBADF);
  }
  // No huge pages are reserved, as on a default Linux.
  if (flags & MAP_HUGETLB) return ret(anonymous ? -ENOMEM : -EINVAL);
  if (len == 0) return ret(-EINVAL);
  uint64_t size;
  if (!pageAligned(len, size)) return ret(-ENOMEM);
  if (offset + size < offset || offset + size > static_cast<uint64_t>(INT64_MAX)) return ret(-EOVERFLOW);
  bool shared;
  switch (flags & MAP_TYPE) {
    case MAP_SHARED_VALIDATE:
      if (flags & MAP_SYNC) return ret(-EOPNOTSUPP);
      shared = true;
      break;
    case MAP_SHARED:
      shared = true;
      break;
    case MAP_PRIVATE:
      shared = false;
      break;
    default:
      return ret(-EINVAL);
  }
  bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
  if (fixed && (addr & kPageMask)) return ret(-EINVAL);
  if (file) {
    if (shared && (prot & PROT_WRITE) && !canWrite(*file)) return ret(-EACCES);
    if (!canRead(*file)) return ret(-EACCES);
    Mappable kind = file->mappable();
    if (kind == Mappable::No || (kind == Mappable::HostFile && shared && (prot & PROT_WRITE))) return ret(-ENODEV);
    if (kind == Mappable::Anonymous) file.reset();  // /dev/zero
  }
  uint64_t hint = fixed ? addr : (addr + kPageMask < addr ? 0 : (addr + kPageMask) & ~kPageMask);
  int64_t va = p.memory.mapAnonymous(hint, size, prot & (PROT_READ | PROT_WRITE | PROT_EXEC), fixed,
                                     flags & MAP_FIXED_NOREPLACE, file ? file->guestPath() : "");
  if (va < 0) return ret(va);
  auto start = static_cast<uint64_t>(va);
  if ((flags & MAP_32BIT) && !fixed && start + size > kLow2GiB) {
    p.memory.unmap(start, size);
    return ret(-ENOMEM);
  }
  if (!file) {
    p.fileMappings.remove(start, size);
    return ret(va);
  }
  int64_t filled = fillFromFile(p, *file, start, size, offset);
  if (filled < 0) {
    p.memory.unmap(start, size);
    p.fileMappings.remove(start, size);
    return ret(filled);
  }
  p.fileMappings.add(start, size, file, offset);
  return ret(va);
}

// MADV_DONTNEED: anonymous pages read back as zeros, file pages as the file.
// Linux walks only the mappings in the range; ProcessMemory can only be
// probed page by page, so a range beyond kMaxDroppedBytes is refused with
// ENOMEM (what Linux says of a range with holes) instead of taking minutes.
// Holes are not reported: an unmapped page and a PROT_NONE one look alike.
SyscallOutcome dropPages(ProcessState& p, uint64_t start, uint64_t size) {
  constexpr uint64_t kMaxDroppedBytes = uint64_t{64} << 30;
  if (size > kMaxDroppedBytes) return ret(-ENOMEM);
  uint64_t at = start;
  for (const FileMappings::Range& r : p.fileMappings.overlapping(start, size)) {
    zeroReadablePages(p, at, r.start);
    int64_t filled = fillFromFile(p, *r.file, r.start, r.end - r.start, r.offset);
    zeroReadablePages(p, r.start + static_cast<uint64_t>(std::max<int64_t>(filled, 0)), r.end);
    at = r.end;
  }
  zeroReadablePages(p, at, start + size);
  return ret(0);
}

}  // namespace

SyscallOutcome sysBrk(ProcessState& p, const SyscallRequest& r) {
  return ret(static_cast<int64_t>(p.memory.brk(r.args[0])));
}

SyscallOutcome sysMmap(ProcessState& p, const SyscallRequest& r) {
  return mapPages(p, r.args[0], r.args[1], static_cast<uint32_t>(r.args[2]), intArg(r.args[3]), intArg(r.args[4]),
                  r.args[5]);
}

SyscallOutcome sysMunmap(ProcessState& p, const SyscallRequest& r) {
  int64_t result = p.memory.unmap(r.args[0], r.args[1]);
  uint64_t size;
  if (result == 0 && pageAligned(r.args[1], size)) p.fileMappings.remove(r.args[0], size);
  return ret(result);
}

SyscallOutcome sysMprotect(ProcessState& p, const SyscallRequest& r) {
  auto prot = static_cast<uint32_t>(r.args[2]);
  if ((prot & ~kKnownProt) || ((prot & PROT_GROWSDOWN) && (prot & PROT_GROWSUP))) return ret(-EINVAL);
  return ret(p.memory.protect(r.args[0], r.args[1], prot & (PROT_READ | PROT_WRITE | PROT_EXEC)));
}

// MREMAP_DONTUNMAP (Linux 5.7) is not offered: EINVAL, as an older kernel gives.
SyscallOutcome sysMremap(ProcessState& p, const SyscallRequest& r) {
  uint64_t oldVa = r.args[0], oldLen = r.args[1], newLen = r.args[2];
  auto flags = static_cast<uint32_t>(r.args[3]);
  if (flags & ~static_cast<uint32_t>(MREMAP_MAYMOVE | MREMAP_FIXED)) return ret(-EINVAL);
  int64_t result = p.memory.remap(oldVa, oldLen, newLen, flags, r.args[4]);
  uint64_t oldSize, newSize;
  if (result < 0 || !pageAligned(oldLen, oldSize) || !pageAligned(newLen, newSize)) return ret(result);
  auto newVa = static_cast<uint64_t>(result);
  std::vector<FileMappings::Range> was = p.fileMappings.overlapping(oldVa, oldSize);
  p.fileMappings.move(oldVa, oldSize, newVa, newSize);
  // A file mapping that grows shows more of its file, as the page cache would.
  bool wholeFileMapping = was.size() == 1 && was[0].start == oldVa && was[0].end == oldVa + oldSize;
  if (wholeFileMapping && newSize > oldSize) {
    uint64_t tailOffset = was[0].offset + oldSize;
    // Should the host fail to read, the tail stays zero: the pages are there either way.
    fillFromFile(p, *was[0].file, newVa + oldSize, newSize - oldSize, tailOffset);
    p.fileMappings.add(newVa + oldSize, newSize - oldSize, was[0].file, tailOffset);
  }
  return ret(result);
}

SyscallOutcome sysMadvise(ProcessState& p, const SyscallRequest& r) {
  uint64_t start = r.args[0], size;
  int advice = intArg(r.args[2]);
  if ((start & kPageMask) || !pageAligned(r.args[1], size) || start + size < start) return ret(-EINVAL);
  switch (advice) {
    case MADV_DONTNEED:
    case kMadvDontneedLocked:
      return size == 0 ? ret(0) : dropPages(p, start, size);
    case MADV_REMOVE:  // only for shared mappings, and there are none
      return ret(-EINVAL);
    default:
      // Hints about paging, forking, merging or dumping change nothing here.
      bool known = (advice >= MADV_NORMAL && advice <= MADV_DONTNEED) || (advice >= MADV_FREE && advice <= kMadvLastKnown);
      return ret(known ? 0 : -EINVAL);
  }
}

}  // namespace kx::se
