// walkCoalescedRing over a ring built in plain memory, as the kernel would
// leave it, and as a buggy or hostile kernel could.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <random>
#include <vector>

#include "cpu/coalesced_ring.hh"

namespace kx {
namespace {

class FakeRing {
 public:
  explicit FakeRing(uint32_t capacity)
      : capacity_(capacity),
        words_((std::max(sizeof(abi::CoalescedRing),
                         offsetof(abi::CoalescedRing, entries) + capacity * sizeof(kvm_coalesced_mmio)) + 7) / 8) {}

  abi::CoalescedRing& ring() { return *reinterpret_cast<abi::CoalescedRing*>(words_.data()); }
  kvm_coalesced_mmio& slot(uint32_t i) { return *(ring().entries + i); }
  uint32_t capacity() const { return capacity_; }

  // What the kernel does: fill the slot at `last`, then move `last`.
  void push(uint64_t address, uint64_t value, uint32_t len, bool pio) {
    kvm_coalesced_mmio& e = slot(ring().last);
    e.phys_addr = address;
    e.len = len;
    e.pio = pio;
    std::memcpy(e.data, &value, sizeof e.data);
    ring().last = (ring().last + 1) % capacity_;
  }

  // Collects what the walk replays; stops it after `stopAfter` entries, and
  // after a ring's worth (more than a correct walk ever hands out), so that a
  // walk that runs away fails a check instead of hanging the tests.
  RingWalk walk(std::vector<CoalescedWrite>& seen, size_t stopAfter = SIZE_MAX) {
    size_t calls = 0;
    return walkCoalescedRing(ring(), capacity_, [&](CoalescedWrite& w) {
      seen.push_back(w);
      ++calls;
      return calls < stopAfter && calls < capacity_;
    });
  }

 private:
  uint32_t capacity_;
  std::vector<uint64_t> words_;
};

uint64_t valueOf(const CoalescedWrite& w) {
  uint64_t v = 0;
  std::memcpy(&v, w.data, sizeof v);
  return v;
}

TEST_CASE("coalesced ring: an empty ring replays nothing") {
  FakeRing r(8);
  std::vector<CoalescedWrite> seen;
  RingWalk walk = r.walk(seen);
  CHECK(walk.error.empty());
  CHECK(walk.replayed == 0);
  CHECK(seen.empty());
  CHECK(r.ring().first == 0);

  // first == last is empty wherever they point: nothing is read or followed.
  r.ring().first = r.ring().last = 1000;
  walk = r.walk(seen);
  CHECK(walk.error.empty());
  CHECK(seen.empty());
}

TEST_CASE("coalesced ring: entries are replayed in order, with their address, data, length and kind") {
  FakeRing r(8);
  r.push(0xd0000000, 0x11, 1, false);
  r.push(0x3f8, 0x2222, 2, true);
  r.push(0xd0000010, 0x33333333, 4, false);
  r.push(0xd0000018, 0x4444444444444444, 8, false);
  std::vector<CoalescedWrite> seen;
  RingWalk walk = r.walk(seen);
  CHECK(walk.error.empty());
  CHECK(walk.replayed == 4);
  REQUIRE(seen.size() == 4);
  CHECK(seen[0].address == 0xd0000000);
  CHECK(seen[0].len == 1);
  CHECK(!seen[0].pio);
  CHECK(valueOf(seen[0]) == 0x11);  // bytes past len are not copied
  CHECK(seen[1].address == 0x3f8);
  CHECK(seen[1].len == 2);
  CHECK(seen[1].pio);
  CHECK(valueOf(seen[1]) == 0x2222);
  CHECK(valueOf(seen[2]) == 0x33333333);
  CHECK(seen[3].len == 8);
  CHECK(valueOf(seen[3]) == 0x4444444444444444);
  CHECK(r.ring().first == 4);
  CHECK(r.ring().last == 4);
}

TEST_CASE("coalesced ring: bytes past an entry's length are not copied") {
  FakeRing r(4);
  r.push(0x10, 0xffffffffffffff01, 1, false);
  std::vector<CoalescedWrite> seen;
  r.walk(seen);
  REQUIRE(seen.size() == 1);
  CHECK(valueOf(seen[0]) == 0x01);
}

TEST_CASE("coalesced ring: the walk wraps around the end of the ring") {
  FakeRing r(4);
  r.ring().first = r.ring().last = 3;
  r.push(0x100, 1, 4, false);  // slot 3
  r.push(0x104, 2, 4, false);  // slot 0
  r.push(0x108, 3, 4, false);  // slot 1
  CHECK(r.ring().last == 2);
  std::vector<CoalescedWrite> seen;
  RingWalk walk = r.walk(seen);
  CHECK(walk.error.empty());
  CHECK(walk.replayed == 3);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].address == 0x100);
  CHECK(seen[1].address == 0x104);
  CHECK(seen[2].address == 0x108);
  CHECK(r.ring().first == 2);
}

TEST_CASE("coalesced ring: a full ring (capacity - 1 entries) is replayed whole") {
  FakeRing r(4);
  r.ring().first = r.ring().last = 2;
  for (uint64_t i = 0; i < 3; ++i) r.push(0x200 + i, i, 1, true);
  std::vector<CoalescedWrite> seen;
  RingWalk walk = r.walk(seen);
  CHECK(walk.error.empty());
  REQUIRE(seen.size() == 3);
  for (uint64_t i = 0; i < 3; ++i) CHECK(seen[i].address == 0x200 + i);
  CHECK(r.ring().first == 1);
}

TEST_CASE("coalesced ring: the entry is consumed (first moved) before the callback sees it") {
  FakeRing r(4);
  r.push(0x1, 1, 1, false);
  r.push(0x2, 2, 1, false);
  std::vector<uint32_t> firstSeen;
  walkCoalescedRing(r.ring(), r.capacity(), [&](CoalescedWrite&) {
    firstSeen.push_back(r.ring().first);
    return firstSeen.size() < r.capacity();
  });
  CHECK(firstSeen == std::vector<uint32_t>{1, 2});
}

TEST_CASE("coalesced ring: a callback that asks to stop leaves the rest for the next walk") {
  FakeRing r(8);
  for (uint64_t i = 0; i < 5; ++i) r.push(0x300 + i, i, 4, false);
  std::vector<CoalescedWrite> seen;
  RingWalk walk = r.walk(seen, 2);
  CHECK(walk.error.empty());
  CHECK(walk.replayed == 2);
  CHECK(seen.size() == 2);
  CHECK(r.ring().first == 2);
  walk = r.walk(seen);
  CHECK(walk.replayed == 3);
  REQUIRE(seen.size() == 5);
  CHECK(seen[2].address == 0x302);
  CHECK(seen[4].address == 0x304);
}

TEST_CASE("coalesced ring: indices at or past the capacity are an error, never followed") {
  FakeRing r(4);
  std::vector<CoalescedWrite> seen;

  SUBCASE("first past capacity") {
    r.ring().first = 4;
    r.ring().last = 1;
    RingWalk walk = r.walk(seen);
    CHECK(walk.error == "coalesced ring indices out of range (first 4, last 1, capacity 4)");
    CHECK(r.ring().first == 4);
  }
  SUBCASE("last past capacity") {
    r.ring().first = 0;
    r.ring().last = 9;
    RingWalk walk = r.walk(seen);
    CHECK(walk.error == "coalesced ring indices out of range (first 0, last 9, capacity 4)");
    CHECK(r.ring().first == 0);
  }
  SUBCASE("first far past capacity") {
    r.ring().first = UINT32_MAX;
    r.ring().last = 0;
    CHECK(r.walk(seen).error.find("first 4294967295") != std::string::npos);
  }
  SUBCASE("a ring of capacity 0 is an error, not a division by zero") {
    FakeRing empty(0);
    empty.ring().first = 0;
    empty.ring().last = 1;
    RingWalk walk = empty.walk(seen);
    CHECK(walk.error == "coalesced ring indices out of range (first 0, last 1, capacity 0)");
  }
  CHECK(seen.empty());
}

TEST_CASE("coalesced ring: an entry of 0 or more than 8 bytes is an error and stays in the ring") {
  FakeRing r(8);
  r.push(0xd0000000, 0xaa, 1, false);
  uint32_t badLen = 0;
  std::string expected;
  SUBCASE("len 0") {
    badLen = 0;
    expected = "coalesced entry of 0 bytes at 0xd0000004";
  }
  SUBCASE("len 9") {
    badLen = 9;
    expected = "coalesced entry of 9 bytes at 0xd0000004";
  }
  SUBCASE("len 2^32 - 1") {
    badLen = UINT32_MAX;
    expected = "coalesced entry of 4294967295 bytes at 0xd0000004";
  }
  r.push(0xd0000004, 0xbb, badLen, false);
  r.push(0xd0000008, 0xcc, 1, false);
  std::vector<CoalescedWrite> seen;
  RingWalk walk = r.walk(seen);
  CHECK(walk.error == expected);
  CHECK(walk.replayed == 1);  // the good entry before it was replayed
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].address == 0xd0000000);
  CHECK(r.ring().first == 1);  // pointing at the bad entry: not consumed
}

TEST_CASE("coalesced ring: random indices and lengths never crash, never hand out a bad entry") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 2000; ++round) {
    uint32_t capacity = static_cast<uint32_t>(rng() % 9);
    FakeRing r(capacity);
    for (uint32_t i = 0; i < capacity; ++i) {
      r.slot(i).phys_addr = rng();
      r.slot(i).len = rng() % 3 == 0 ? static_cast<uint32_t>(rng()) : static_cast<uint32_t>(rng() % 10);
      r.slot(i).pio = static_cast<uint32_t>(rng() % 2);
    }
    r.ring().first = rng() % 2 ? static_cast<uint32_t>(rng() % (capacity + 3)) : static_cast<uint32_t>(rng());
    r.ring().last = rng() % 2 ? static_cast<uint32_t>(rng() % (capacity + 3)) : static_cast<uint32_t>(rng());
    uint64_t calls = 0;
    bool lengthsOk = true;
    RingWalk walk = walkCoalescedRing(r.ring(), capacity, [&](CoalescedWrite& w) {
      ++calls;
      lengthsOk = lengthsOk && w.len >= 1 && w.len <= 8;
      return calls < capacity;  // a runaway walk fails the checks below, not hangs
    });
    REQUIRE(lengthsOk);
    REQUIRE(calls == walk.replayed);
    REQUIRE(walk.replayed < std::max<uint32_t>(capacity, 1));
    if (walk.error.empty()) REQUIRE(r.ring().first == r.ring().last);
  }
}

}  // namespace
}  // namespace kx
