#include "se/address_space.hh"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "devices/device_state.hh"
#include "sim/core_error.hh"

namespace kx::se {

// The system calls return Linux's errnos; the host's <cerrno> is Linux's.
static_assert(EPERM == 1 && ENOMEM == 12 && EFAULT == 14 && EEXIST == 17 && EINVAL == 22 && ENAMETOOLONG == 36);

namespace {

constexpr uint32_t kStateVersion = 1;
constexpr unsigned kProtAll = kProtRead | kProtWrite | kProtExec;
constexpr unsigned kMremapMayMove = 1;
constexpr unsigned kMremapFixed = 2;
constexpr uint64_t kUpperHalf = 0xffff800000000000ull;
// A page can need a table at each of the three levels below the root.
constexpr uint64_t kMostTablesPerPage = 3;

// A user page's leaf. Accessed and Dirty are preset so that the CPU never
// writes the entry back (a shadowing hypervisor would otherwise map a
// writable page read-only until its first write).
uint64_t userLeaf(uint64_t frame, unsigned prot) {
  uint64_t entry = frame | pte::kHeld;
  if (prot == kProtNone) return entry;
  entry |= pte::kPresent | pte::kUser | pte::kAccessed;
  if (prot & kProtWrite) entry |= pte::kWritable | pte::kDirty;
  if (!(prot & kProtExec)) entry |= pte::kNoExecute;
  return entry;
}

bool canonical(uint64_t va) {
  uint64_t top = va >> 47;
  return top == 0 || top == 0x1ffff;
}

uint64_t pageCount(uint64_t start, uint64_t end) { return (end - start) / kPageSize; }

}  // namespace

AddressSpace::AddressSpace(GuestMemory& memory, uint64_t framesBase, uint64_t framesEnd, Invalidate invalidate,
                           uint64_t mmapBase)
    : memory_(memory),
      invalidate_(std::move(invalidate)),
      mmapBase_(mmapBase),
      pool_(memory, framesBase, framesEnd),
      tables_(memory, pool_),
      budgetFrames_((framesEnd - framesBase) / kPageSize) {
  if (!invalidate_) throw CoreError("se-setup", "address space without an invalidate callback");
  if (!pageAligned(mmapBase) || mmapBase <= kMmapMinAddr || mmapBase > kUserEnd)
    throw CoreError("se-setup", "mmap base " + hex(mmapBase) + " is not a page inside user space (" +
                                    hex(kMmapMinAddr) + ", " + hex(kUserEnd) + "]");
}

// --- copies -----------------------------------------------------------------

bool AddressSpace::pagesAllow(uint64_t va, uint64_t len, uint64_t required) const {
  if (len == 0) return true;
  if (len - 1 > UINT64_MAX - va) return false;
  for (uint64_t page = pageDown(va), last = pageDown(va + (len - 1));; page += kPageSize) {
    if (!canonical(page) || (tables_.leaf(page) & required) != required) return false;
    if (page == last) return true;
  }
}

template <typename Copy>
void AddressSpace::forEachPiece(uint64_t va, uint64_t len, Copy copy) const {
  for (uint64_t done = 0; done < len;) {
    uint64_t at = va + done;
    uint64_t offset = at % kPageSize;
    uint64_t n = std::min(kPageSize - offset, len - done);
    uint64_t frame = tables_.leaf(at - offset) & pte::kFrameMask;
    copy(memory_.at(frame + offset, n), done, n);
    done += n;
  }
}

bool AddressSpace::copyIn(uint64_t va, void* dst, uint64_t len) const {
  if (!pagesAllow(va, len, pte::kPresent | pte::kUser)) return false;
  auto* out = static_cast<uint8_t*>(dst);
  forEachPiece(va, len, [&](const uint8_t* host, uint64_t done, uint64_t n) { std::memcpy(out + done, host, n); });
  return true;
}

bool AddressSpace::copyOut(uint64_t va, const void* src, uint64_t len) {
  if (!pagesAllow(va, len, pte::kPresent | pte::kUser | pte::kWritable)) return false;
  const auto* in = static_cast<const uint8_t*>(src);
  forEachPiece(va, len, [&](uint8_t* host, uint64_t done, uint64_t n) { std::memcpy(host, in + done, n); });
  return true;
}

int AddressSpace::copyInString(uint64_t va, std::string& out, uint64_t max) const {
  out.clear();
  for (uint64_t done = 0; done < max;) {
    uint64_t at = va + done;
    if (at < va || !canonical(at)) return -EFAULT;
    uint64_t offset = at % kPageSize;
    uint64_t leaf = tables_.leaf(at - offset);
    if ((leaf & (pte::kPresent | pte::kUser)) != (pte::kPresent | pte::kUser)) return -EFAULT;
    uint64_t n = std::min(kPageSize - offset, max - done);
    const char* host = reinterpret_cast<const char*>(memory_.at((leaf & pte::kFrameMask) + offset, n));
    if (const void* nul = std::memchr(host, 0, n)) {
      out.append(host, static_cast<const char*>(nul) - host);
      return 0;
    }
    out.append(host, n);
    done += n;
  }
  return -ENAMETOOLONG;
}

bool AddressSpace::fill(uint64_t va, const void* src, uint64_t len) {
  if (len == 0) return true;
  if (va >= kUserEnd || len > kUserEnd - va) return false;
  uint64_t start = pageDown(va), end = pageUp(va + len);
  if (vmas_.coveredUntil(start, end) != end) return false;
  // Only PROT_NONE pages lack frames; they get one, still not present.
  uint64_t missing = pageCount(start, end) - heldFrames(start, end);
  if (!fits(missing, std::min(PageTables::tablesNeeded(start, end), missing * kMostTablesPerPage))) return false;
  if (missing > 0)
    tables_.forEachLeaf(start, end, true, [&](uint64_t, uint64_t& entry) {
      if (!entry) entry = userLeaf(takeFrame(), kProtNone);
    });
  const auto* in = static_cast<const uint8_t*>(src);
  forEachPiece(va, len, [&](uint8_t* host, uint64_t done, uint64_t n) { std::memcpy(host, in + done, n); });
  return true;
}

// --- brk and mmap -----------------------------------------------------------

void AddressSpace::setBrkStart(uint64_t start) {
  if (!pageAligned(start) || start < kMmapMinAddr || start >= kUserEnd)
    throw CoreError("se-setup", "brk start " + hex(start) + " is not a page inside user space");
  if (brk_ != brkStart_) throw CoreError("se-setup", "brk start moved after the heap grew");
  brkStart_ = brk_ = start;
}

uint64_t AddressSpace::brk(uint64_t requested) {
  if (brkStart_ == 0 || requested < brkStart_ || requested > kUserEnd) return brk_;
  uint64_t oldEnd = pageUp(brk_), newEnd = pageUp(requested);
  if (newEnd < oldEnd) {
    release(newEnd, oldEnd, true);
  } else if (newEnd > oldEnd) {
    // Linux keeps a page free between the heap and whatever comes next.
    if (vmas_.overlaps(oldEnd, std::min(newEnd + kPageSize, kUserEnd))) return brk_;
    if (mapFixed(oldEnd, newEnd, kProtRead | kProtWrite, "[heap]") < 0) return brk_;
  }
  brk_ = requested;
  return brk_;
}

int64_t AddressSpace::mapAnonymous(uint64_t hint, uint64_t len, unsigned prot, bool fixed, bool noReplace,
                                   const std::string& name) {
  // Checks in Linux's order, so that a request wrong in two ways gets its errno.
  if (len == 0) return -EINVAL;
  if (prot & ~kProtAll) return -EINVAL;
  if (len > kUserEnd) return -ENOMEM;
  len = pageUp(len);
  if (fixed || noReplace) {
    if (hint > kUserEnd - len) return -ENOMEM;
    if (!pageAligned(hint)) return -EINVAL;
    if (hint < kMmapMinAddr) return -EPERM;
    if (noReplace && vmas_.overlaps(hint, hint + len)) return -EEXIST;
    return mapFixed(hint, hint + len, prot, name);
  }
  std::optional<uint64_t> at = findFree(hint, len);
  if (!at) return -ENOMEM;
  return mapFixed(*at, *at + len, prot, name);
}

std::optional<uint64_t> AddressSpace::findFree(uint64_t hint, uint64_t len) const {
  if (hint != 0) {
    uint64_t at = pageDown(std::max(hint, kMmapMinAddr));
    if (at <= kUserEnd - len && !vmas_.overlaps(at, at + len)) return at;
  }
  if (std::optional<uint64_t> below = vmas_.highestFit(kMmapMinAddr, mmapBase_, len)) return below;
  return vmas_.lowestFit(kMmapMinAddr, kUserEnd, len);
}

int64_t AddressSpace::unmap(uint64_t va, uint64_t len) {
  if (!pageAligned(va) || va > kUserEnd || len > kUserEnd - va || len == 0) return -EINVAL;
  if (touchesWindow(va, va + pageUp(len))) return -EINVAL;
  release(va, va + pageUp(len), true);
  return 0;
}

int64_t AddressSpace::protect(uint64_t va, uint64_t len, unsigned prot) {
  if (!pageAligned(va) || (prot & ~kProtAll)) return -EINVAL;
  if (len == 0) return 0;
  uint64_t alignedLen = pageUp(len);
  if (alignedLen == 0 || alignedLen > UINT64_MAX - va) return -ENOMEM;
  uint64_t end = va + alignedLen;
  if (touchesWindow(va, end)) return -EINVAL;
  uint64_t reached = va < kUserEnd ? vmas_.coveredUntil(va, std::min(end, kUserEnd)) : va;
  if (reached > va) {
    if (prot != kProtNone) {
      uint64_t missing = pageCount(va, reached) - heldFrames(va, reached);
      if (!fits(missing, std::min(PageTables::tablesNeeded(va, reached), missing * kMostTablesPerPage)))
        return -ENOMEM;
    }
    std::vector<uint64_t> changed;
    tables_.forEachLeaf(va, reached, prot != kProtNone, [&](uint64_t, uint64_t& entry) {
      if (!(entry & pte::kHeld)) {
        if (prot != kProtNone) entry = userLeaf(takeFrame(), prot);
        return;
      }
      uint64_t updated = userLeaf(entry & pte::kFrameMask, prot);
      if ((entry & pte::kPresent) && ((updated ^ entry) & ~(pte::kAccessed | pte::kDirty)))
        changed.push_back(entry & pte::kFrameMask);
      entry = updated;
    });
    vmas_.protect(va, reached, prot);
    invalidate(changed);
  }
  return reached == end ? 0 : -ENOMEM;
}

// --- mremap -----------------------------------------------------------------

int64_t AddressSpace::remap(uint64_t oldVa, uint64_t oldLen, uint64_t newLen, unsigned flags, uint64_t newVa) {
  if (flags & ~(kMremapMayMove | kMremapFixed)) return -EINVAL;
  if ((flags & kMremapFixed) && !(flags & kMremapMayMove)) return -EINVAL;
  if (!pageAligned(oldVa)) return -EINVAL;
  // PAGE_ALIGN as Linux computes it: a length within a page of 2^64 wraps to 0.
  oldLen = pageUp(oldLen);
  newLen = pageUp(newLen);
  if (newLen == 0) return -EINVAL;
  // Nothing is mapped beyond user space; checking that first also keeps the
  // sums below from wrapping.
  bool oldInUserSpace = oldVa <= kUserEnd && oldLen <= kUserEnd - oldVa;
  if (oldInUserSpace && touchesWindow(oldVa, oldVa + std::max(oldLen, kPageSize))) return -EINVAL;
  if (flags & kMremapFixed) return oldInUserSpace ? remapFixed(oldVa, oldLen, newLen, newVa) : -EFAULT;
  if (oldLen == newLen) return static_cast<int64_t>(oldVa);
  if (oldLen > newLen) {
    // Shrinking unmaps the tail, whatever is there (munmap's errno for a bad range).
    if (!oldInUserSpace) return -EINVAL;
    release(oldVa + newLen, oldVa + oldLen, true);
    return static_cast<int64_t>(oldVa);
  }
  if (!oldInUserSpace) return -EFAULT;
  const Mapping* m = vmas_.find(oldVa);
  if (!m || oldLen > m->end - oldVa) return -EFAULT;
  if (oldLen == 0) return -EINVAL;  // would duplicate a private mapping
  uint64_t grow = newLen - oldLen;
  if (oldVa + oldLen == m->end && grow <= kUserEnd - m->end && !vmas_.overlaps(m->end, m->end + grow)) {
    Mapping tail{m->end, m->end + grow, m->prot, m->name};
    int64_t result = mapFixed(tail.start, tail.end, tail.prot, tail.name);
    return result < 0 ? result : static_cast<int64_t>(oldVa);
  }
  if (!(flags & kMremapMayMove)) return -ENOMEM;
  std::optional<uint64_t> to = findFree(0, newLen);
  if (!to) return -ENOMEM;
  return move(oldVa, oldLen, *to, newLen);
}

int64_t AddressSpace::remapFixed(uint64_t oldVa, uint64_t oldLen, uint64_t newLen, uint64_t newVa) {
  if (!pageAligned(newVa)) return -EINVAL;
  if (newLen > kUserEnd || newVa > kUserEnd - newLen) return -EINVAL;
  if (oldVa + oldLen > newVa && newVa + newLen > oldVa) return -EINVAL;
  if (newVa < kMmapMinAddr) return -EPERM;
  release(newVa, newVa + newLen, true);
  if (oldLen > newLen) {
    release(oldVa + newLen, oldVa + oldLen, true);
    oldLen = newLen;
  }
  const Mapping* m = vmas_.find(oldVa);
  if (!m || oldLen > m->end - oldVa) return -EFAULT;
  if (oldLen == 0) return -EINVAL;
  return move(oldVa, oldLen, newVa, newLen);
}

int64_t AddressSpace::move(uint64_t oldVa, uint64_t oldLen, uint64_t newVa, uint64_t newLen) {
  const Mapping& from = *vmas_.find(oldVa);
  Mapping to{newVa, newVa + newLen, from.prot, from.name};
  uint64_t held = heldFrames(oldVa, oldVa + oldLen);
  uint64_t grow = newLen > oldLen && to.prot != kProtNone ? pageCount(oldLen, newLen) : 0;
  if (!fits(grow, std::min(PageTables::tablesNeeded(to.start, to.end), (held + grow) * kMostTablesPerPage)))
    return -ENOMEM;

  std::vector<std::pair<uint64_t, uint64_t>> moving;  // (offset, entry)
  std::vector<uint64_t> changed, emptyTables;
  tables_.forEachLeaf(oldVa, oldVa + oldLen, false, [&](uint64_t va, uint64_t& entry) {
    if (!entry) return;
    moving.emplace_back(va - oldVa, entry);
    if (entry & pte::kPresent) changed.push_back(entry & pte::kFrameMask);
    entry = 0;
  });
  vmas_.erase(oldVa, oldVa + oldLen);
  tables_.prune(oldVa, oldVa + oldLen, emptyTables);
  changed.insert(changed.end(), emptyTables.begin(), emptyTables.end());
  invalidate(changed);
  for (uint64_t table : emptyTables) pool_.release(table);

  vmas_.insert(to);
  for (const auto& [offset, entry] : moving) {
    uint64_t at = newVa + offset;
    tables_.forEachLeaf(at, at + kPageSize, true, [&, e = entry](uint64_t, uint64_t& slot) { slot = e; });
  }
  if (grow > 0) populate(newVa + oldLen, newVa + newLen, to.prot);
  return static_cast<int64_t>(newVa);
}

// --- building blocks --------------------------------------------------------

uint64_t AddressSpace::heldFrames(uint64_t start, uint64_t end) {
  uint64_t held = 0;
  tables_.forEachLeaf(start, end, false, [&](uint64_t, uint64_t& entry) { held += (entry & pte::kHeld) != 0; });
  return held;
}

bool AddressSpace::fits(uint64_t frames, uint64_t tables, uint64_t releasing) const {
  if (frames == 0 && tables == 0) return true;
  if (userFrames_ - releasing + frames > budgetFrames_) return false;
  return pool_.available() + releasing >= frames + tables;
}

bool AddressSpace::touchesWindow(uint64_t start, uint64_t end) const {
  for (const Mapping& w : windows_)
    if (start < w.end && w.start < end) return true;
  return false;
}

int64_t AddressSpace::mapFixed(uint64_t start, uint64_t end, unsigned prot, const std::string& name) {
  if (touchesWindow(start, end)) return -EINVAL;
  uint64_t held = heldFrames(start, end);
  uint64_t frames = prot == kProtNone ? 0 : pageCount(start, end);
  if (frames > 0 && !fits(frames, PageTables::tablesNeeded(start, end), held)) return -ENOMEM;
  release(start, end, false);
  vmas_.insert({start, end, prot, name});
  if (frames > 0) populate(start, end, prot);
  return static_cast<int64_t>(start);
}

void AddressSpace::populate(uint64_t start, uint64_t end, unsigned prot) {
  tables_.forEachLeaf(start, end, true, [&](uint64_t, uint64_t& entry) { entry = userLeaf(takeFrame(), prot); });
}

void AddressSpace::release(uint64_t start, uint64_t end, bool prune) {
  std::vector<uint64_t> changed, freed;
  tables_.forEachLeaf(start, end, false, [&](uint64_t, uint64_t& entry) {
    if (!entry) return;
    // A not-present frame was announced when it stopped being present.
    if (entry & pte::kPresent) changed.push_back(entry & pte::kFrameMask);
    freed.push_back(entry & pte::kFrameMask);
    entry = 0;
  });
  userFrames_ -= freed.size();
  vmas_.erase(start, end);
  if (prune) {
    size_t userFrames = freed.size();
    tables_.prune(start, end, freed);
    changed.insert(changed.end(), freed.begin() + static_cast<std::ptrdiff_t>(userFrames), freed.end());
  }
  invalidate(changed);
  for (uint64_t frame : freed) pool_.release(frame);
}

void AddressSpace::invalidate(std::vector<uint64_t>& frames) {
  std::sort(frames.begin(), frames.end());
  for (size_t run = 0; run < frames.size();) {
    size_t next = run + 1;
    while (next < frames.size() && frames[next] == frames[next - 1] + kPageSize) ++next;
    invalidate_(frames[run], (next - run) * kPageSize);
    run = next;
  }
}

uint64_t AddressSpace::takeFrame() {
  ++userFrames_;
  peakUserFrames_ = std::max(peakUserFrames_, userFrames_);
  return pool_.allocate();
}

// --- set-up -----------------------------------------------------------------

void AddressSpace::mapPhysical(uint64_t va, uint64_t pa, uint64_t len, bool writable, bool user, bool executable) {
  std::string what = "mapping guest-physical [" + hex(pa) + ", +" + hex(len) + ") at " + hex(va);
  if (!pageAligned(va) || !pageAligned(pa) || !pageAligned(len) || len == 0)
    throw CoreError("se-setup", what + ": addresses and length must be whole pages");
  if (va < kUpperHalf || len >= 0 - va)
    throw CoreError("se-setup", what + ": the runner's pages belong in the upper half, below 2^64");
  if (!memory_.contains(pa, len)) throw CoreError("se-setup", what + ": outside guest memory");
  if (pool_.overlaps(pa, len)) throw CoreError("se-setup", what + ": overlaps the process's frame range");
  bool taken = false;
  tables_.forEachLeaf(va, va + len, false, [&](uint64_t, uint64_t& entry) { taken |= entry != 0; });
  if (taken) throw CoreError("se-setup", what + ": part of it is already mapped");
  if (pool_.available() < PageTables::tablesNeeded(va, va + len))
    throw CoreError("se-setup", what + ": no frames left for its page tables");
  uint64_t flags = pte::kPresent | pte::kAccessed | (writable ? pte::kWritable | pte::kDirty : 0) |
                   (user ? pte::kUser : 0) | (executable ? 0 : pte::kNoExecute);
  tables_.forEachLeaf(va, va + len, true, [&](uint64_t at, uint64_t& entry) { entry = (pa + (at - va)) | flags; });
}

void AddressSpace::mapDeviceWindow(uint64_t va, uint64_t pa, uint64_t len, const std::string& name) {
  std::string what = "mapping the device window " + name + " [" + hex(pa) + ", +" + hex(len) + ") at " + hex(va);
  if (!pageAligned(va) || !pageAligned(pa) || !pageAligned(len) || len == 0)
    throw CoreError("se-setup", what + ": addresses and length must be whole pages");
  if (va < kMmapMinAddr || va > kUserEnd || len > kUserEnd - va) throw CoreError("se-setup", what + ": not in user space");
  if (pa < memory_.size()) throw CoreError("se-setup", what + ": it is guest RAM, not a device");
  if (vmas_.overlaps(va, va + len)) throw CoreError("se-setup", what + ": part of it is already mapped");
  if (pool_.available() < PageTables::tablesNeeded(va, va + len))
    throw CoreError("se-setup", what + ": no frames left for its page tables");
  uint64_t flags = pte::kPresent | pte::kAccessed | pte::kWritable | pte::kDirty | pte::kUser | pte::kNoExecute;
  tables_.forEachLeaf(va, va + len, true, [&](uint64_t at, uint64_t& entry) { entry = (pa + (at - va)) | flags; });
  Mapping window{va, va + len, kProtRead | kProtWrite, name};
  vmas_.insert(window);
  windows_.push_back(window);
}

std::optional<uint64_t> AddressSpace::translate(uint64_t va) const {
  if (!canonical(va)) return std::nullopt;
  uint64_t leaf = tables_.leaf(pageDown(va));
  if (!(leaf & pte::kPresent)) return std::nullopt;
  return (leaf & pte::kFrameMask) | (va % kPageSize);
}

// --- checkpoint ------------------------------------------------------------

void AddressSpace::saveState(StateWriter& out) const {
  out.put<uint32_t>(kStateVersion);
  out.put<uint64_t>(mmapBase_);
  pool_.saveState(out);
  tables_.saveState(out);
  vmas_.saveState(out);
  out.put<uint64_t>(windows_.size());
  for (const Mapping& w : windows_) putMapping(out, w);
  for (uint64_t value : {brkStart_, brk_, userFrames_, peakUserFrames_, budgetFrames_}) out.put<uint64_t>(value);
}

void AddressSpace::loadState(StateReader& in) {
  const std::string what = "SE address space";
  getStateVersion(in, what, kStateVersion);
  uint64_t mmapBase = in.get<uint64_t>();
  if (!pageAligned(mmapBase) || mmapBase <= kMmapMinAddr || mmapBase > kUserEnd)
    stateOutOfRange(what, "mmap base", hex(mmapBase));
  pool_.loadState(in);
  tables_.loadState(in);
  vmas_.loadState(in);
  uint64_t windowCount = in.get<uint64_t>();
  std::vector<Mapping> windows;
  for (uint64_t i = 0; i < windowCount; ++i) {
    Mapping w = getMapping(in, what);
    // A window is a mapping the process cannot change: it must be listed as one.
    const Mapping* listed = vmas_.find(w.start);
    if (!listed || listed->start != w.start || listed->end != w.end || listed->prot != w.prot || listed->name != w.name)
      throw CoreError("checkpoint-corrupt", what + ": device window " + w.name + " at " + hex(w.start) + " is not among the mappings");
    windows.push_back(std::move(w));
  }
  uint64_t brkStart = in.get<uint64_t>(), brk = in.get<uint64_t>();
  bool noHeap = brkStart == 0 && brk == 0;
  if (!noHeap && (!pageAligned(brkStart) || brkStart < kMmapMinAddr || brkStart >= kUserEnd))
    stateOutOfRange(what, "brk start", hex(brkStart));
  if (!noHeap && (brk < brkStart || brk > kUserEnd)) stateOutOfRange(what, "brk", hex(brk));
  uint64_t userFrames = in.get<uint64_t>(), peakUserFrames = in.get<uint64_t>(), budgetFrames = in.get<uint64_t>();
  // The root table is a handed-out frame that is no user page.
  if (userFrames >= pool_.inUse()) stateOutOfRange(what, "user frames", std::to_string(userFrames));
  if (peakUserFrames < userFrames || peakUserFrames > pool_.inUse() + pool_.available())
    stateOutOfRange(what, "peak user frames", std::to_string(peakUserFrames));
  mmapBase_ = mmapBase;
  windows_ = std::move(windows);
  brkStart_ = brkStart;
  brk_ = brk;
  userFrames_ = userFrames;
  peakUserFrames_ = peakUserFrames;
  budgetFrames_ = budgetFrames;
}

}  // namespace kx::se
