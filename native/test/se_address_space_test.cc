// AddressSpace against Linux's answers and against the page tables as a CPU
// walks them (se_page_walk.hh): placement, VMAs, errnos for hostile
// arguments, the frame budget, and the PVM contract: every change or removal
// of a present entry is announced before its frame is reused, and additions
// are not announced at all.
#include <doctest/doctest.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "expect_error.hh"
#include "se/address_space.hh"
#include "se_page_walk.hh"

namespace kx::se {
namespace {

using test::expectCoreError;
using test::Leaf;
using test::TableWalk;

constexpr uint64_t kMemory = 64ull << 20;
constexpr uint64_t kFramesBase = 8ull << 20;
constexpr uint64_t kPage = kPageSize;
constexpr unsigned kR = kProtRead;
constexpr unsigned kRW = kProtRead | kProtWrite;
constexpr uint64_t kSpot = 0x40000000;  // a free user address for fixed mappings
constexpr uint64_t kUpper = 0xffff800000000000ull;

struct Fixture {
  GuestMemory memory{kMemory};
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  // Runs inside the invalidate callback, to look at the tables at that moment.
  std::function<void(uint64_t, uint64_t)> duringCall;
  AddressSpace space{memory, kFramesBase, kMemory, [this](uint64_t pa, uint64_t len) {
                       calls.emplace_back(pa, len);
                       if (duringCall) duringCall(pa, len);
                     }};

  TableWalk walk() const { return test::walkTables(memory, space.cr3()); }
  std::optional<Leaf> leaf(uint64_t va) const { return test::leafAt(memory, space.cr3(), va); }
  int64_t map(uint64_t len, unsigned prot = kRW, const std::string& name = "") {
    return space.mapAnonymous(0, len, prot, false, false, name);
  }
  int64_t mapAt(uint64_t va, uint64_t len, unsigned prot = kRW, const std::string& name = "") {
    return space.mapAnonymous(va, len, prot, true, false, name);
  }
  // The frames the calls named, each once.
  std::set<uint64_t> invalidated() const {
    std::set<uint64_t> frames;
    for (auto [pa, len] : calls) {
      CHECK(pa % kPage == 0);
      CHECK(len % kPage == 0);
      for (uint64_t f = pa; f < pa + len; f += kPage)
        CHECK_MESSAGE(frames.insert(f).second, "frame " << hex(f) << " announced twice");
    }
    return frames;
  }
  // The frames of the present leaves in [start, end).
  std::set<uint64_t> presentFrames(uint64_t start, uint64_t end) const {
    std::set<uint64_t> frames;
    for (const auto& [va, l] : walk().leaves)
      if (va >= start && va < end && l.present) frames.insert(l.frame());
    return frames;
  }
  // The byte at `va` whatever its protection, straight from its frame.
  uint8_t peek(uint64_t va) const {
    std::optional<Leaf> l = leaf(va);
    REQUIRE(l);
    return memory.load<uint8_t>(l->frame() + va % kPage);
  }
  std::vector<Mapping> mappings() const { return space.mappings(); }
};

bool same(const Mapping& m, uint64_t start, uint64_t end, unsigned prot, const std::string& name = "") {
  return m.start == start && m.end == end && m.prot == prot && m.name == name;
}

TEST_CASE_FIXTURE(Fixture, "a new address space maps nothing, and its root table is a pool frame") {
  CHECK(mappings().empty());
  CHECK(space.mappedBytes() == 0);
  CHECK(space.cr3() >= kFramesBase);
  CHECK(space.cr3() < kMemory);
  CHECK(space.cr3() % kPage == 0);
  TableWalk w = walk();
  CHECK(w.leaves.empty());
  CHECK(w.tables == std::set<uint64_t>{space.cr3()});
  CHECK(space.brk(0x50000000) == 0);  // no heap until set-up places it
}

TEST_CASE("construction checks the frame range, the mmap base and the callback") {
  GuestMemory memory(kMemory);
  auto noop = [](uint64_t, uint64_t) {};
  expectCoreError([&] { AddressSpace(memory, kFramesBase + 1, kMemory, noop); }, "se-setup", {"page aligned"});
  expectCoreError([&] { AddressSpace(memory, kFramesBase, kMemory + kPage, noop); }, "se-setup",
                  {"inside guest memory"});
  expectCoreError([&] { AddressSpace(memory, kFramesBase, kFramesBase, noop); }, "se-setup", {"non-empty"});
  expectCoreError([&] { AddressSpace(memory, kFramesBase, kMemory, nullptr); }, "se-setup", {"invalidate"});
  expectCoreError([&] { AddressSpace(memory, kFramesBase, kMemory, noop, kUserEnd + kPage); }, "se-setup",
                  {"mmap base 0x800000000000"});
  expectCoreError([&] { AddressSpace(memory, kFramesBase, kMemory, noop, 0x12345); }, "se-setup", {"mmap base"});
}

TEST_CASE_FIXTURE(Fixture, "mmap places mappings top-down below the mmap base, in the highest hole that fits") {
  CHECK(kDefaultMmapBase == 0x7ffff7fff000);
  int64_t a = map(3 * kPage, kRW, "a");
  CHECK(a == int64_t(kDefaultMmapBase - 3 * kPage));
  int64_t b = map(kPage, kRW, "b");
  CHECK(b == a - int64_t(kPage));
  std::vector<Mapping> list = mappings();
  REQUIRE(list.size() == 2);
  CHECK(same(list[0], b, b + kPage, kRW, "b"));
  CHECK(same(list[1], a, a + 3 * kPage, kRW, "a"));
  CHECK(space.unmap(a, 3 * kPage) == 0);
  CHECK(map(2 * kPage) == int64_t(kDefaultMmapBase - 2 * kPage));  // the freed hole, at its top
  CHECK(map(2 * kPage) == b - 2 * int64_t(kPage));                 // the one-page rest is too small
  CHECK(map(kPage) == a);                                           // but fits this
}

TEST_CASE_FIXTURE(Fixture, "an mmap hint is honoured when free, rounded down to its page, and otherwise ignored") {
  CHECK(space.mapAnonymous(kSpot + 5, kPage, kRW, false, false, "") == int64_t(kSpot));
  CHECK(space.mapAnonymous(kSpot, kPage, kRW, false, false, "") == int64_t(kDefaultMmapBase - kPage));
  // Below vm.mmap_min_addr the hint is raised to it, as in Linux.
  CHECK(space.mapAnonymous(0x1000, kPage, kRW, false, false, "") == int64_t(kMmapMinAddr));
  // A hint whose range would leave user space is not honoured.
  CHECK(space.mapAnonymous(kUserEnd - kPage, 2 * kPage, kRW, false, false, "") ==
        int64_t(kDefaultMmapBase - 3 * kPage));
  CHECK(space.mapAnonymous(kUpper, kPage, kRW, false, false, "") == int64_t(kDefaultMmapBase - 4 * kPage));
}

TEST_CASE_FIXTURE(Fixture, "MAP_FIXED replaces what is there; MAP_FIXED_NOREPLACE refuses with EEXIST") {
  REQUIRE(mapAt(kSpot, 4 * kPage) == int64_t(kSpot));
  std::vector<uint8_t> ones(4 * kPage, 1);
  REQUIRE(space.copyOut(kSpot, ones.data(), ones.size()));
  CHECK(mapAt(kSpot + kPage, 2 * kPage, kR, "other") == int64_t(kSpot + kPage));
  std::vector<Mapping> list = mappings();
  REQUIRE(list.size() == 3);
  CHECK(same(list[0], kSpot, kSpot + kPage, kRW));
  CHECK(same(list[1], kSpot + kPage, kSpot + 3 * kPage, kR, "other"));
  CHECK(same(list[2], kSpot + 3 * kPage, kSpot + 4 * kPage, kRW));
  CHECK(peek(kSpot) == 1);
  CHECK(peek(kSpot + kPage) == 0);  // the replacement is zeroed
  CHECK(peek(kSpot + 3 * kPage) == 1);

  CHECK(space.mapAnonymous(kSpot + 2 * kPage, kPage, kRW, true, true, "") == -EEXIST);
  CHECK(space.mapAnonymous(kSpot - kPage, 2 * kPage, kRW, true, true, "") == -EEXIST);
  CHECK(mappings().size() == 3);
  // NOREPLACE alone is fixed too (Linux sets MAP_FIXED with it).
  CHECK(space.mapAnonymous(kSpot + 4 * kPage, kPage, kRW, false, true, "") == int64_t(kSpot + 4 * kPage));
  CHECK(space.mapAnonymous(kSpot + 4 * kPage, kPage, kRW, false, true, "") == -EEXIST);
}

TEST_CASE_FIXTURE(Fixture, "leaf entries carry P, RW, US and NX as the protection asks") {
  struct Case {
    unsigned prot;
    bool writable, executable;
  };
  const Case cases[] = {{kProtRead, false, false},
                        {kProtWrite, true, false},
                        {kProtExec, false, true},
                        {kRW, true, false},
                        {kProtRead | kProtExec, false, true},
                        {kProtRead | kProtWrite | kProtExec, true, true}};
  uint64_t va = kSpot;
  for (const Case& c : cases) {
    CAPTURE(c.prot);
    REQUIRE(mapAt(va, kPage, c.prot) == int64_t(va));
    std::optional<Leaf> l = leaf(va);
    REQUIRE(l);
    CHECK(l->present);
    CHECK(l->user);
    CHECK(l->writable == c.writable);
    CHECK(l->executable == c.executable);
    CHECK(l->frame() >= kFramesBase);
    CHECK(space.translate(va + 0x123) == l->frame() + 0x123);
    va += 2 * kPage;
  }
  // PROT_NONE: reserved in the list, nothing in the tables until it is made accessible.
  REQUIRE(mapAt(va, kPage, kProtNone) == int64_t(va));
  CHECK(!leaf(va));
  CHECK(!space.translate(va));
  CHECK(mappings().back().prot == kProtNone);
  CHECK(space.mappedBytes() == 6 * kPage);
}

TEST_CASE_FIXTURE(Fixture, "hostile arguments get Linux's errno and change nothing") {
  REQUIRE(mapAt(kSpot, 2 * kPage) == int64_t(kSpot));
  REQUIRE(space.copyOut(kSpot, "keep", 4));
  std::vector<Mapping> before = mappings();
  uint64_t mappedBefore = space.mappedBytes();
  const uint64_t top = UINT64_MAX & ~(kPage - 1);

  SUBCASE("mmap") {
    CHECK(map(0) == -EINVAL);
    CHECK(map(kPage, 8) == -EINVAL);
    CHECK(map(kPage, 0x11) == -EINVAL);
    CHECK(map(1ull << 47) == -ENOMEM);
    CHECK(map(UINT64_MAX) == -ENOMEM);
    CHECK(map(UINT64_MAX - kPage) == -ENOMEM);
    CHECK(map(1ull << 46) == -ENOMEM);  // fits the address space, not the frame budget
    CHECK(mapAt(kSpot + 1, kPage) == -EINVAL);
    CHECK(mapAt(kUserEnd, kPage) == -ENOMEM);
    CHECK(mapAt(kUserEnd - kPage, 2 * kPage) == -ENOMEM);
    CHECK(mapAt(kUpper, kPage) == -ENOMEM);
    CHECK(mapAt(top, 2 * kPage) == -ENOMEM);
    CHECK(mapAt(kMmapMinAddr, 1ull << 47) == -ENOMEM);
    CHECK(mapAt(0, kPage) == -EPERM);
    CHECK(mapAt(kMmapMinAddr - kPage, kPage) == -EPERM);
  }
  SUBCASE("munmap") {
    CHECK(space.unmap(kSpot + 1, kPage) == -EINVAL);
    CHECK(space.unmap(kSpot, 0) == -EINVAL);
    CHECK(space.unmap(kUserEnd, kPage) == -EINVAL);
    CHECK(space.unmap(kUpper, kPage) == -EINVAL);
    CHECK(space.unmap(kPage, UINT64_MAX) == -EINVAL);
    CHECK(space.unmap(kUserEnd - kPage, 2 * kPage) == -EINVAL);
    CHECK(space.unmap(top, 2 * kPage) == -EINVAL);
    CHECK(space.unmap(kSpot + 16 * kPage, kPage) == 0);  // a hole: not an error
  }
  SUBCASE("mprotect") {
    CHECK(space.protect(kSpot + 1, kPage, kR) == -EINVAL);
    CHECK(space.protect(kSpot, kPage, 8) == -EINVAL);
    CHECK(space.protect(kSpot, 0, kR) == 0);
    CHECK(space.protect(kSpot + 16 * kPage, kPage, kR) == -ENOMEM);
    CHECK(space.protect(kUpper, kPage, kR) == -ENOMEM);
    CHECK(space.protect(top, 2 * kPage, kR) == -ENOMEM);
    CHECK(space.protect(kUserEnd, kPage, kR) == -ENOMEM);
    CHECK(space.protect(kSpot + 16 * kPage, UINT64_MAX, kR) == -ENOMEM);
  }
  SUBCASE("mremap") {
    CHECK(space.remap(kSpot, kPage, 2 * kPage, 4, 0) == -EINVAL);
    CHECK(space.remap(kSpot, kPage, 2 * kPage, 2, kSpot + 8 * kPage) == -EINVAL);  // FIXED without MAYMOVE
    CHECK(space.remap(kSpot + 1, kPage, 2 * kPage, 1, 0) == -EINVAL);
    CHECK(space.remap(kSpot, kPage, 0, 1, 0) == -EINVAL);
    CHECK(space.remap(kSpot, kPage, UINT64_MAX, 1, 0) == -EINVAL);  // page-aligns to 0
    CHECK(space.remap(kSpot + 16 * kPage, kPage, 2 * kPage, 1, 0) == -EFAULT);
    CHECK(space.remap(kSpot, 3 * kPage, 4 * kPage, 1, 0) == -EFAULT);  // runs past the mapping
    CHECK(space.remap(kSpot, 0, kPage, 1, 0) == -EINVAL);             // would duplicate a private mapping
    CHECK(space.remap(kUpper, kPage, 2 * kPage, 1, 0) == -EFAULT);
    CHECK(space.remap(top, 2 * kPage, kPage, 0, 0) == -EINVAL);
    CHECK(space.remap(kSpot, kPage, kPage, 3, kSpot + 8 * kPage + 1) == -EINVAL);
    CHECK(space.remap(kSpot, 2 * kPage, kPage, 3, kSpot + kPage) == -EINVAL);  // overlap
    CHECK(space.remap(kSpot, kPage, kPage, 3, kUpper) == -EINVAL);
    CHECK(space.remap(kSpot, kPage, 2 * kPage, 3, kUserEnd - kPage) == -EINVAL);
    CHECK(space.remap(kSpot, kPage, kPage, 3, 0) == -EPERM);
    CHECK(space.remap(kUpper, kPage, kPage, 3, kSpot + 8 * kPage) == -EFAULT);
  }
  SUBCASE("copies") {
    char byte = 0;
    std::string text;
    CHECK(!space.copyIn(UINT64_MAX - 2, &byte, 10));
    CHECK(!space.copyIn(kUpper, &byte, 1));
    CHECK(!space.copyIn(0x0000800000000000, &byte, 1));  // not canonical
    CHECK(!space.copyIn(kSpot + 2 * kPage - 1, &byte, 2));
    CHECK(!space.copyOut(UINT64_MAX, &byte, 1));
    CHECK(!space.fill(kUpper, &byte, 1));
    CHECK(!space.fill(kUserEnd - 1, &byte, 2));
    CHECK(space.copyInString(0x0000800000000000, text, 10) == -EFAULT);
    CHECK(space.copyInString(UINT64_MAX - 1, text, 10) == -EFAULT);
    CHECK(space.copyIn(kSpot + 16 * kPage, &byte, 0));  // nothing to copy
  }
  SUBCASE("brk") {
    space.setBrkStart(0x10000000);
    CHECK(space.brk(UINT64_MAX) == 0x10000000);
    CHECK(space.brk(kUpper) == 0x10000000);
    CHECK(space.brk(kUserEnd + 1) == 0x10000000);
    CHECK(space.brk(0x10000000 + (1ull << 45)) == 0x10000000);  // past the frame budget
  }
  std::vector<Mapping> after = mappings();
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) CHECK(same(after[i], before[i].start, before[i].end, before[i].prot));
  CHECK(space.mappedBytes() == mappedBefore);
  CHECK(calls.empty());
  char kept[4];
  REQUIRE(space.copyIn(kSpot, kept, 4));
  CHECK(std::memcmp(kept, "keep", 4) == 0);
}

TEST_CASE_FIXTURE(Fixture, "a huge PROT_NONE reservation costs no frames; only what is made accessible does") {
  const uint64_t size = 1ull << 46;
  int64_t base = map(size, kProtNone, "arena");
  REQUIRE(base > 0);
  CHECK(space.mappedBytes() == 0);
  CHECK(walk().tables.size() == 1);
  uint64_t hot = base + size - 16 * kPage;
  CHECK(space.protect(hot, 16 * kPage, kRW) == 0);
  CHECK(space.mappedBytes() == 16 * kPage);
  CHECK(space.protect(base, size, kRW) == -ENOMEM);  // checked before anything changes
  CHECK(space.mappedBytes() == 16 * kPage);
  std::vector<Mapping> list = mappings();
  REQUIRE(list.size() == 2);
  CHECK(same(list[0], base, hot, kProtNone, "arena"));
  CHECK(same(list[1], hot, base + size, kRW, "arena"));
  CHECK(space.protect(base, size, kProtNone) == 0);
  CHECK(space.unmap(base, size) == 0);
  CHECK(space.mappedBytes() == 0);
  CHECK(mappings().empty());
  CHECK(walk().tables == std::set<uint64_t>{space.cr3()});  // the emptied tables went back
}

TEST_CASE_FIXTURE(Fixture, "unmapping all of user space is quick and gives every frame back") {
  REQUIRE(mapAt(kSpot, 8 * kPage) > 0);
  REQUIRE(map(8 * kPage) > 0);
  REQUIRE(mapAt(0x7000000000, kPage) > 0);
  CHECK(space.unmap(kMmapMinAddr, kUserEnd - kMmapMinAddr) == 0);
  CHECK(mappings().empty());
  CHECK(space.mappedBytes() == 0);
  CHECK(space.peakMappedBytes() == 17 * kPage);
  CHECK(walk().tables == std::set<uint64_t>{space.cr3()});
}

TEST_CASE_FIXTURE(Fixture, "VMAs split and merge as Linux's do") {
  REQUIRE(mapAt(kSpot, 3 * kPage) == int64_t(kSpot));
  CHECK(space.protect(kSpot + kPage, kPage, kR) == 0);
  std::vector<Mapping> list = mappings();
  REQUIRE(list.size() == 3);
  CHECK(same(list[0], kSpot, kSpot + kPage, kRW));
  CHECK(same(list[1], kSpot + kPage, kSpot + 2 * kPage, kR));
  CHECK(same(list[2], kSpot + 2 * kPage, kSpot + 3 * kPage, kRW));
  CHECK(space.protect(kSpot + kPage, kPage, kRW) == 0);
  REQUIRE(mappings().size() == 1);
  CHECK(same(mappings()[0], kSpot, kSpot + 3 * kPage, kRW));

  CHECK(space.unmap(kSpot + kPage, kPage) == 0);
  list = mappings();
  REQUIRE(list.size() == 2);
  CHECK(same(list[0], kSpot, kSpot + kPage, kRW));
  CHECK(same(list[1], kSpot + 2 * kPage, kSpot + 3 * kPage, kRW));
  CHECK(mapAt(kSpot + kPage, kPage) == int64_t(kSpot + kPage));
  REQUIRE(mappings().size() == 1);
  // A different name keeps a neighbour apart.
  CHECK(mapAt(kSpot + 3 * kPage, kPage, kRW, "file") == int64_t(kSpot + 3 * kPage));
  CHECK(mappings().size() == 2);
}

TEST_CASE_FIXTURE(Fixture, "mprotect over a hole changes the pages before it, then fails with ENOMEM") {
  REQUIRE(mapAt(kSpot, 2 * kPage) > 0);
  REQUIRE(mapAt(kSpot + 3 * kPage, kPage) > 0);
  CHECK(space.protect(kSpot, 4 * kPage, kR) == -ENOMEM);
  CHECK(!leaf(kSpot)->writable);
  CHECK(!leaf(kSpot + kPage)->writable);
  CHECK(leaf(kSpot + 3 * kPage)->writable);
  CHECK(space.protect(kSpot + 2 * kPage, kPage, kR) == -ENOMEM);  // starting in the hole: nothing
  CHECK(leaf(kSpot + 3 * kPage)->writable);
}

TEST_CASE_FIXTURE(Fixture, "PROT_NONE keeps a page's contents for a later mprotect") {
  REQUIRE(mapAt(kSpot, kPage) > 0);
  REQUIRE(space.copyOut(kSpot + 10, "data", 4));
  uint64_t frame = *space.translate(kSpot);
  CHECK(space.protect(kSpot, kPage, kProtNone) == 0);
  char out[4];
  CHECK(!space.copyIn(kSpot + 10, out, 4));
  CHECK(!space.translate(kSpot));
  std::optional<Leaf> l = leaf(kSpot);
  REQUIRE(l);  // not present, but the frame is kept
  CHECK(!l->present);
  CHECK(space.mappedBytes() == kPage);
  CHECK(space.protect(kSpot, kPage, kR) == 0);
  CHECK(space.translate(kSpot) == frame);
  REQUIRE(space.copyIn(kSpot + 10, out, 4));
  CHECK(std::memcmp(out, "data", 4) == 0);
}

TEST_CASE_FIXTURE(Fixture, "copies cross pages and respect what ring 3 may do") {
  REQUIRE(mapAt(kSpot, 2 * kPage) > 0);
  REQUIRE(mapAt(kSpot + 2 * kPage, kPage, kR) > 0);
  REQUIRE(mapAt(kSpot + 3 * kPage, kPage, kProtNone) > 0);
  REQUIRE(mapAt(kSpot + 4 * kPage, kPage, kProtExec) > 0);

  SUBCASE("copyIn and copyOut across a page boundary") {
    const char text[] = "across";
    REQUIRE(space.copyOut(kSpot + kPage - 3, text, sizeof text));
    char back[sizeof text];
    REQUIRE(space.copyIn(kSpot + kPage - 3, back, sizeof back));
    CHECK(std::string(back) == text);
    CHECK(peek(kSpot + kPage) == 'o');
  }
  SUBCASE("copyOut into a read-only page fails and writes nothing") {
    std::vector<uint8_t> bytes(kPage + 8, 0x5a);
    CHECK(!space.copyOut(kSpot + 2 * kPage - 8, bytes.data(), bytes.size()));
    CHECK(peek(kSpot + 2 * kPage - 8) == 0);
    CHECK(!space.copyOut(kSpot + 4 * kPage, bytes.data(), 1));  // execute-only is not writable
  }
  SUBCASE("copyIn from PROT_NONE or a hole fails; read-only and execute-only pages read") {
    char byte;
    CHECK(!space.copyIn(kSpot + 3 * kPage, &byte, 1));
    CHECK(!space.copyIn(kSpot + 5 * kPage, &byte, 1));
    CHECK(space.copyIn(kSpot + 2 * kPage, &byte, 1));
    CHECK(space.copyIn(kSpot + 4 * kPage, &byte, 1));  // x86 pages are readable when present
  }
  SUBCASE("fill writes whatever the protection, gives a PROT_NONE page a frame, and refuses holes") {
    CHECK(space.fill(kSpot + 2 * kPage, "ro", 2));
    CHECK(peek(kSpot + 2 * kPage) == 'r');
    CHECK(space.fill(kSpot + 4 * kPage, "xo", 2));
    CHECK(peek(kSpot + 4 * kPage + 1) == 'o');
    uint64_t before = space.mappedBytes();
    CHECK(space.fill(kSpot + 3 * kPage + 100, "none", 4));
    CHECK(space.mappedBytes() == before + kPage);
    CHECK(!space.translate(kSpot + 3 * kPage));  // still not present
    CHECK(space.protect(kSpot + 3 * kPage, kPage, kR) == 0);
    char out[4];
    REQUIRE(space.copyIn(kSpot + 3 * kPage + 100, out, 4));
    CHECK(std::memcmp(out, "none", 4) == 0);
    std::vector<uint8_t> bytes(kPage + 2, 0x77);
    CHECK(!space.fill(kSpot + 5 * kPage - 1, bytes.data(), bytes.size()));
    CHECK(peek(kSpot + 5 * kPage - 1) == 0);  // nothing written
  }
  SUBCASE("copyInString") {
    std::string out;
    const char text[] = "hello";
    REQUIRE(space.copyOut(kSpot + kPage - 2, text, sizeof text));
    CHECK(space.copyInString(kSpot + kPage - 2, out, 64) == 0);
    CHECK(out == "hello");
    CHECK(space.copyInString(kSpot + kPage - 2, out, 6) == 0);
    CHECK(space.copyInString(kSpot + kPage - 2, out, 5) == -ENAMETOOLONG);
    CHECK(space.copyInString(kSpot + kPage - 2, out, 0) == -ENAMETOOLONG);
    std::vector<char> full(3, 'x');
    REQUIRE(space.fill(kSpot + 3 * kPage - 3, full.data(), full.size()));  // runs into PROT_NONE
    CHECK(space.copyInString(kSpot + 3 * kPage - 3, out, 64) == -EFAULT);
    CHECK(space.copyInString(kSpot + 3 * kPage - 3, out, 3) == -ENAMETOOLONG);
    CHECK(space.copyInString(kSpot + 5 * kPage, out, 64) == -EFAULT);
  }
}

TEST_CASE_FIXTURE(Fixture, "brk grows and shrinks the heap, never into a mapping or past the budget") {
  const uint64_t start = 0x10000000;
  expectCoreError([&] { space.setBrkStart(start + 1); }, "se-setup", {"brk start 0x10000001"});
  expectCoreError([&] { space.setBrkStart(kUserEnd); }, "se-setup", {"brk start"});
  space.setBrkStart(start);
  CHECK(space.brk(0) == start);
  CHECK(space.brk(start - 1) == start);
  CHECK(space.brk(start + 100) == start + 100);
  REQUIRE(mappings().size() == 1);
  CHECK(same(mappings()[0], start, start + kPage, kRW, "[heap]"));
  CHECK(space.copyOut(start + 50, "h", 1));
  CHECK(space.brk(start + 3 * kPage + 1) == start + 3 * kPage + 1);
  CHECK(same(mappings()[0], start, start + 4 * kPage, kRW, "[heap]"));
  REQUIRE(space.copyOut(start + 3 * kPage, "t", 1));
  CHECK(space.brk(start + kPage) == start + kPage);
  CHECK(same(mappings()[0], start, start + kPage, kRW, "[heap]"));
  CHECK(invalidated().size() >= 3);
  CHECK(space.brk(start + 4 * kPage) == start + 4 * kPage);
  CHECK(peek(start + 3 * kPage) == 0);  // what shrank away comes back zeroed
  CHECK(peek(start + 50) == 'h');
  expectCoreError([&] { space.setBrkStart(start); }, "se-setup", {"after the heap grew"});

  REQUIRE(mapAt(start + 10 * kPage, kPage) > 0);
  CHECK(space.brk(start + 10 * kPage) == start + 4 * kPage);  // into the mapping
  CHECK(space.brk(start + 9 * kPage + 1) == start + 4 * kPage);  // no free page before it
  CHECK(space.brk(start + 9 * kPage) == start + 9 * kPage);
  space.setFrameBudget(space.mappedBytes());
  CHECK(space.brk(start + 9 * kPage + 1) == start + 9 * kPage);
  CHECK(space.brk(start) == start);
  CHECK(mappings().size() == 1);  // only the other mapping is left
}

TEST_CASE_FIXTURE(Fixture, "the frame budget bounds user pages and is ENOMEM as Linux returns it") {
  space.setFrameBudget(16 * kPage + 100);
  CHECK(space.frameBudget() == 16 * kPage);
  int64_t a = map(16 * kPage);
  REQUIRE(a > 0);
  CHECK(map(kPage) == -ENOMEM);
  CHECK(map(kPage, kProtNone) > 0);  // a reservation is free
  CHECK(space.peakMappedBytes() == 16 * kPage);
  // Replacing pages releases theirs first.
  CHECK(mapAt(a, 8 * kPage) == a);
  CHECK(space.unmap(a, 8 * kPage) == 0);
  CHECK(space.mappedBytes() == 8 * kPage);
  CHECK(mapAt(kSpot, 8 * kPage, kProtNone) == int64_t(kSpot));
  CHECK(space.protect(kSpot, 8 * kPage, kRW) == 0);
  CHECK(space.remap(kSpot, 8 * kPage, 9 * kPage, 1, 0) == -ENOMEM);
  CHECK(space.mappedBytes() == 16 * kPage);
  CHECK(space.peakMappedBytes() == 16 * kPage);
}

TEST_CASE("a small frame pool runs out with ENOMEM, not a crash") {
  GuestMemory memory(kMemory);
  std::vector<std::pair<uint64_t, uint64_t>> calls;
  AddressSpace space(memory, kFramesBase, kFramesBase + 32 * kPage,
                     [&](uint64_t pa, uint64_t len) { calls.emplace_back(pa, len); });
  CHECK(space.mapAnonymous(kSpot, 16 * kPage, kRW, true, false, "") == int64_t(kSpot));  // 16 + 3 tables
  CHECK(space.mapAnonymous(0, 16 * kPage, kRW, false, false, "") == -ENOMEM);
  CHECK(space.mapAnonymous(0, 8 * kPage, kRW, false, false, "") > 0);  // 8 + 3 tables: just fits
  CHECK(space.mapAnonymous(0, kPage, kRW, false, false, "") == -ENOMEM);
  CHECK(space.mappedBytes() == 24 * kPage);
}

TEST_CASE_FIXTURE(Fixture, "mremap shrinks, grows in place, and moves with the contents") {
  REQUIRE(mapAt(kSpot, 4 * kPage) > 0);
  for (uint64_t i = 0; i < 4; ++i) REQUIRE(space.copyOut(kSpot + i * kPage, &i, 1));

  SUBCASE("shrink in place") {
    CHECK(space.remap(kSpot, 4 * kPage, 2 * kPage, 0, 0) == int64_t(kSpot));
    CHECK(same(mappings()[0], kSpot, kSpot + 2 * kPage, kRW));
    CHECK(space.mappedBytes() == 2 * kPage);
  }
  SUBCASE("grow in place") {
    CHECK(space.remap(kSpot, 4 * kPage, 6 * kPage, 0, 0) == int64_t(kSpot));
    CHECK(same(mappings()[0], kSpot, kSpot + 6 * kPage, kRW));
    CHECK(peek(kSpot + 3 * kPage) == 3);
    CHECK(peek(kSpot + 5 * kPage) == 0);
    CHECK(calls.empty());
  }
  SUBCASE("grow blocked: ENOMEM without MAYMOVE, a move with it") {
    REQUIRE(mapAt(kSpot + 4 * kPage, kPage, kR) > 0);
    CHECK(space.remap(kSpot, 4 * kPage, 5 * kPage, 0, 0) == -ENOMEM);
    std::set<uint64_t> frames = presentFrames(kSpot, kSpot + 4 * kPage);
    int64_t to = space.remap(kSpot, 4 * kPage, 5 * kPage, 1, 0);
    REQUIRE(to > 0);
    CHECK(to == int64_t(kDefaultMmapBase - 5 * kPage));
    for (uint64_t i = 0; i < 4; ++i) CHECK(peek(to + i * kPage) == i);
    CHECK(peek(to + 4 * kPage) == 0);
    CHECK(presentFrames(to, to + 4 * kPage) == frames);  // the frames moved, not copies
    CHECK(invalidated() == frames);
    std::vector<Mapping> list = mappings();
    REQUIRE(list.size() == 2);
    CHECK(same(list[0], kSpot + 4 * kPage, kSpot + 5 * kPage, kR));
    CHECK(same(list[1], to, to + 5 * kPage, kRW));
    CHECK(space.mappedBytes() == 6 * kPage);
  }
  SUBCASE("a middle part that cannot grow in place moves") {
    int64_t to = space.remap(kSpot + kPage, kPage, 2 * kPage, 1, 0);
    REQUIRE(to > 0);
    CHECK(peek(to) == 1);
    std::vector<Mapping> list = mappings();
    REQUIRE(list.size() == 3);
    CHECK(same(list[0], kSpot, kSpot + kPage, kRW));
    CHECK(same(list[1], kSpot + 2 * kPage, kSpot + 4 * kPage, kRW));
  }
  SUBCASE("MREMAP_FIXED replaces the target") {
    const uint64_t target = kSpot + 64 * kPage;
    REQUIRE(mapAt(target, 8 * kPage, kR, "old") > 0);
    CHECK(space.remap(kSpot, 4 * kPage, 2 * kPage, 3, target + kPage) == int64_t(target + kPage));
    CHECK(peek(target + kPage) == 0);
    CHECK(peek(target + 2 * kPage) == 1);
    std::vector<Mapping> list = mappings();
    REQUIRE(list.size() == 3);  // the shrunk source went with the move
    CHECK(same(list[0], target, target + kPage, kR, "old"));
    CHECK(same(list[1], target + kPage, target + 3 * kPage, kRW));
    CHECK(same(list[2], target + 3 * kPage, target + 8 * kPage, kR, "old"));
    CHECK(space.mappedBytes() == 8 * kPage);
  }
  SUBCASE("a range across two mappings cannot grow") {
    REQUIRE(space.protect(kSpot + 2 * kPage, 2 * kPage, kR) == 0);
    CHECK(space.remap(kSpot, 4 * kPage, 8 * kPage, 1, 0) == -EFAULT);
  }
  SUBCASE("a PROT_NONE part moves with its kept frame") {
    REQUIRE(space.protect(kSpot, 4 * kPage, kProtNone) == 0);
    calls.clear();
    int64_t to = space.remap(kSpot, 4 * kPage, 8 * kPage, 3, kSpot + 64 * kPage);
    REQUIRE(to == int64_t(kSpot + 64 * kPage));
    CHECK(calls.size() <= 1);  // only the emptied tables, if any
    CHECK(space.mappedBytes() == 4 * kPage);
    REQUIRE(space.protect(to, 8 * kPage, kR) == 0);
    CHECK(peek(to + 3 * kPage) == 3);
    CHECK(peek(to + 7 * kPage) == 0);
  }
}

// The PVM contract, operation by operation.
TEST_CASE_FIXTURE(Fixture, "invalidation: additions are never announced") {
  space.setBrkStart(0x10000000);
  REQUIRE(map(4 * kPage) > 0);
  REQUIRE(mapAt(kSpot, 4 * kPage, kProtNone) > 0);
  REQUIRE(space.brk(0x10000000 + 3 * kPage) == 0x10000000 + 3 * kPage);
  REQUIRE(space.fill(kSpot, "x", 1));                          // a frame for a PROT_NONE page
  REQUIRE(space.protect(kSpot, 4 * kPage, kRW) == 0);          // held and frameless PROT_NONE -> present
  REQUIRE(space.remap(kSpot, 4 * kPage, 8 * kPage, 0, 0) == int64_t(kSpot));  // grows in place
  REQUIRE(space.protect(kSpot, 8 * kPage, kRW) == 0);          // no change at all
  REQUIRE(mapAt(kSpot + 8 * kPage, kPage) > 0);
  CHECK(calls.empty());
}

TEST_CASE_FIXTURE(Fixture, "invalidation: mprotect announces every present page it changes, coalesced") {
  REQUIRE(mapAt(kSpot, 4 * kPage) > 0);
  std::set<uint64_t> frames = presentFrames(kSpot, kSpot + 4 * kPage);
  REQUIRE(frames.size() == 4);
  // Taking rights away, and giving them (any change of a present entry counts).
  for (unsigned prot : {kR, kRW, kRW | kProtExec, unsigned{kProtNone}}) {
    CAPTURE(prot);
    calls.clear();
    REQUIRE(space.protect(kSpot, 4 * kPage, prot) == 0);
    CHECK(invalidated() == frames);
    CHECK(calls.size() == 1);  // four contiguous frames, one call
  }
}

TEST_CASE_FIXTURE(Fixture, "invalidation: removals are announced before the frames are free for reuse") {
  REQUIRE(mapAt(kSpot, 16 * kPage) > 0);
  TableWalk before = walk();
  std::set<uint64_t> frames = presentFrames(kSpot, kSpot + 16 * kPage);
  // At each call, no leaf may point at an announced frame any more.
  duringCall = [&](uint64_t pa, uint64_t len) {
    for (const auto& [va, l] : walk().leaves)
      CHECK_MESSAGE(!(l.frame() >= pa && l.frame() < pa + len), "frame " << hex(l.frame()) << " still mapped at "
                                                                         << hex(va) << " when announced");
  };
  std::set<uint64_t> expected = frames;
  SUBCASE("munmap") {
    REQUIRE(space.unmap(kSpot, 16 * kPage) == 0);
    std::set<uint64_t> announced = invalidated();
    for (uint64_t f : frames) CHECK(announced.count(f));
    for (uint64_t f : announced) CHECK((frames.count(f) || before.tables.count(f)));
    CHECK(calls.size() <= 2);  // the pages, and the tables emptied with them
  }
  SUBCASE("MAP_FIXED over them") {
    REQUIRE(mapAt(kSpot, 16 * kPage, kR) == int64_t(kSpot));
    CHECK(invalidated() == frames);
  }
  SUBCASE("mremap away") {
    int64_t to = space.remap(kSpot, 16 * kPage, 16 * kPage, 3, kSpot + 1024 * kPage);
    REQUIRE(to > 0);
    std::set<uint64_t> announced = invalidated();
    for (uint64_t f : frames) CHECK(announced.count(f));
    for (uint64_t f : announced) CHECK((frames.count(f) || before.tables.count(f)));
    CHECK(presentFrames(to, to + 16 * kPage) == frames);
  }
  SUBCASE("brk shrinking") {
    space.setBrkStart(0x10000000);
    REQUIRE(space.brk(0x10000000 + 4 * kPage) > 0);
    std::set<uint64_t> heap = presentFrames(0x10000000, 0x10000000 + 4 * kPage);
    calls.clear();
    REQUIRE(space.brk(0x10000000) == 0x10000000);
    std::set<uint64_t> announced = invalidated();
    for (uint64_t f : heap) CHECK(announced.count(f));
  }
}

TEST_CASE_FIXTURE(Fixture, "invalidation: a PROT_NONE frame is announced when it stops being present, not again") {
  REQUIRE(mapAt(kSpot, 4 * kPage) > 0);
  std::set<uint64_t> frames = presentFrames(kSpot, kSpot + 4 * kPage);
  REQUIRE(space.protect(kSpot, 4 * kPage, kProtNone) == 0);
  CHECK(invalidated() == frames);
  calls.clear();
  REQUIRE(space.unmap(kSpot, 4 * kPage) == 0);
  for (uint64_t f : invalidated()) CHECK(!frames.count(f));  // only emptied tables
}

TEST_CASE_FIXTURE(Fixture, "frames given back are zeroed before they are used again") {
  REQUIRE(mapAt(kSpot, kPage) > 0);
  std::vector<uint8_t> junk(kPage, 0xaa);
  REQUIRE(space.copyOut(kSpot, junk.data(), junk.size()));
  uint64_t frame = *space.translate(kSpot);
  REQUIRE(space.unmap(kSpot, kPage) == 0);
  REQUIRE(mapAt(kSpot + kPage, kPage) > 0);
  CHECK(space.translate(kSpot + kPage) == frame);  // the same frame came back...
  std::vector<uint8_t> back(kPage, 1);
  REQUIRE(space.copyIn(kSpot + kPage, back.data(), back.size()));
  CHECK(std::all_of(back.begin(), back.end(), [](uint8_t b) { return b == 0; }));  // ...zeroed
}

TEST_CASE_FIXTURE(Fixture, "the runner's pages: supervisor or user, in the upper half, never pool frames") {
  space.mapPhysical(0xffffffff80000000, 0x1000, 0x2000, false, false, true);
  space.mapPhysical(0xffffffff80010000, 0x4000, 0x1000, true, true, false);
  std::optional<Leaf> code = leaf(0xffffffff80001000);
  REQUIRE(code);
  CHECK(code->present);
  CHECK(!code->user);
  CHECK(!code->writable);
  CHECK(code->executable);
  CHECK(code->frame() == 0x2000);
  std::optional<Leaf> shared = leaf(0xffffffff80010000);
  REQUIRE(shared);
  CHECK(shared->user);
  CHECK(shared->writable);
  CHECK(!shared->executable);
  CHECK(space.translate(0xffffffff80000123) == 0x1123);
  memory.store<uint8_t>(0x4000, 0x42);
  uint8_t byte = 0;
  CHECK(!space.copyIn(0xffffffff80000000, &byte, 1));  // ring 3 cannot read supervisor pages
  CHECK(space.copyIn(0xffffffff80010000, &byte, 1));
  CHECK(byte == 0x42);
  CHECK(space.unmap(0xffffffff80000000, kPage) == -EINVAL);
  CHECK(mappings().empty());
  CHECK(space.mappedBytes() == 0);

  expectCoreError([&] { space.mapPhysical(kSpot, 0x1000, kPage, false, false, false); }, "se-setup", {"upper half"});
  expectCoreError([&] { space.mapPhysical(kUpper + 1, 0x1000, kPage, false, false, false); }, "se-setup",
                  {"whole pages"});
  expectCoreError([&] { space.mapPhysical(kUpper, 0x1000, 0, false, false, false); }, "se-setup", {"whole pages"});
  expectCoreError([&] { space.mapPhysical(0xfffffffffffff000, 0x1000, kPage, false, false, false); }, "se-setup",
                  {"below 2^64"});
  expectCoreError([&] { space.mapPhysical(kUpper, kMemory, kPage, false, false, false); }, "se-setup",
                  {"outside guest memory"});
  expectCoreError([&] { space.mapPhysical(kUpper, kFramesBase - kPage, 2 * kPage, false, false, false); },
                  "se-setup", {"frame range"});
  expectCoreError([&] { space.mapPhysical(0xffffffff80001000, 0x5000, kPage, false, false, false); }, "se-setup",
                  {"already mapped"});
  CHECK(calls.empty());
}

TEST_CASE_FIXTURE(Fixture, "translate answers only for present pages at canonical addresses") {
  REQUIRE(mapAt(kSpot, kPage) > 0);
  CHECK(space.translate(kSpot + 7));
  CHECK(!space.translate(kSpot + kPage));
  CHECK(!space.translate(0x0000800000000000));
  CHECK(!space.translate(kUpper));
}

// Random operations, with hostile arguments among them, against a model of
// the pages. After each: the tables hold exactly the model's pages with its
// bits and contents, the VMA list matches, no table frame is user-reachable,
// and every present entry that changed was announced (only those and emptied
// tables were), at a moment when nothing mapped the frame elsewhere.
TEST_CASE_FIXTURE(Fixture, "random operations keep tables, VMAs, contents and announcements right") {
  struct Page {
    unsigned prot;
    uint8_t tag;
  };
  std::map<uint64_t, Page> model;
  std::mt19937_64 rng(11);
  space.setFrameBudget(256 * kPage);
  const uint64_t window = 0x200000000;
  const unsigned prots[] = {kProtNone, kR, kRW, kProtExec, kProtRead | kProtExec, kRW | kProtExec};
  const char* names[] = {"", "a"};

  auto pick = [&](uint64_t n) { return rng() % n; };
  auto address = [&] {
    if (pick(20) == 0) return rng();
    if (pick(20) == 0) return uint64_t(pick(3) == 0 ? kUserEnd - kPage * pick(4) : kUpper + kPage * pick(4));
    uint64_t va = window + kPage * pick(96);
    return pick(30) == 0 ? va + 1 + pick(kPage - 1) : va;
  };
  auto length = [&] {
    if (pick(25) == 0) return uint64_t(pick(2) ? UINT64_MAX - pick(0x2000) : 1ull << (40 + pick(8)));
    if (pick(25) == 0) return uint64_t(0);
    return kPage * (1 + pick(8)) - (pick(10) == 0 ? pick(kPage) : 0);
  };
  auto erase = [&](uint64_t start, uint64_t end) { model.erase(model.lower_bound(start), model.lower_bound(end)); };
  auto fresh = [&](uint64_t start, uint64_t end, unsigned prot) {
    erase(start, end);
    for (uint64_t va = start; va < end; va += kPage) model[va] = {prot, 0};
  };

  TableWalk before;
  // What the rounds got up to, so that a change of generator cannot quietly stop testing.
  int mapped = 0, moved = 0, partial = 0, refused = 0, announcedRounds = 0;
  duringCall = [&](uint64_t pa, uint64_t len) {
    TableWalk now = walk();
    for (uint64_t f = pa; f < pa + len; f += kPage) {
      bool wasTable = before.tables.count(f) && !now.tables.count(f);
      bool wasPresentAt = false;
      for (const auto& [va, l] : before.leaves)
        if (l.present && l.frame() == f) {
          auto it = now.leaves.find(va);
          wasPresentAt = it == now.leaves.end() || it->second.entry != l.entry;
        }
      CHECK_MESSAGE((wasTable || wasPresentAt), "announced frame " << hex(f) << " was not changed");
      for (const auto& [va, l] : now.leaves)
        if (l.frame() == f) {
          auto was = before.leaves.find(va);
          CHECK_MESSAGE((was != before.leaves.end() && was->second.frame() == f),
                        "frame " << hex(f) << " already reused at " << hex(va));
        }
    }
  };

  for (int round = 0; round < 2000; ++round) {
    before = walk();
    calls.clear();
    int op = static_cast<int>(pick(6));
    uint64_t va = address(), len = length();
    unsigned prot = prots[pick(6)];
    if (len > (1ull << 30)) prot = kRW;  // a huge reservation would not fit the model
    CAPTURE(round);
    CAPTURE(op);
    CAPTURE(va);
    CAPTURE(len);
    CAPTURE(prot);
    if (op == 0) {
      int64_t r = space.mapAnonymous(va, len, prot, true, pick(4) == 0, names[pick(2)]);
      if (r >= 0) {
        fresh(va, va + pageUp(len), prot);
        ++mapped;
      } else {
        CHECK((r == -EINVAL || r == -ENOMEM || r == -EPERM || r == -EEXIST));
      }
    } else if (op == 1) {
      int64_t r = space.mapAnonymous(pick(3) ? 0 : va, len, prot, false, false, names[pick(2)]);
      if (r >= 0) fresh(r, r + pageUp(len), prot);
      else CHECK((r == -EINVAL || r == -ENOMEM));
    } else if (op == 2) {
      int64_t r = space.unmap(va, len);
      if (r == 0) erase(va, va + pageUp(len));
      else CHECK(r == -EINVAL);
    } else if (op == 3) {
      uint64_t heldBefore = space.mappedBytes() / kPage;
      int64_t r = space.protect(va, len, prot);
      uint64_t aligned = pageUp(len);
      if (va % kPage != 0) {
        CHECK(r == -EINVAL);
      } else if (len == 0) {
        CHECK(r == 0);
      } else if (aligned == 0 || aligned > UINT64_MAX - va) {
        CHECK(r == -ENOMEM);
      } else {
        // Linux changes the mapped run that starts at va, then reports a hole
        // with ENOMEM; the budget refuses before anything changes.
        uint64_t end = va + aligned, page = va, missing = 0;
        for (; page < end && model.count(page); page += kPage) missing += !before.leaves.count(page);
        bool overBudget = prot != kProtNone && missing > 0 && heldBefore + missing > 256;
        if (!overBudget)
          for (uint64_t p = va; p < page; p += kPage) model[p].prot = prot;
        partial += page != va && page != end;
        refused += overBudget;
        CHECK(r == (page == end && !overBudget ? 0 : -ENOMEM));
      }
    } else if (op == 4) {
      if (!model.empty() && pick(4) != 0) {  // mostly a mapped range, so that it can grow or move
        va = std::next(model.begin(), static_cast<long>(pick(model.size())))->first;
        len = kPage * (1 + pick(4));
      }
      uint64_t newLen = kPage * (1 + pick(8));
      int64_t r = space.remap(va, len, newLen, pick(4) ? 1u : 0u, 0);
      if (r >= 0) {
        uint64_t oldLen = pageUp(len);
        unsigned p = model.count(va) ? model[va].prot : kProtNone;
        if (oldLen >= newLen) {
          erase(va + newLen, va + oldLen);
        } else if (uint64_t(r) == va) {
          fresh(va + oldLen, va + newLen, p);
        } else {
          for (uint64_t o = 0; o < oldLen; o += kPage) {
            REQUIRE(model.count(va + o));
            model[r + o] = model[va + o];
          }
          erase(va, va + oldLen);
          fresh(r + oldLen, r + newLen, p);
          ++moved;
        }
      } else {
        CHECK((r == -EINVAL || r == -ENOMEM || r == -EFAULT));
      }
    } else {
      // New contents for a few pages, by fill (any protection).
      for (int i = 0; i < 3 && !model.empty(); ++i) {
        auto it = std::next(model.begin(), static_cast<long>(pick(model.size())));
        uint8_t tag = static_cast<uint8_t>(1 + pick(255));
        if (space.fill(it->first, &tag, 1)) it->second.tag = tag;
      }
    }

    TableWalk after = walk();
    // Tables and contents against the model.
    uint64_t held = 0;
    for (const auto& [page, l] : after.leaves) {
      if (page >= kUpper) continue;
      ++held;
      CHECK_MESSAGE(model.count(page), "leaf at " << hex(page) << " outside the model");
      CHECK(!after.tables.count(l.frame()));
    }
    CHECK(space.mappedBytes() == held * kPage);
    CHECK(space.peakMappedBytes() >= space.mappedBytes());
    for (const auto& [page, state] : model) {
      auto it = after.leaves.find(page);
      if (state.prot == kProtNone) {
        CHECK((it == after.leaves.end() || !it->second.present));
        if (it == after.leaves.end()) CHECK(state.tag == 0);
        else CHECK(memory.load<uint8_t>(it->second.frame()) == state.tag);
        continue;
      }
      REQUIRE_MESSAGE(it != after.leaves.end(), "no leaf at " << hex(page));
      const Leaf& l = it->second;
      CHECK(l.present);
      CHECK(l.user);
      CHECK(l.writable == ((state.prot & kProtWrite) != 0));
      CHECK(l.executable == ((state.prot & kProtExec) != 0));
      CHECK(memory.load<uint8_t>(l.frame()) == state.tag);
    }
    // The VMA list against the model.
    std::vector<Mapping> list = mappings();
    uint64_t pages = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      const Mapping& m = list[i];
      CHECK(m.start < m.end);
      if (i > 0) {
        CHECK(list[i - 1].end <= m.start);
        if (list[i - 1].end == m.start) CHECK((list[i - 1].prot != m.prot || list[i - 1].name != m.name));
      }
      for (uint64_t page = m.start; page < m.end; page += kPage, ++pages) {
        auto it = model.find(page);
        REQUIRE_MESSAGE(it != model.end(), "mapping page " << hex(page) << " outside the model");
        CHECK(it->second.prot == m.prot);
      }
    }
    CHECK(pages == model.size());
    // Every present entry that changed was announced.
    std::set<uint64_t> announced = invalidated();
    announcedRounds += !announced.empty();
    for (const auto& [page, l] : before.leaves) {
      if (!l.present) continue;
      auto it = after.leaves.find(page);
      if (it == after.leaves.end() || ((it->second.entry ^ l.entry) & ~uint64_t{0x60}))
        CHECK_MESSAGE(announced.count(l.frame()), "changed entry at " << hex(page) << " not announced");
    }
  }
  CHECK(mapped > 50);
  CHECK(moved > 10);
  CHECK(partial > 10);
  CHECK(refused > 0);
  CHECK(announcedRounds > 100);
}

}  // namespace
}  // namespace kx::se
