// writeMpTable read back as a kernel reads it: the floating pointer found by
// scanning the BIOS area, both checksums, and every entry by its type, with
// the specification's field offsets written out here rather than taken from
// the code under test.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "boot/mp_table.hh"
#include "expect_error.hh"

namespace kx {
namespace {

using test::expectCoreError;

constexpr uint64_t kMemory = 2ull << 20;
constexpr uint32_t kSignature = 0x000806f8;  // a CPUID.1 EAX
constexpr uint32_t kFeatures = 0x178bfbff;   // a CPUID.1 EDX

uint8_t sum(const GuestMemory& memory, uint64_t address, uint64_t length) {
  uint8_t s = 0;
  for (uint64_t i = 0; i < length; ++i) s = static_cast<uint8_t>(s + memory.load<uint8_t>(address + i));
  return s;
}

std::string text(const GuestMemory& memory, uint64_t address, size_t length) {
  return std::string(reinterpret_cast<const char*>(memory.at(address, length)), length);
}

// As Linux's smp_scan_config: "_MP_" on a 16-byte boundary, length 1, checksum 0.
uint64_t scanForFloatingPointer(const GuestMemory& memory) {
  for (uint64_t a = 0xf0000; a < 0x100000; a += 16)
    if (text(memory, a, 4) == "_MP_" && memory.load<uint8_t>(a + 8) == 1 && sum(memory, a, 16) == 0) return a;
  return 0;
}

struct Interrupt {
  uint8_t kind;
  uint16_t flags;
  uint8_t sourceBus, sourceIrq, destination, pin;
};

struct Parsed {
  uint64_t floating = 0;
  uint64_t config = 0;
  uint16_t length = 0;
  uint16_t entryCount = 0;
  uint64_t entriesWalked = 0;
  uint64_t bytesWalked = 0;
  std::vector<uint8_t> types;  // in table order
  std::vector<uint8_t> cpuApicIds, cpuFlags;
  std::vector<uint32_t> cpuSignatures, cpuFeatures;
  std::string busType;
  uint8_t ioApicId = 0, ioApicVersion = 0, ioApicFlags = 0;
  uint32_t ioApicAddress = 0;
  std::vector<Interrupt> ioInterrupts, localInterrupts;
};

Parsed parse(const GuestMemory& memory) {
  Parsed p;
  p.floating = scanForFloatingPointer(memory);
  REQUIRE(p.floating != 0);
  CHECK(memory.load<uint8_t>(p.floating + 9) == 4);   // spec revision 1.4
  CHECK(memory.load<uint8_t>(p.floating + 11) == 0);  // feature 1: a table, not a default configuration
  CHECK(memory.load<uint8_t>(p.floating + 12) == 0);  // feature 2: IMCR absent, virtual wire mode
  p.config = memory.load<uint32_t>(p.floating + 4);
  REQUIRE(p.config != 0);
  CHECK(text(memory, p.config, 4) == "PCMP");
  p.length = memory.load<uint16_t>(p.config + 4);
  CHECK(memory.load<uint8_t>(p.config + 6) == 4);
  CHECK(sum(memory, p.config, p.length) == 0);
  CHECK(text(memory, p.config + 8, 8) == "KVMEXP  ");
  CHECK(text(memory, p.config + 16, 12) == "EXPERIMENTS ");
  CHECK(memory.load<uint32_t>(p.config + 28) == 0);  // no OEM table
  CHECK(memory.load<uint16_t>(p.config + 32) == 0);
  p.entryCount = memory.load<uint16_t>(p.config + 34);
  CHECK(memory.load<uint32_t>(p.config + 36) == 0xfee00000);
  CHECK(memory.load<uint16_t>(p.config + 40) == 0);  // no extended table
  CHECK(memory.load<uint8_t>(p.config + 42) == 0);

  uint64_t at = p.config + 44;
  const uint64_t end = p.config + p.length;
  while (at < end) {
    uint8_t type = memory.load<uint8_t>(at);
    p.types.push_back(type);
    ++p.entriesWalked;
    switch (type) {
      case 0:
        p.cpuApicIds.push_back(memory.load<uint8_t>(at + 1));
        CHECK(memory.load<uint8_t>(at + 2) == 0x14);
        p.cpuFlags.push_back(memory.load<uint8_t>(at + 3));
        p.cpuSignatures.push_back(memory.load<uint32_t>(at + 4));
        p.cpuFeatures.push_back(memory.load<uint32_t>(at + 8));
        at += 20;
        break;
      case 1:
        CHECK(memory.load<uint8_t>(at + 1) == 0);
        p.busType = text(memory, at + 2, 6);
        at += 8;
        break;
      case 2:
        p.ioApicId = memory.load<uint8_t>(at + 1);
        p.ioApicVersion = memory.load<uint8_t>(at + 2);
        p.ioApicFlags = memory.load<uint8_t>(at + 3);
        p.ioApicAddress = memory.load<uint32_t>(at + 4);
        at += 8;
        break;
      case 3:
      case 4: {
        Interrupt i{memory.load<uint8_t>(at + 1), memory.load<uint16_t>(at + 2), memory.load<uint8_t>(at + 4),
                    memory.load<uint8_t>(at + 5), memory.load<uint8_t>(at + 6), memory.load<uint8_t>(at + 7)};
        (type == 3 ? p.ioInterrupts : p.localInterrupts).push_back(i);
        at += 8;
        break;
      }
      default:
        FAIL("entry type " << int(type) << " at " << at);
    }
  }
  p.bytesWalked = at - p.config;
  return p;
}

MpTableSpec spec(unsigned cpus) { return {cpus, kSignature, kFeatures}; }  // as the machine spells it

TEST_CASE("MP table: one CPU, as a kernel finds and reads it") {
  GuestMemory memory(kMemory);
  uint64_t end = writeMpTable(memory, kMpTableAddress, spec(1));
  CHECK(end == 0xf0000 + 16 + 216);
  Parsed p = parse(memory);
  CHECK(p.floating == 0xf0000);
  CHECK(p.config == 0xf0010);
  CHECK(p.length == 216);
  CHECK(p.bytesWalked == p.length);
  CHECK(p.entryCount == p.entriesWalked);
  CHECK(p.entryCount == 20);
  // Entries in ascending type order, as the specification requires.
  CHECK(std::is_sorted(p.types.begin(), p.types.end()));

  CHECK(p.cpuApicIds == std::vector<uint8_t>{0});
  CHECK(p.cpuFlags == std::vector<uint8_t>{0x03});  // enabled, bootstrap
  CHECK(p.cpuSignatures == std::vector<uint32_t>{kSignature});
  CHECK(p.cpuFeatures == std::vector<uint32_t>{kFeatures});
  CHECK(p.busType == "ISA   ");
  CHECK(p.ioApicId == mp::kIoApicId);
  CHECK(p.ioApicVersion == 0x11);
  CHECK(p.ioApicFlags == 1);
  CHECK(p.ioApicAddress == 0xfec00000);

  // ISA IRQs 0-15 but the cascade (2), IRQ0 on pin 2, the rest on their own pins, all conforming.
  REQUIRE(p.ioInterrupts.size() == 15);
  std::vector<uint8_t> irqs, pins;
  for (const Interrupt& i : p.ioInterrupts) {
    CHECK(i.kind == 0);
    CHECK(i.flags == 0);
    CHECK(i.sourceBus == 0);
    CHECK(i.destination == p.ioApicId);
    irqs.push_back(i.sourceIrq);
    pins.push_back(i.pin);
  }
  CHECK(irqs == std::vector<uint8_t>{0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
  CHECK(pins == std::vector<uint8_t>{2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});

  // ExtINT on LINT0 and NMI on LINT1 of every local APIC.
  REQUIRE(p.localInterrupts.size() == 2);
  CHECK(p.localInterrupts[0].kind == 3);
  CHECK(p.localInterrupts[0].destination == 0xff);
  CHECK(p.localInterrupts[0].pin == 0);
  CHECK(p.localInterrupts[1].kind == 1);
  CHECK(p.localInterrupts[1].destination == 0xff);
  CHECK(p.localInterrupts[1].pin == 1);
}

TEST_CASE("MP table: N CPUs get APIC IDs 0..N-1, only CPU 0 the bootstrap processor") {
  for (unsigned cpus : {2u, 4u, 255u}) {
    CAPTURE(cpus);
    GuestMemory memory(kMemory);
    uint64_t end = writeMpTable(memory, kMpTableAddress, spec(cpus));
    CHECK(end == kMpTableAddress + mp::mpTableSize(cpus));
    Parsed p = parse(memory);
    CHECK(p.length == 196 + 20 * cpus);
    CHECK(p.bytesWalked == p.length);
    CHECK(p.entryCount == p.entriesWalked);
    CHECK(p.entryCount == cpus + 19);
    REQUIRE(p.cpuApicIds.size() == cpus);
    for (unsigned i = 0; i < cpus; ++i) {
      CHECK(p.cpuApicIds[i] == i);
      CHECK(p.cpuFlags[i] == (i == 0 ? 0x03 : 0x01));
    }
    CHECK(p.ioApicId == mp::kIoApicId);
    CHECK(p.ioApicAddress == 0xfec00000);
    REQUIRE_FALSE(p.ioInterrupts.empty());
    CHECK(p.ioInterrupts[0].sourceIrq == 0);
    CHECK(p.ioInterrupts[0].pin == 2);
  }
}

TEST_CASE("MP table: 255 CPUs fit the BIOS area, and nothing past the table is touched") {
  CHECK(mp::mpTableSize(1) == 232);
  CHECK(mp::mpTableSize(2) == 252);
  CHECK(mp::mpTableSize(255) == 5312);
  GuestMemory memory(kMemory);
  std::memset(memory.at(0xe0000, 0x30000), 0xa5, 0x30000);
  uint64_t end = writeMpTable(memory, kMpTableAddress, spec(255));
  CHECK(end == 0xf0000 + 5312);
  CHECK(end <= 0x100000);
  CHECK(memory.load<uint8_t>(0xf0000 - 1) == 0xa5);
  for (uint64_t a = end; a < 0x110000; ++a)
    if (memory.load<uint8_t>(a) != 0xa5) FAIL("byte at " << a << " changed");
  // The last place the tables still fit.
  GuestMemory top(kMemory);
  uint64_t last = (0x100000 - mp::mpTableSize(255)) & ~uint64_t{15};
  CHECK(writeMpTable(top, last, spec(255)) <= 0x100000);
  CHECK(parse(top).floating == last);
}

TEST_CASE("MP table: 0 or 256 CPUs, and places outside the BIOS area, are refused") {
  GuestMemory memory(kMemory);
  expectCoreError([&] { writeMpTable(memory, kMpTableAddress, spec(0)); }, "internal", {"0 CPUs", "1 to 255"});
  expectCoreError([&] { writeMpTable(memory, kMpTableAddress, spec(256)); }, "internal", {"256 CPUs", "1 to 255"});
  expectCoreError([&] { writeMpTable(memory, 0xf0008, spec(1)); }, "internal", {"at 0xf0008", "16-byte aligned"});
  expectCoreError([&] { writeMpTable(memory, 0xe0000, spec(1)); }, "internal", {"at 0xe0000"});
  expectCoreError([&] { writeMpTable(memory, 0xfff20, spec(1)); }, "internal", {"0xe8 bytes at 0xfff20"});
  expectCoreError([&] { writeMpTable(memory, 0x100000, spec(1)); }, "internal", {"at 0x100000"});
  CHECK(scanForFloatingPointer(memory) == 0);  // nothing was written
  GuestMemory small(0xf0080);  // ends inside the table
  expectCoreError([&] { writeMpTable(small, kMpTableAddress, spec(1)); }, "guest-memory-range", {});
}

}  // namespace
}  // namespace kx
