#pragma once
// A Linux process's user address space over page tables the runner owns: the
// VMAs, the 4-level tables in guest frames that realise them, and the frames
// behind the pages, all from one guest-physical range.
//
// The hypervisor (PVM) shadows these tables: it sees at once an entry that
// goes from not-present to present, but a change or removal of a present
// entry stays stale until the host drops the old target frame's host pages.
// So every modification of a present entry is followed by `invalidate` on
// its old frame (contiguous frames coalesced into one call), before that
// frame can be handed out again; additions do not call it.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "boot/guest_memory.hh"
#include "se/frame_pool.hh"
#include "se/page_tables.hh"
#include "se/process_memory.hh"
#include "se/user_layout.hh"
#include "se/vma_list.hh"
#include "sim/state_codec.hh"

namespace kx::se {

class AddressSpace : public ProcessMemory {
 public:
  using Invalidate = std::function<void(uint64_t physBase, uint64_t length)>;

  // Frames (for pages and page tables) come from [framesBase, framesEnd),
  // which must be all zero (see FramePool). The frame budget starts as the
  // whole range. mmap without MAP_FIXED searches down from `mmapBase`.
  AddressSpace(GuestMemory& memory, uint64_t framesBase, uint64_t framesEnd, Invalidate invalidate,
               uint64_t mmapBase = kDefaultMmapBase);
  // The tables point into this object's pool: it stays where it was made.
  AddressSpace(const AddressSpace&) = delete;
  AddressSpace& operator=(const AddressSpace&) = delete;

  bool copyIn(uint64_t va, void* dst, uint64_t len) const override;
  bool copyOut(uint64_t va, const void* src, uint64_t len) override;
  int copyInString(uint64_t va, std::string& out, uint64_t max) const override;
  // Also false when a PROT_NONE page that has no frame yet cannot get one.
  bool fill(uint64_t va, const void* src, uint64_t len) override;
  // Before setBrkStart there is no heap: the break is 0 and stays so.
  uint64_t brk(uint64_t requested) override;
  // `noReplace` implies `fixed` (MAP_FIXED_NOREPLACE). Protections other than
  // PROT_READ|WRITE|EXEC are -EINVAL; a fixed address below kMmapMinAddr is
  // -EPERM, as in Linux.
  int64_t mapAnonymous(uint64_t hint, uint64_t len, unsigned prot, bool fixed, bool noReplace,
                       const std::string& name) override;
  int64_t unmap(uint64_t va, uint64_t len) override;
  // As in Linux, a range that runs into a hole is changed up to the hole
  // before -ENOMEM is returned.
  int64_t protect(uint64_t va, uint64_t len, unsigned prot) override;
  int64_t remap(uint64_t oldVa, uint64_t oldLen, uint64_t newLen, unsigned flags, uint64_t newVa) override;
  // Bytes of frames behind user pages (a PROT_NONE reservation costs none).
  uint64_t mappedBytes() const override { return userFrames_ * kPageSize; }
  uint64_t peakMappedBytes() const override { return peakUserFrames_ * kPageSize; }

  // Set-up. The heap starts, empty, at `start` (page aligned, in user
  // space); CoreError("se-setup") for another start or once the heap grew.
  void setBrkStart(uint64_t start);
  // Bytes of frames user pages may hold; growing past it is -ENOMEM.
  void setFrameBudget(uint64_t bytes) { budgetFrames_ = bytes / kPageSize; }
  uint64_t frameBudget() const { return budgetFrames_ * kPageSize; }
  // The runner's own pages (GDT, IDT, TSS, system-call entry): guest-physical
  // [pa, pa+len) at `va` in the upper half, which the process cannot reach
  // with mmap/munmap. Never pool frames; never over an existing entry.
  void mapPhysical(uint64_t va, uint64_t pa, uint64_t len, bool writable, bool user, bool executable);

  // A device's MMIO window in the process's own half (gem5's m5ops at
  // 0xffff0000): guest-physical [pa, pa+len), which must lie past RAM, at
  // `va`, user-accessible. Listed among the mappings, so mmap never picks it;
  // munmap, mprotect, mremap and MAP_FIXED over it are -EINVAL.
  void mapDeviceWindow(uint64_t va, uint64_t pa, uint64_t len, const std::string& name);

  // CR3: the root table's guest-physical address.
  uint64_t cr3() const { return tables_.root(); }
  // Where `va` is, if a present entry maps it.
  std::optional<uint64_t> translate(uint64_t va) const;
  std::vector<Mapping> mappings() const { return vmas_.list(); }

  // A checkpoint of what the runner keeps outside guest memory: the frames
  // handed out, the root table, the mappings and device windows, the break,
  // the mmap base, the frame counts and budget. The tables, and what the
  // pages hold, are guest memory and saved with it. loadState replaces the
  // whole state, the runner's pages and device windows that the set-up
  // calls made included, on an object constructed with the same frame range
  // (else CoreError "checkpoint-incompatible"); a record it cannot trust is
  // "checkpoint-corrupt". Guest memory must be overwritten with the
  // checkpoint's image after the set-up calls, which write tables into it.
  // After a throw the object is half loaded: the run must end.
  void saveState(StateWriter& out) const;
  void loadState(StateReader& in);

 private:
  // Whether every page of [va, va+len) has a leaf with all `required` bits.
  bool pagesAllow(uint64_t va, uint64_t len, uint64_t required) const;
  // copy(host, doneSoFar, n) for each page-sized piece of [va, va+len),
  // whose pages all hold frames.
  template <typename Copy>
  void forEachPiece(uint64_t va, uint64_t len, Copy copy) const;
  uint64_t heldFrames(uint64_t start, uint64_t end);
  // Whether `frames` more user frames fit in the budget (once `releasing`
  // are given back) and the pool has them and `tables` more.
  bool fits(uint64_t frames, uint64_t tables, uint64_t releasing = 0) const;
  std::optional<uint64_t> findFree(uint64_t hint, uint64_t len) const;
  bool touchesWindow(uint64_t start, uint64_t end) const;

  // The building blocks, for page-aligned ranges inside user space.
  int64_t mapFixed(uint64_t start, uint64_t end, unsigned prot, const std::string& name);
  void populate(uint64_t start, uint64_t end, unsigned prot);
  // `prune`: also give back the tables left empty (an unmap, not a replacement).
  void release(uint64_t start, uint64_t end, bool prune);
  int64_t remapFixed(uint64_t oldVa, uint64_t oldLen, uint64_t newLen, uint64_t newVa);
  // Moves [oldVa, +oldLen), which lies in one mapping, to the free range
  // [newVa, +newLen), growing it with zeroed pages.
  int64_t move(uint64_t oldVa, uint64_t oldLen, uint64_t newVa, uint64_t newLen);
  // Announces the frames whose present mapping just changed, coalesced.
  void invalidate(std::vector<uint64_t>& frames);
  uint64_t takeFrame();

  GuestMemory& memory_;
  Invalidate invalidate_;
  uint64_t mmapBase_;
  FramePool pool_;
  PageTables tables_;
  VmaList vmas_;
  std::vector<Mapping> windows_;  // device windows (mapDeviceWindow): never the process's to change
  uint64_t brkStart_ = 0;
  uint64_t brk_ = 0;
  uint64_t userFrames_ = 0;
  uint64_t peakUserFrames_ = 0;
  uint64_t budgetFrames_;
};

}  // namespace kx::se
