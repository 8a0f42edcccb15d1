// The PC legacy devices a QEMU-style multiboot guest touches: isa-debug-exit,
// fw_cfg, the CMOS RTC, an empty PCI configuration space, the 8042's reset
// line and the POST port, register by register.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "recording_handlers.hh"
#include "devices/bus.hh"
#include "devices/cmos_rtc.hh"
#include "devices/fw_cfg.hh"
#include "devices/i8042.hh"
#include "devices/isa_debug_exit.hh"
#include "devices/pci_config_none.hh"
#include "devices/post_port.hh"
#include "devices/serial16550.hh"
#include "cmos_fixture.hh"
#include "expect_error.hh"

namespace kx {
namespace {

using test::expectCoreError;

uint64_t stat(const Device& device, const std::string& name) {
  for (const auto& [key, value] : device.stats())
    if (key == name) return value;
  FAIL("no stat " << name);
  return 0;
}

// ---- isa-debug-exit ----

using test::RecordingExit;

TEST_CASE("isa-debug-exit: a write of v ends the run with (v << 1) | 1") {
  RecordingExit handler;
  IsaDebugExit dev(handler);
  CHECK(dev.port() == 0xf4);
  CHECK(dev.size() == 4);
  dev.write(0, 0, 1);
  dev.write(0, 0x10, 1);
  dev.write(0, 0xff, 1);
  dev.write(0, 0x12345678, 4);
  dev.write(2, 0x0101, 2);      // any offset in the range
  dev.write(0, 0xabcd01, 1);    // only the bytes written count
  CHECK(handler.codes == std::vector<uint32_t>{1, 0x21, 0x1ff, 0x2468acf1, 0x203, 3});
  CHECK(dev.read(0, 4) == 0);
  CHECK(stat(dev, "exits") == 6);
  CHECK(stat(dev, "lastCode") == 3);
  dev.resetStats();
  CHECK(stat(dev, "exits") == 0);
}

TEST_CASE("isa-debug-exit: the port range is configurable and checked") {
  RecordingExit handler;
  IsaDebugExit qemuDefault(handler, 0x501, 2);
  CHECK(qemuDefault.port() == 0x501);
  CHECK(qemuDefault.size() == 2);
  IsaDebugExit last(handler, 0xffff, 1);
  CHECK(last.size() == 1);
  expectCoreError([&] { IsaDebugExit(handler, 0xf4, 0); }, "internal", {"isa-debug-exit: iobase 0xf4 with iosize 0x0"});
  expectCoreError([&] { IsaDebugExit(handler, 0xfffe, 4); }, "internal",
                  {"iobase 0xfffe with iosize 0x4 does not fit the port space"});
}

// ---- fw_cfg ----

void select(FwCfg& dev, uint16_t key) { dev.write(FwCfg::kSelector, key, 2); }

std::vector<uint8_t> readBytes(FwCfg& dev, size_t n) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(dev.read(FwCfg::kData, 1)));
  return out;
}

using Bytes = std::vector<uint8_t>;

TEST_CASE("fw_cfg: signature, ID, RAM size and CPU counts") {
  FwCfg dev(0x40000000, 3);
  // Selected at reset: the signature.
  CHECK(readBytes(dev, 5) == Bytes{'Q', 'E', 'M', 'U', 0});
  select(dev, FwCfg::kSignature);
  CHECK(readBytes(dev, 4) == Bytes{'Q', 'E', 'M', 'U'});
  select(dev, FwCfg::kId);
  CHECK(readBytes(dev, 6) == Bytes{1, 0, 0, 0, 0, 0});  // traditional interface only, no DMA
  select(dev, FwCfg::kRamSize);
  CHECK(readBytes(dev, 9) == Bytes{0, 0, 0, 0x40, 0, 0, 0, 0, 0});
  select(dev, FwCfg::kNbCpus);
  CHECK(readBytes(dev, 3) == Bytes{3, 0, 0});
  select(dev, FwCfg::kMaxCpus);
  CHECK(readBytes(dev, 2) == Bytes{3, 0});
  CHECK(stat(dev, "selects") == 5);
  CHECK(stat(dev, "dataReads") == 29);
}

TEST_CASE("fw_cfg: selecting rewinds; byte writes do not select; reads at either port are data") {
  FwCfg dev(1 << 20, 1);
  select(dev, FwCfg::kSignature);
  CHECK(readBytes(dev, 2) == Bytes{'Q', 'E'});
  select(dev, FwCfg::kSignature);
  CHECK(dev.read(FwCfg::kSelector, 1) == 'Q');  // QEMU's combined port reads data at 0x510 too
  dev.write(FwCfg::kSelector, FwCfg::kRamSize, 1);  // a byte write is a (dropped) data write
  dev.write(FwCfg::kData, 0x55, 1);
  CHECK(readBytes(dev, 3) == Bytes{'E', 'M', 'U'});
  select(dev, FwCfg::kSignature);
  CHECK(dev.read(FwCfg::kData, 4) == 0x554d4551);  // a wide read: successive bytes, first lowest
  CHECK(dev.read(FwCfg::kData, 2) == 0);
}

TEST_CASE("fw_cfg: unknown, architecture-specific and write-channel selectors") {
  FwCfg dev(1 << 20, 1);
  for (uint16_t key : {0x0002, 0x0018, 0x1234, 0x3fff, 0x8000, 0x8003, 0xffff, 0x0020}) {
    select(dev, key);
    CAPTURE(key);
    CHECK(readBytes(dev, 4) == Bytes{0, 0, 0, 0});
  }
  select(dev, 0x4000);  // bit 14, the old write channel, does not change which item
  CHECK(readBytes(dev, 4) == Bytes{'Q', 'E', 'M', 'U'});
}

TEST_CASE("fw_cfg: the file directory, sorted by name, and the files") {
  FwCfg dev(1 << 20, 1);
  select(dev, FwCfg::kFileDir);
  CHECK(readBytes(dev, 5) == Bytes{0, 0, 0, 0, 0});
  dev.addFile("opt/b", {1, 2, 3});
  dev.addFile("opt/a", Bytes(0x1234, 0xee));
  select(dev, FwCfg::kFileDir);
  Bytes dir = readBytes(dev, 4 + 2 * 64 + 1);
  CHECK(Bytes(dir.begin(), dir.begin() + 4) == Bytes{0, 0, 0, 2});  // count, big-endian
  Bytes first(dir.begin() + 4, dir.begin() + 68);
  CHECK(Bytes(first.begin(), first.begin() + 8) == Bytes{0, 0, 0x12, 0x34, 0, 0x20, 0, 0});  // size, select, reserved
  CHECK(std::string(reinterpret_cast<const char*>(first.data() + 8)) == "opt/a");
  CHECK(Bytes(first.begin() + 13, first.end()) == Bytes(51, 0));  // NUL padded
  Bytes second(dir.begin() + 68, dir.begin() + 132);
  CHECK(Bytes(second.begin(), second.begin() + 8) == Bytes{0, 0, 0, 3, 0, 0x21, 0, 0});
  CHECK(std::string(reinterpret_cast<const char*>(second.data() + 8)) == "opt/b");
  CHECK(dir.back() == 0);  // past the directory's end
  select(dev, 0x21);
  CHECK(readBytes(dev, 4) == Bytes{1, 2, 3, 0});
  select(dev, 0x20);
  Bytes a = readBytes(dev, 0x1235);
  CHECK(a.front() == 0xee);
  CHECK(a[0x1233] == 0xee);
  CHECK(a[0x1234] == 0);
  select(dev, 0x22);
  CHECK(readBytes(dev, 1) == Bytes{0});
}

TEST_CASE("fw_cfg: file names are checked") {
  FwCfg dev(1 << 20, 1);
  dev.addFile(std::string(55, 'n'), {});
  expectCoreError([&] { dev.addFile("", {}); }, "internal", {"the name is empty"});
  expectCoreError([&] { dev.addFile(std::string(56, 'x'), {}); }, "internal",
                  {"the name is 56 bytes; at most 55 fit the directory"});
  expectCoreError([&] { dev.addFile(std::string("a\0b", 3), {}); }, "internal",
                  {"fw_cfg file \"a\\x00b\": the name holds a NUL byte"});
  dev.addFile("etc/x", {1});
  expectCoreError([&] { dev.addFile("etc/x", {2}); }, "internal",
                  {"fw_cfg file \"etc/x\": a file of that name was added already"});
  select(dev, FwCfg::kFileDir);
  CHECK(readBytes(dev, 4) == Bytes{0, 0, 0, 2});
}

// ---- CMOS RTC ----

using test::kThursday;

using test::Cmos;

TEST_CASE("CMOS: the time in BCD, 24-hour, by default; status registers") {
  Cmos c;
  CHECK(c.time() == Bytes{0x07, 0x45, 0x13, 0x05, 0x29, 0x02, 0x24, 0x20});  // Thursday is day 5
  CHECK(c.get(0x37) == 0x20);  // the PS/2 century alias
  CHECK(c.get(CmosRtc::kRegA) == 0x26);
  CHECK(c.get(CmosRtc::kRegB) == 0x02);
  CHECK(c.get(CmosRtc::kRegC) == 0x00);
  CHECK(c.get(CmosRtc::kRegD) == 0x80);
  c.now += 60 * 60 * 11 + 15 * 60 + 53;  // to 2024-03-01 01:01:00, a Friday
  CHECK(c.time() == Bytes{0x00, 0x01, 0x01, 0x06, 0x01, 0x03, 0x24, 0x20});
}

TEST_CASE("CMOS: register B's binary and 12-hour modes apply on read") {
  Cmos c;
  c.set(CmosRtc::kRegB, CmosRtc::kRegB24Hour | CmosRtc::kRegBBinary);
  CHECK(c.time() == Bytes{7, 45, 13, 5, 29, 2, 24, 20});
  c.set(CmosRtc::kRegB, 0);  // BCD, 12-hour
  CHECK(c.get(CmosRtc::kHours) == 0x81);  // 1 PM
  c.set(CmosRtc::kRegB, CmosRtc::kRegBBinary);
  CHECK(c.get(CmosRtc::kHours) == 0x81);
  c.now = 1709166600;  // 00:30: midnight is 12 AM
  CHECK(c.get(CmosRtc::kHours) == 12);
  c.set(CmosRtc::kRegB, 0);
  CHECK(c.get(CmosRtc::kHours) == 0x12);
}

TEST_CASE("CMOS: UIP reads 0, register A keeps the rest; C and D are read-only") {
  Cmos c;
  c.set(CmosRtc::kRegA, 0xa6);
  CHECK(c.get(CmosRtc::kRegA) == 0x26);
  c.set(CmosRtc::kRegA, 0x2f);
  CHECK(c.get(CmosRtc::kRegA) == 0x2f);
  c.set(CmosRtc::kRegC, 0xff);
  c.set(CmosRtc::kRegD, 0x00);
  CHECK(c.get(CmosRtc::kRegC) == 0);
  CHECK(c.get(CmosRtc::kRegD) == 0x80);
}

TEST_CASE("CMOS: the guest sets the time, directly or in set mode") {
  Cmos c;
  c.set(CmosRtc::kSeconds, 0x30);
  CHECK(c.get(CmosRtc::kSeconds) == 0x30);
  c.now += 5;
  CHECK(c.time() == Bytes{0x35, 0x45, 0x13, 0x05, 0x29, 0x02, 0x24, 0x20});
  // Set mode: the registers hold still and take what is written...
  c.set(CmosRtc::kRegB, CmosRtc::kRegB24Hour | CmosRtc::kRegBSet);
  c.now += 100;
  CHECK(c.get(CmosRtc::kSeconds) == 0x35);
  c.set(CmosRtc::kYear, 0x25);
  c.set(CmosRtc::kMonth, 0x02);
  c.set(CmosRtc::kDayOfMonth, 0x28);
  c.set(CmosRtc::kHours, 0x00);
  c.set(CmosRtc::kMinutes, 0x00);
  c.set(CmosRtc::kSeconds, 0x00);
  CHECK(c.get(CmosRtc::kYear) == 0x25);
  // ...and leaving it starts the clock from them: 2025-02-28 00:00:00, a Friday.
  c.set(CmosRtc::kRegB, CmosRtc::kRegB24Hour);
  CHECK(c.time() == Bytes{0x00, 0x00, 0x00, 0x06, 0x28, 0x02, 0x25, 0x20});
  c.now += 2;
  CHECK(c.get(CmosRtc::kSeconds) == 0x02);
}

TEST_CASE("CMOS: memory sizes as QEMU's pc_cmos_init writes them") {
  Cmos c;  // 64 MiB
  CHECK(c.get(0x15) == 0x80);  // 640 KiB base memory
  CHECK(c.get(0x16) == 0x02);
  CHECK(c.get(0x17) == 0x00);  // 63 MiB above 1 MiB = 0xfc00 KiB
  CHECK(c.get(0x18) == 0xfc);
  CHECK(c.get(0x30) == 0x00);
  CHECK(c.get(0x31) == 0xfc);
  CHECK(c.get(0x34) == 0x00);  // 48 MiB above 16 MiB = 0x300 x 64 KiB
  CHECK(c.get(0x35) == 0x03);
  CHECK(c.get(0x5b) == 0);
  CHECK(c.get(0x5c) == 0);
  CHECK(c.get(0x5d) == 0);
  CHECK(c.get(0x14) == 0x06);

  CmosRtc big(8ull << 30, [] { return int64_t{0}; });
  auto get = [&](uint8_t i) {
    big.write(CmosRtc::kIndex, i, 1);
    return big.read(CmosRtc::kData, 1);
  };
  CHECK(get(0x17) == 0xff);  // capped at 65535 KiB
  CHECK(get(0x18) == 0xff);
  CHECK(get(0x34) == 0x00);  // (4 GiB - 16 MiB) / 64 KiB = 0xff00
  CHECK(get(0x35) == 0xff);
  CHECK(get(0x5b) == 0x00);  // 4 GiB above 4 GiB = 0x10000 x 64 KiB
  CHECK(get(0x5c) == 0x00);
  CHECK(get(0x5d) == 0x01);

  CmosRtc small(512 << 10, [] { return int64_t{0}; });
  small.write(CmosRtc::kIndex, 0x15, 1);
  CHECK(small.read(CmosRtc::kData, 1) == 0x00);  // 512 KiB = 0x200
  small.write(CmosRtc::kIndex, 0x16, 1);
  CHECK(small.read(CmosRtc::kData, 1) == 0x02);
  small.write(CmosRtc::kIndex, 0x17, 1);
  CHECK(small.read(CmosRtc::kData, 1) == 0x00);
  small.write(CmosRtc::kIndex, 0x34, 1);
  CHECK(small.read(CmosRtc::kData, 1) == 0x00);
}

TEST_CASE("CMOS: the index port keeps the NMI mask; other bytes read back what was written") {
  Cmos c;
  c.dev.write(CmosRtc::kIndex, 0x8f, 1);
  CHECK(c.dev.nmiDisabled());
  CHECK(c.dev.index() == 0x0f);
  CHECK(c.dev.read(CmosRtc::kIndex, 1) == 0xff);  // write-only, as in QEMU
  c.dev.write(CmosRtc::kData, 0xfe, 1);
  CHECK(c.dev.read(CmosRtc::kData, 1) == 0xfe);
  c.dev.write(CmosRtc::kIndex, 0x0f, 1);
  CHECK_FALSE(c.dev.nmiDisabled());
  for (uint8_t i : {0x01, 0x10, 0x40, 0x7f}) {
    c.set(i, static_cast<uint8_t>(i ^ 0x5a));
    CHECK(c.get(i) == (i ^ 0x5a));
  }
  c.set(0xc0, 0x77);  // index 0x40 (bit 7 is the NMI mask)
  CHECK(c.get(0x40) == 0x77);
  CHECK(stat(c.dev, "writes") > 0);
  CHECK(stat(c.dev, "reads") > 0);
}

// ---- PCI configuration space with no devices ----

TEST_CASE("PCI: no devices; every configuration read is all ones, sized") {
  PciConfigNone dev;
  dev.write(PciConfigNone::kAddress, 0x80000000, 4);
  CHECK(dev.read(PciConfigNone::kAddress, 4) == 0x80000000);
  CHECK(dev.address() == 0x80000000);
  CHECK(dev.read(4, 1) == 0xff);
  CHECK(dev.read(5, 1) == 0xff);
  CHECK(dev.read(7, 1) == 0xff);
  CHECK(dev.read(4, 2) == 0xffff);
  CHECK(dev.read(6, 2) == 0xffff);
  CHECK(dev.read(4, 4) == 0xffffffff);
  dev.write(4, 0x12345678, 4);  // dropped
  CHECK(dev.read(4, 4) == 0xffffffff);
  dev.write(PciConfigNone::kAddress, 0x8000f800, 4);
  CHECK(dev.read(4, 4) == 0xffffffff);
  CHECK(stat(dev, "configReads") == 8);
  CHECK(stat(dev, "configWrites") == 1);
}

TEST_CASE("PCI: the address register takes only 32-bit writes and reads back by bytes") {
  PciConfigNone dev;
  dev.write(PciConfigNone::kAddress, 0x80001234, 4);
  dev.write(PciConfigNone::kAddress, 0xaa, 1);   // ignored
  dev.write(1, 0xbb, 1);                         // 0xcf9, the PIIX reset register: ignored
  dev.write(PciConfigNone::kAddress, 0xcccc, 2); // ignored
  CHECK(dev.read(0, 4) == 0x80001234);
  CHECK(dev.read(0, 1) == 0x34);
  CHECK(dev.read(1, 1) == 0x12);
  CHECK(dev.read(2, 2) == 0x8000);
  CHECK(dev.read(3, 1) == 0x80);
}

// ---- i8042 ----

using test::RecordingReset;

TEST_CASE("i8042: no data, status 0; command 0xfe resets") {
  RecordingReset handler;
  I8042 dev(handler);
  CHECK(dev.read(I8042::kData, 1) == 0);
  CHECK(dev.read(I8042::kCommand, 1) == 0);
  CHECK(dev.commandPort().read(0, 1) == 0);
  dev.commandPort().write(0, 0xfe, 1);
  CHECK(handler.resets == 1);
  dev.write(I8042::kCommand, 0xfe, 1);
  CHECK(handler.resets == 2);
  dev.commandPort().write(0, 0xf0, 1);  // pulse bits 3-0: bit 0 is among them
  CHECK(handler.resets == 3);
  for (uint8_t cmd : {0xff, 0xf1, 0xfd, 0x20, 0x60, 0xa7, 0xa8, 0xaa, 0xad, 0xae, 0xd0, 0xd2, 0xdd, 0xdf, 0x00})
    dev.commandPort().write(0, cmd, 1);
  CHECK(handler.resets == 3);
  CHECK(dev.read(I8042::kData, 1) == 0);  // no self-test reply is queued
  CHECK(stat(dev, "commands") == 18);
  CHECK(stat(dev, "resets") == 3);
}

TEST_CASE("i8042: writing the output port with bit 0 clear resets") {
  RecordingReset handler;
  I8042 dev(handler);
  dev.write(I8042::kData, 0x00, 1);  // data with no command: dropped
  CHECK(handler.resets == 0);
  dev.commandPort().write(0, I8042::kWriteOutputPort, 1);
  dev.write(I8042::kData, 0xff, 1);  // bit 0 set: no reset
  CHECK(handler.resets == 0);
  dev.write(I8042::kData, 0x00, 1);  // the command was used up
  CHECK(handler.resets == 0);
  dev.commandPort().write(0, I8042::kWriteOutputPort, 1);
  dev.commandPort().write(0, 0xae, 1);  // another command cancels it
  dev.write(I8042::kData, 0x00, 1);
  CHECK(handler.resets == 0);
  dev.commandPort().write(0, I8042::kWriteOutputPort, 1);
  dev.write(I8042::kData, 0xfe, 1);
  CHECK(handler.resets == 1);
}

// ---- POST port ----

TEST_CASE("POST port: writes counted, the last value read back") {
  PostPort dev;
  CHECK(dev.read(0, 1) == 0);
  dev.write(0, 0x42, 1);
  dev.write(0, 0x1ff, 1);
  CHECK(dev.read(0, 1) == 0xff);
  CHECK(dev.last() == 0xff);
  CHECK(stat(dev, "writes") == 2);
  CHECK(stat(dev, "last") == 0xff);
  dev.resetStats();
  CHECK(stat(dev, "writes") == 0);
}

// ---- all of them on one port bus ----

TEST_CASE("legacy devices: attached at their ports next to COM1, each access reaches the right one") {
  RecordingExit exitHandler;
  RecordingReset resetHandler;
  IsaDebugExit debugExit(exitHandler);
  FwCfg fwCfg(64ull << 20, 1);
  Cmos cmos;
  PciConfigNone pci;
  I8042 i8042(resetHandler);
  PostPort post;
  Serial16550 serial(nullptr);
  Bus io("io");
  io.attach(Serial16550::kCom1, Serial16550::kSize, serial);
  io.attach(debugExit.port(), debugExit.size(), debugExit);
  io.attach(FwCfg::kPortBase, FwCfg::kSize, fwCfg);
  io.attach(CmosRtc::kPortBase, CmosRtc::kSize, cmos.dev);
  io.attach(PciConfigNone::kPortBase, PciConfigNone::kSize, pci);
  io.attach(I8042::kDataPort, I8042::kPortSize, i8042);
  io.attach(I8042::kCommandPort, I8042::kPortSize, i8042.commandPort());
  io.attach(PostPort::kPort, PostPort::kSize, post);

  auto out = [&](uint16_t port, uint64_t value, unsigned size) {
    Bus::Hit hit = io.find(port, size);
    REQUIRE(hit.device);
    hit.device->write(hit.offset, value, size);
  };
  auto in = [&](uint16_t port, unsigned size) {
    Bus::Hit hit = io.find(port, size);
    REQUIRE(hit.device);
    return hit.device->read(hit.offset, size);
  };
  out(0x510, FwCfg::kSignature, 2);
  CHECK(in(0x511, 1) == 'Q');
  out(0x70, 0x09, 1);
  CHECK(in(0x71, 1) == 0x24);
  out(0xcf8, 0x80000000, 4);
  CHECK(in(0xcfc, 4) == 0xffffffff);
  CHECK(in(0xcfe, 2) == 0xffff);
  out(0x64, 0xfe, 1);
  CHECK(resetHandler.resets == 1);
  CHECK(in(0x64, 1) == 0);
  out(0x80, 0x55, 1);
  CHECK(in(0x80, 1) == 0x55);
  out(0xf4, 0, 4);
  CHECK(exitHandler.codes == std::vector<uint32_t>{1});
  CHECK(io.find(0x61, 1).device == nullptr);  // port B stays free for its own device
}

}  // namespace
}  // namespace kx
