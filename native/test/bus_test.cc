// Bus: which device an access reaches, at the edges of ranges and of the
// 64-bit address space, and which ranges attach refuses.
#include <doctest/doctest.h>

#include "devices/bus.hh"
#include "expect_error.hh"

namespace kx {
namespace {

class FakeDevice : public Device {
 public:
  explicit FakeDevice(const char* name) : name_(name) {}
  const char* name() const override { return name_; }
  uint64_t read(uint64_t, unsigned) override { return 0; }
  void write(uint64_t, uint64_t, unsigned) override {}

 private:
  const char* name_;
};

using test::expectCoreError;

TEST_CASE("bus: hits at the edges of a range, misses just outside") {
  Bus bus("mmio");
  FakeDevice a("a");
  bus.attach(0x100, 8, a);

  Bus::Hit first = bus.find(0x100, 1);
  CHECK(first.device == &a);
  CHECK(first.offset == 0);
  Bus::Hit last = bus.find(0x107, 1);
  CHECK(last.device == &a);
  CHECK(last.offset == 7);
  Bus::Hit whole = bus.find(0x100, 8);
  CHECK(whole.device == &a);
  CHECK(whole.offset == 0);
  Bus::Hit endAligned = bus.find(0x104, 4);
  CHECK(endAligned.device == &a);
  CHECK(endAligned.offset == 4);

  CHECK(bus.find(0xff, 1).device == nullptr);
  CHECK(bus.find(0x108, 1).device == nullptr);
  CHECK(bus.find(0, 8).device == nullptr);
  CHECK(bus.find(UINT64_MAX, 1).device == nullptr);
}

TEST_CASE("bus: an access straddling either end of a range is a miss") {
  Bus bus("io");
  FakeDevice a("a"), b("b");
  bus.attach(0x100, 8, a);
  bus.attach(0x108, 8, b);  // adjacent: allowed
  CHECK(bus.find(0x105, 4).device == nullptr);  // past a's end into b
  CHECK(bus.find(0x107, 2).device == nullptr);
  CHECK(bus.find(0xff, 2).device == nullptr);   // across a's start
  CHECK(bus.find(0x100, 9).device == nullptr);  // bigger than the range
  CHECK(bus.find(0x10f, 2).device == nullptr);  // past b's end
  Bus::Hit inB = bus.find(0x108, 8);
  CHECK(inB.device == &b);
  CHECK(inB.offset == 0);
}

TEST_CASE("bus: overlapping ranges are refused with bus-overlap, naming both devices") {
  Bus bus("mmio");
  FakeDevice a("serial"), b("sink");
  bus.attach(0x100, 0x10, a);
  expectCoreError([&] { bus.attach(0x108, 0x10, b); }, "bus-overlap", {"mmio bus", "sink overlaps serial"});
  expectCoreError([&] { bus.attach(0xf8, 0x10, b); }, "bus-overlap", {"sink overlaps serial"});
  expectCoreError([&] { bus.attach(0x104, 2, b); }, "bus-overlap", {"sink overlaps serial"});
  expectCoreError([&] { bus.attach(0, UINT64_MAX, b); }, "bus-overlap", {"sink overlaps serial"});
  expectCoreError([&] { bus.attach(0x10f, 1, b); }, "bus-overlap", {"sink overlaps serial"});
  // Nothing was attached by the refused calls.
  CHECK(bus.find(0x108, 8).device == &a);
  CHECK(bus.find(0x118, 1).device == nullptr);
  // Touching ranges on either side are fine.
  bus.attach(0xf0, 0x10, b);
  bus.attach(0x110, 0x10, b);
  CHECK(bus.find(0xff, 1).device == &b);
  CHECK(bus.find(0x110, 1).device == &b);
  CHECK(bus.find(0x10f, 1).device == &a);
}

TEST_CASE("bus: address + size overflowing 64 bits") {
  Bus bus("mmio");
  FakeDevice top("top"), other("other");
  bus.attach(UINT64_MAX - 7, 8, top);  // ends exactly at 2^64

  Bus::Hit last = bus.find(UINT64_MAX, 1);
  CHECK(last.device == &top);
  CHECK(last.offset == 7);
  CHECK(bus.find(UINT64_MAX - 7, 8).device == &top);
  // The sums wrap: an access that would run past 2^64 is not inside the range.
  CHECK(bus.find(UINT64_MAX - 3, 8).device == nullptr);
  CHECK(bus.find(UINT64_MAX, 2).device == nullptr);
  CHECK(bus.find(UINT64_MAX, 8).device == nullptr);

  // A range at the top is seen by the overlap check (base + size is 0 there).
  expectCoreError([&] { bus.attach(UINT64_MAX - 15, 16, other); }, "bus-overlap", {"other overlaps top"});
  // Ranges that wrap past 2^64, or hold nothing, are refused.
  expectCoreError([&] { bus.attach(UINT64_MAX - 100, 200, other); }, "bus-overlap",
                 {"other at 0xffffffffffffff9b", "wraps past the end of the address space"});
  expectCoreError([&] { bus.attach(0x1000, 0, other); }, "bus-overlap", {"is empty"});
  // The bottom of the space is free and does not meet the top range.
  bus.attach(0, 8, other);
  CHECK(bus.find(0, 8).device == &other);
  CHECK(bus.find(UINT64_MAX - 7, 8).device == &top);
}

}  // namespace
}  // namespace kx
