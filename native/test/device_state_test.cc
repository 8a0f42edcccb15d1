// Device checkpoints: each device is driven into a state no fresh one is in,
// saved, loaded into a fresh one built the same way, and then both must read
// the same, count the same and go on behaving the same. Every record is also
// cut short at every byte, given another version and given fields no guest
// could have produced, which must all be refused as checkpoint-corrupt.
#include <doctest/doctest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "recording_handlers.hh"
#include "devices/cmos_rtc.hh"
#include "devices/fw_cfg.hh"
#include "devices/hypercall_port.hh"
#include "devices/i8042.hh"
#include "devices/interval_timer.hh"
#include "devices/isa_debug_exit.hh"
#include "devices/m5ops.hh"
#include "devices/pci_config_none.hh"
#include "devices/post_port.hh"
#include "devices/serial16550.hh"
#include "devices/sim_control.hh"
#include "devices/sink.hh"
#include "devices/unwired.hh"
#include "cmos_fixture.hh"
#include "expect_error.hh"

namespace kx {
namespace {

using test::expectCoreError;
using Bytes = std::vector<uint8_t>;

Bytes save(const Device& device) {
  StateWriter writer;
  device.saveState(writer);
  return writer.bytes();
}

// finish() as the machine calls it: a device must read exactly what it wrote.
void load(Device& device, const Bytes& record) {
  StateReader reader(record, std::string("device ") + device.name());
  device.loadState(reader);
  reader.finish();
}

template <typename T>
Bytes patched(Bytes record, size_t at, T value) {
  REQUIRE(at + sizeof value <= record.size());
  std::memcpy(record.data() + at, &value, sizeof value);
  return record;
}

void expectCorrupt(Device& device, const Bytes& record, const std::string& message) {
  expectCoreError([&] { load(device, record); }, "checkpoint-corrupt", {message.c_str()});
}

// Every field is read, so a record cut anywhere ends early; and a record of
// version 2 is refused before any of it is believed.
void expectDamageRefused(const Bytes& record, const std::function<std::unique_ptr<Device>()>& fresh) {
  REQUIRE(record.size() >= 4);
  for (size_t size = 0; size < record.size(); ++size) {
    CAPTURE(size);
    auto device = fresh();
    expectCorrupt(*device, Bytes(record.begin(), record.begin() + size), "ends");
  }
  auto device = fresh();
  expectCorrupt(*device, patched<uint32_t>(record, 0, 2),
                std::string(device->name()) + ": state version 2, this build reads 1");
}

// ---- serial ----

enum : uint64_t { kData = 0, kIer = 1, kIir = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScratch = 7 };
constexpr uint8_t kEtbei = 0x02;

using test::RecordingLine;

// Every register, the divisor latch included; the same accesses on either
// device, so the reads may have effects (IIR acknowledges THRE).
Bytes serialRegisters(Serial16550& serial) {
  Bytes out;
  for (uint64_t reg : {kIer, kIir, kLcr, kMcr, kLsr, kMsr, kScratch}) out.push_back(serial.read(reg, 1));
  uint8_t lcr = serial.read(kLcr, 1);
  serial.write(kLcr, lcr | 0x80, 1);
  out.push_back(serial.read(kData, 1));
  out.push_back(serial.read(kIer, 1));
  serial.write(kLcr, lcr, 1);
  return out;
}

TEST_CASE("serial: registers, pending THRE and counters survive; the pin is driven to match, not counted again") {
  RecordingLine line;
  Serial16550 serial(nullptr, line);
  serial.write(kLcr, 0x83, 1);  // DLAB: 9600 baud divisor 12
  serial.write(kData, 0x0c, 1);
  serial.write(kIer, 0x01, 1);
  serial.write(kLcr, 0x1b, 1);  // 8E1
  serial.write(kMcr, 0x0b, 1);
  serial.write(kIir, 0x07, 1);  // FCR: FIFOs on
  serial.write(kScratch, 0x5a, 1);
  serial.write(kIer, kEtbei | 0x01, 1);
  serial.write(kData, 'a', 1);
  Bytes record = save(serial);
  CHECK(record.size() == 4 + 7 + 1 + 16);

  RecordingLine restoredLine;
  Serial16550 restored(nullptr, restoredLine);
  load(restored, record);
  CHECK(restoredLine.levels == std::vector<bool>{true});  // THRE was pending with ETBEI set
  CHECK(restored.stats() == serial.stats());
  CHECK(serialRegisters(restored) == serialRegisters(serial));  // reading IIR acknowledged both
  CHECK(restoredLine.levels == std::vector<bool>{true, false});
  serial.write(kData, 'b', 1);
  restored.write(kData, 'b', 1);
  CHECK(restoredLine.levels == std::vector<bool>{true, false, true});
  CHECK(restored.stats() == serial.stats());
  CHECK(serialRegisters(restored) == serialRegisters(serial));

  // Acknowledged: the pin stays low.
  CHECK(serial.read(kIir, 1) == 0xc1);  // serialRegisters acknowledged it
  RecordingLine quietLine;
  Serial16550 quiet(nullptr, quietLine);
  load(quiet, save(serial));
  CHECK(quietLine.levels.empty());
  CHECK(quiet.stats() == serial.stats());

  expectDamageRefused(record, [] { return std::make_unique<Serial16550>(nullptr); });
  Serial16550 fresh(nullptr);
  expectCorrupt(fresh, patched<uint8_t>(record, 4, 0x12), "serial: IER 0x12 is out of range");
  expectCorrupt(fresh, patched<uint8_t>(record, 11, 2), "serial: THRE pending 2 is out of range");
}

// ---- interval timer ----

constexpr uint64_t kUs = 1000000;  // ticks

struct Timer {
  uint64_t now;
  EventQueue events{[this] { return now; }};
  InterruptLines irqs;
  IntervalTimer dev{events, irqs};
  explicit Timer(uint64_t at = 0) : now(at) {}
  void runTo(uint64_t tick) {
    now = tick;
    events.serviceDue();
  }
  Bytes registers() {
    Bytes out;
    for (uint64_t reg : {IntervalTimer::kPeriodUs, IntervalTimer::kControl, IntervalTimer::kVector, IntervalTimer::kFired})
      out.push_back(static_cast<uint8_t>(dev.read(reg, 4)));
    return out;
  }
};

TEST_CASE("timer: a running timer fires at the same ticks after a load, its old event cancelled") {
  Timer timer;
  timer.dev.write(IntervalTimer::kPeriodUs, 10, 4);
  timer.dev.write(IntervalTimer::kVector, 40, 4);
  timer.dev.write(IntervalTimer::kControl, 1, 4);
  timer.runTo(25 * kUs);
  CHECK(timer.irqs.takeHighest() == 40);
  timer.now = 27 * kUs;  // mid-period: the next expiry is 30 us
  Bytes record = save(timer.dev);
  CHECK(record.size() == 4 + 8 + 1 + 1 + 8 + 8);

  Timer restored(27 * kUs);
  restored.dev.write(IntervalTimer::kPeriodUs, 3, 4);  // running on its own schedule, which the load replaces
  restored.dev.write(IntervalTimer::kControl, 1, 4);
  load(restored.dev, record);
  CHECK(restored.registers() == timer.registers());
  CHECK(restored.registers() == Bytes{10, 1, 40, 2});
  CHECK(restored.dev.stats() == timer.dev.stats());
  CHECK(restored.events.nextTick() == 30 * kUs);

  timer.runTo(30 * kUs - 1);
  restored.runTo(30 * kUs - 1);
  CHECK_FALSE(restored.irqs.anyPending());
  timer.runTo(30 * kUs);
  restored.runTo(30 * kUs);
  CHECK(restored.irqs.takeHighest() == 40);
  CHECK(timer.irqs.takeHighest() == 40);
  CHECK(restored.dev.stats() == timer.dev.stats());
  CHECK(restored.registers() == Bytes{10, 1, 40, 3});  // exactly one expiry: the old event is gone
  CHECK(restored.events.nextTick() == timer.events.nextTick());
  CHECK(restored.events.nextTick() == 40 * kUs);
}

TEST_CASE("timer: a deadline passed unserviced stays on its grid; a stopped timer loads stopped") {
  Timer timer;
  timer.dev.write(IntervalTimer::kPeriodUs, 10, 4);
  timer.dev.write(IntervalTimer::kVector, IntervalTimer::kNmiVector, 4);
  timer.dev.write(IntervalTimer::kControl, 1, 4);
  timer.now = 13 * kUs;  // 10 us is due but not yet serviced
  Timer late(13 * kUs);
  load(late.dev, save(timer.dev));
  timer.runTo(13 * kUs);
  late.runTo(13 * kUs);
  CHECK(late.irqs.takeNmi());
  CHECK(late.registers() == timer.registers());
  CHECK(late.events.nextTick() == 20 * kUs);

  timer.dev.write(IntervalTimer::kControl, 0, 4);
  Timer stopped(13 * kUs);
  stopped.dev.write(IntervalTimer::kPeriodUs, 1, 4);
  stopped.dev.write(IntervalTimer::kControl, 1, 4);
  load(stopped.dev, save(timer.dev));
  CHECK(stopped.registers() == Bytes{10, 0, IntervalTimer::kNmiVector, 1});
  CHECK(stopped.events.nextTick() == UINT64_MAX);
  // Started again, it counts from now, as the original does.
  timer.dev.write(IntervalTimer::kControl, 1, 4);
  stopped.dev.write(IntervalTimer::kControl, 1, 4);
  CHECK(stopped.events.nextTick() == timer.events.nextTick());
}

TEST_CASE("timer: damaged records are refused") {
  Timer timer;
  timer.dev.write(IntervalTimer::kPeriodUs, 10, 4);
  timer.dev.write(IntervalTimer::kControl, 1, 4);
  Bytes record = save(timer.dev);
  expectDamageRefused(record, [&] { return std::make_unique<IntervalTimer>(timer.events, timer.irqs); });
  Timer fresh;
  expectCorrupt(fresh.dev, patched<uint64_t>(record, 4, 10 * kUs + 1), "timer: period 10000001 ticks is out of range");
  expectCorrupt(fresh.dev, patched<uint64_t>(record, 4, (uint64_t{1} << 32) * kUs), "timer: period");
  expectCorrupt(fresh.dev, patched<uint64_t>(record, 4, 0), "timer: period 0 of a running timer is out of range");
  expectCorrupt(fresh.dev, patched<uint8_t>(record, 13, 2), "timer: running 2 is out of range");
  CHECK(fresh.events.nextTick() == UINT64_MAX);  // nothing was scheduled by a refused load
  load(fresh.dev, patched<uint64_t>(patched<uint8_t>(record, 13, 0), 4, 0));  // stopped, zero period: fine
}

// ---- hypercall port ----

TEST_CASE("hypercall: argument, result, running sum and counters survive") {
  int calls = 0;
  HypercallPort port([&] { ++calls; });
  port.write(HypercallPort::kArgument, 5, 4);
  port.write(HypercallPort::kCall, HypercallPort::kAdd, 4);
  port.write(HypercallPort::kArgument, 7, 4);
  port.write(HypercallPort::kCall, HypercallPort::kAdd, 4);
  port.write(HypercallPort::kCall, 99, 4);
  port.write(HypercallPort::kArgument, 3, 4);
  Bytes record = save(port);

  int restoredCalls = 0;
  HypercallPort restored([&] { ++restoredCalls; });
  load(restored, record);
  CHECK(restoredCalls == 0);  // loading is not a call
  CHECK(restored.read(HypercallPort::kResult, 4) == HypercallPort::kUnknownCall);
  CHECK(restored.stats() == port.stats());
  for (HypercallPort* p : {&port, &restored}) p->write(HypercallPort::kCall, HypercallPort::kAdd, 4);
  CHECK(restored.read(HypercallPort::kResult, 4) == 15);  // 5 + 7 + the saved argument 3
  CHECK(port.read(HypercallPort::kResult, 4) == 15);
  CHECK(restored.stats() == port.stats());

  expectDamageRefused(record, [] { return std::make_unique<HypercallPort>([] {}); });
  HypercallPort fresh([] {});
  expectCorrupt(fresh, patched<uint64_t>(record, 24, 4), "hypercall: unknown 4 is out of range");  // of 3 calls
}

// ---- sink ----

TEST_CASE("sink: counters and the next expected sequence number survive") {
  Sink sink("sink");
  for (uint64_t v : {0, 1, 2, 7}) sink.write(0, v, 4);
  sink.read(0, 4);
  Bytes record = save(sink);
  Sink restored("sink");
  load(restored, record);
  CHECK(restored.stats() == sink.stats());
  for (Sink* s : {&sink, &restored}) {
    s->write(0, 4, 4);  // in order: the fifth write carries 4
    s->write(0, 0x10005, 2);
  }
  CHECK(restored.stats() == sink.stats());
  CHECK(restored.stats() == DeviceStats{{"writes", 6}, {"reads", 1}, {"outOfOrder", 1}});

  expectDamageRefused(record, [] { return std::make_unique<Sink>("sink"); });
  Sink fresh("mmioSink");
  expectCorrupt(fresh, patched<uint64_t>(record, 20, 5), "mmioSink: outOfOrder 5 is out of range");
}

// ---- m5ops ----

TEST_CASE("m5ops: calls and work_begin/work_end counts survive") {
  UnwiredRegisters registers;
  UnwiredHandlers handler;
  M5Ops ops(registers, handler);
  for (uint8_t op : {M5Ops::kWorkBegin, M5Ops::kWorkEnd, M5Ops::kWorkBegin, M5Ops::kDumpStats})
    ops.read(uint64_t{op} << 8, 8);
  Bytes record = save(ops);
  M5Ops restored(registers, handler);
  load(restored, record);
  CHECK(restored.stats() == ops.stats());
  for (M5Ops* o : {&ops, &restored}) o->write(uint64_t{M5Ops::kWorkEnd} << 8, 0, 8);
  CHECK(restored.stats() == ops.stats());
  CHECK(restored.stats() == DeviceStats{{"calls", 5}, {"workBegin", 2}, {"workEnd", 2}});
  expectDamageRefused(record, [&] { return std::make_unique<M5Ops>(registers, handler); });
}

// ---- isa-debug-exit ----

using test::RecordingExit;

TEST_CASE("isa-debug-exit: the exit count and last code survive") {
  RecordingExit handler;
  IsaDebugExit dev(handler);
  dev.write(0, 0x10, 1);
  Bytes record = save(dev);
  IsaDebugExit restored(handler);
  load(restored, record);
  CHECK(restored.stats() == dev.stats());
  CHECK(restored.stats() == DeviceStats{{"exits", 1}, {"lastCode", 0x21}});
  CHECK(handler.codes.size() == 1);  // loading does not exit

  expectDamageRefused(record, [&] { return std::make_unique<IsaDebugExit>(handler); });
  expectCorrupt(restored, patched<uint64_t>(record, 12, 0x20), "isaDebugExit: lastCode 0x20 is out of range");
  expectCorrupt(restored, patched<uint64_t>(record, 12, 0x100000001), "isaDebugExit: lastCode 0x100000001 is out of range");
  load(restored, patched<uint64_t>(record, 12, 0));  // never written
}

// ---- fw_cfg ----

Bytes readBytes(FwCfg& dev, int n) {
  Bytes out;
  for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(dev.read(FwCfg::kData, 1)));
  return out;
}

std::unique_ptr<FwCfg> fwCfgWithFile() {
  auto dev = std::make_unique<FwCfg>(1 << 20, 2);
  dev->addFile("opt/a", {1, 2, 3, 4, 5});
  return dev;
}

TEST_CASE("fw_cfg: the selected item and the place in it survive") {
  auto dev = fwCfgWithFile();
  dev->write(FwCfg::kSelector, FwCfg::kFileFirst, 2);
  CHECK(readBytes(*dev, 2) == Bytes{1, 2});
  Bytes record = save(*dev);
  auto restored = fwCfgWithFile();
  load(*restored, record);
  CHECK(restored->stats() == dev->stats());
  CHECK(readBytes(*restored, 4) == Bytes{3, 4, 5, 0});
  CHECK(readBytes(*dev, 4) == Bytes{3, 4, 5, 0});
  CHECK(restored->stats() == dev->stats());

  expectDamageRefused(record, fwCfgWithFile);
  auto fresh = fwCfgWithFile();
  expectCorrupt(*fresh, patched<uint64_t>(record, 6, 6), "fwCfg: offset 6 into item 0x20 is out of range");
  FwCfg withoutFiles(1 << 20, 2);  // not built the same way: item 0x20 is missing
  expectCorrupt(withoutFiles, record, "fwCfg: offset 2 into item 0x20 is out of range");
  load(withoutFiles, patched<uint64_t>(record, 6, 0));  // an unanswered selector, at its start
}

TEST_CASE("fw_cfg: an offset read past the item's end is saved as the end") {
  FwCfg dev(1 << 20, 2);
  CHECK(readBytes(dev, 10) == Bytes{'Q', 'E', 'M', 'U', 0, 0, 0, 0, 0, 0});
  Bytes record = save(dev);
  uint64_t offset;
  std::memcpy(&offset, record.data() + 6, sizeof offset);
  CHECK(offset == 4);
  FwCfg restored(1 << 20, 2);
  load(restored, record);
  CHECK(readBytes(restored, 2) == Bytes{0, 0});
  CHECK(restored.stats() == DeviceStats{{"selects", 0}, {"dataReads", 12}});
  dev.write(FwCfg::kSelector, 0x1234, 2);  // unanswered: saved at offset 0 whatever was read
  readBytes(dev, 3);
  record = save(dev);
  std::memcpy(&offset, record.data() + 6, sizeof offset);
  CHECK(offset == 0);
}

// ---- CMOS RTC ----

using test::kThursday;

using test::Cmos;

TEST_CASE("CMOS: the index, NMI mask, written registers, memory and the time the guest set survive; the clock runs on") {
  Cmos c;
  c.set(CmosRtc::kRegA, 0x2f);
  c.set(CmosRtc::kRegB, CmosRtc::kRegB24Hour | CmosRtc::kRegBBinary);
  c.set(0x40, 0x99);
  c.set(CmosRtc::kMinutes, 0);  // the guest's time is now 13:00:07
  c.dev.write(CmosRtc::kIndex, 0x80 | 0x41, 1);
  Bytes record = save(c.dev);
  CHECK(record.size() == 4 + 1 + 1 + 8 + 8 + 128 + 16);

  Cmos r;
  load(r.dev, record);
  CHECK(r.dev.index() == 0x41);
  CHECK(r.dev.nmiDisabled());
  CHECK(r.dev.stats() == c.dev.stats());
  c.now += 5;
  r.now += 5;
  Bytes time = r.time();
  CHECK(time == c.time());
  CHECK(time == Bytes{12, 0, 13, 5, 29, 2, 24, 20});
  Bytes memory = r.memory();
  CHECK(memory == c.memory());
  CHECK(r.dev.stats() == c.dev.stats());
  CHECK(r.get(0x40) == 0x99);
  CHECK(r.get(CmosRtc::kRegA) == 0x2f);

  // In set mode the registers hold what was written, whatever the clock does.
  constexpr uint8_t kBinary24 = CmosRtc::kRegB24Hour | CmosRtc::kRegBBinary;
  c.set(CmosRtc::kRegB, kBinary24 | CmosRtc::kRegBSet);
  c.set(CmosRtc::kYear, 30);
  Cmos s;
  load(s.dev, save(c.dev));
  c.now += 100;
  s.now += 100;
  CHECK(s.time() == c.time());
  CHECK(s.get(CmosRtc::kYear) == 30);
  c.set(CmosRtc::kRegB, kBinary24);
  s.set(CmosRtc::kRegB, kBinary24);
  c.now += 3;
  s.now += 3;
  CHECK(s.time() == c.time());
  CHECK(s.time() == Bytes{15, 0, 13, 6, 1, 3, 30, 20});  // 2030-02-29 13:00:12 was normalised to Friday 1 March
}

TEST_CASE("CMOS: damaged records are refused") {
  Cmos c;
  Bytes record = save(c.dev);
  expectDamageRefused(record, [] {
    return std::make_unique<CmosRtc>(64ull << 20, [] { return kThursday; });
  });
  constexpr size_t kMemory = 4 + 1 + 1 + 8 + 8;
  expectCorrupt(c.dev, patched<uint8_t>(record, 4, 0x80), "cmosRtc: index 0x80 is out of range");
  expectCorrupt(c.dev, patched<uint8_t>(record, 5, 3), "cmosRtc: NMI disable 3 is out of range");
  expectCorrupt(c.dev, patched<int64_t>(record, 6, INT64_MIN), "cmosRtc: time offset");
  expectCorrupt(c.dev, patched<int64_t>(record, 6, INT64_MAX), "cmosRtc: time offset");
  expectCorrupt(c.dev, patched<uint8_t>(record, kMemory + CmosRtc::kRegA, 0xa6), "cmosRtc: register A 0xa6 is out of range");
  expectCorrupt(c.dev, patched<uint8_t>(record, kMemory + CmosRtc::kRegC, 0x80), "cmosRtc: register C 0x80");
  expectCorrupt(c.dev, patched<uint8_t>(record, kMemory + CmosRtc::kRegD, 0x00), "cmosRtc: register D 0x0");
  expectCorrupt(c.dev, patched<uint64_t>(record, kMemory - 8, 129), "more than the 128");
  Bytes shortMemory = patched<uint64_t>(record, kMemory - 8, 127);
  shortMemory.erase(shortMemory.begin() + kMemory);
  expectCorrupt(c.dev, shortMemory, "cmosRtc: memory size 127 bytes is out of range");
  CHECK(c.dev.stats() == DeviceStats{{"reads", 0}, {"writes", 0}});  // refused loads changed nothing
}

// ---- PCI configuration ----

TEST_CASE("PCI: the address register and counters survive") {
  PciConfigNone pci;
  pci.write(PciConfigNone::kAddress, 0x80001234, 4);
  pci.read(PciConfigNone::kData, 4);
  pci.read(PciConfigNone::kData + 2, 2);
  pci.write(PciConfigNone::kData, 0, 4);
  Bytes record = save(pci);
  PciConfigNone restored;
  load(restored, record);
  CHECK(restored.read(PciConfigNone::kAddress, 4) == 0x80001234);
  CHECK(restored.stats() == pci.stats());
  expectDamageRefused(record, [] { return std::make_unique<PciConfigNone>(); });
}

// ---- i8042 ----

using test::RecordingReset;

TEST_CASE("i8042: a command waiting for its data byte survives, and the counters") {
  RecordingReset handler;
  I8042 dev(handler);
  dev.commandPort().write(0, 0xfe, 1);
  dev.commandPort().write(0, I8042::kWriteOutputPort, 1);
  Bytes record = save(dev);
  CHECK(save(dev.commandPort()).empty());  // the controller's state is saved once

  RecordingReset restoredHandler;
  I8042 restored(restoredHandler);
  load(restored, record);
  CHECK(restoredHandler.resets == 0);
  CHECK(restored.stats() == dev.stats());
  dev.write(I8042::kData, 0x00, 1);
  restored.write(I8042::kData, 0x00, 1);  // completes the saved 0xd1: reset
  CHECK(restoredHandler.resets == 1);
  CHECK(restored.stats() == dev.stats());

  expectDamageRefused(record, [&] { return std::make_unique<I8042>(handler); });
  expectCorrupt(restored, patched<uint8_t>(record, 4, 0x60), "i8042: pending command 0x60 is out of range");
}

// ---- POST port and the stateless ----

TEST_CASE("POST port: the last value and the count survive") {
  PostPort post;
  post.write(0, 0x42, 1);
  post.write(0, 0x55, 1);
  Bytes record = save(post);
  PostPort restored;
  load(restored, record);
  CHECK(restored.read(0, 1) == 0x55);
  CHECK(restored.stats() == post.stats());
  expectDamageRefused(record, [] { return std::make_unique<PostPort>(); });
}

struct IgnoringSimControl : SimControlHandler {
  void guestExit(uint32_t) override {}
  void guestResetStats() override {}
  void guestDumpStats() override {}
  void guestFault(uint64_t) override {}
};

TEST_CASE("sim-control holds no state and saves nothing") {
  IgnoringSimControl handler;
  SimControl dev(handler);
  dev.write(SimControl::kDumpStats, 0, 4);
  CHECK(save(dev).empty());
  load(dev, {});
}

}  // namespace
}  // namespace kx
