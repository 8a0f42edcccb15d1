// The 16550's polled transmit path and its THR-empty interrupt, watched
// through a recording interrupt line: every level the pin is driven to.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "recording_handlers.hh"
#include "devices/serial16550.hh"

namespace kx {
namespace {

enum : uint64_t { kData = 0, kIer = 1, kIir = 2, kFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5 };
constexpr uint8_t kEtbei = 0x02;

using test::RecordingLine;

uint64_t stat(const Device& device, const std::string& name) {
  for (const auto& [key, value] : device.stats())
    if (key == name) return value;
  FAIL("no stat " << name);
  return 0;
}

using Levels = std::vector<bool>;

TEST_CASE("serial: polled output reaches the console; the transmitter always reads ready") {
  std::FILE* console = std::tmpfile();
  REQUIRE(console);
  Serial16550 serial(console);  // no interrupt line: the call site a polled machine uses
  CHECK(serial.read(kLsr, 1) == 0x60);  // THRE and TEMT
  for (char c : std::string("hi\n")) serial.write(kData, static_cast<uint8_t>(c), 1);
  CHECK(serial.read(kLsr, 1) == 0x60);
  CHECK(serial.read(kIir, 1) == 0x01);  // nothing pending
  CHECK(stat(serial, "txBytes") == 3);
  CHECK(stat(serial, "interrupts") == 0);
  std::rewind(console);
  char out[8] = {};
  CHECK(std::fread(out, 1, sizeof out, console) == 3);
  CHECK(std::string(out) == "hi\n");
  std::fclose(console);
}

TEST_CASE("serial: no interrupt while IER is 0, whatever is written") {
  RecordingLine line;
  Serial16550 serial(nullptr, line);
  serial.write(kData, 'a', 1);
  serial.write(kIer, 0x0d, 1);  // every enable but ETBEI: no receive, line status or modem events here
  serial.write(kData, 'b', 1);
  CHECK(serial.read(kIir, 1) == 0x01);
  CHECK(line.levels.empty());
  CHECK(stat(serial, "interrupts") == 0);
  CHECK(serial.read(kIer, 1) == 0x0d);
  serial.write(kIer, 0xf0, 1);  // only the low four bits exist
  CHECK(serial.read(kIer, 1) == 0x00);
}

TEST_CASE("serial: ETBEI raises the line; IIR acknowledges; each byte re-raises; clearing ETBEI lowers it") {
  RecordingLine line;
  Serial16550 serial(nullptr, line);
  serial.write(kIer, kEtbei, 1);
  CHECK(line.levels == Levels{true});
  CHECK(stat(serial, "interrupts") == 1);

  CHECK(serial.read(kIir, 1) == 0x02);  // THRE, and reading it is the acknowledgement
  CHECK(line.levels == Levels{true, false});
  CHECK(serial.read(kIir, 1) == 0x01);
  serial.write(kIer, kEtbei, 1);  // the same IER again: no fresh THRE
  CHECK(serial.read(kIir, 1) == 0x01);
  CHECK_FALSE(line.high());

  serial.write(kData, 'x', 1);
  CHECK(line.levels == Levels{true, false, true});
  CHECK(stat(serial, "interrupts") == 2);
  CHECK(serial.read(kLsr, 1) == 0x60);

  // A byte written while THRE is still unacknowledged: the pin drops and rises, a fresh edge.
  serial.write(kData, 'y', 1);
  CHECK(line.levels == Levels{true, false, true, false, true});
  CHECK(stat(serial, "interrupts") == 3);
  CHECK(stat(serial, "txBytes") == 2);

  serial.write(kIer, 0, 1);
  CHECK(line.levels.back() == false);
  CHECK(serial.read(kIir, 1) == 0x01);
  serial.write(kData, 'z', 1);  // disabled: THRE is not reported
  CHECK(serial.read(kIir, 1) == 0x01);
  CHECK_FALSE(line.high());

  serial.write(kIer, kEtbei, 1);  // re-enabling with THR empty raises it again
  CHECK(line.high());
  CHECK(stat(serial, "interrupts") == 4);
  serial.resetStats();
  CHECK(stat(serial, "interrupts") == 0);
  CHECK(stat(serial, "txBytes") == 0);
}

TEST_CASE("serial: with FIFOs enabled IIR reports THRE as 0xc2; MCR.OUT2 does not gate the pin") {
  RecordingLine line;
  Serial16550 serial(nullptr, line);
  serial.write(kFcr, 0x07, 1);  // enable and clear both FIFOs
  CHECK(serial.read(kIir, 1) == 0xc1);
  serial.write(kMcr, 0x00, 1);  // OUT2 clear
  serial.write(kIer, kEtbei, 1);
  CHECK(line.high());
  CHECK(serial.read(kIir, 1) == 0xc2);
  CHECK_FALSE(line.high());
  CHECK(serial.read(kIir, 1) == 0xc1);
}

TEST_CASE("serial: a pin wired to nothing still counts its interrupts") {
  Serial16550 unwired(nullptr);
  unwired.write(kIer, kEtbei, 1);
  unwired.write(kData, 'a', 1);
  CHECK(stat(unwired, "interrupts") == 2);
}

TEST_CASE("serial: with DLAB set, offsets 0 and 1 are the divisor: no byte, no interrupt") {
  RecordingLine line;
  Serial16550 serial(nullptr, line);
  serial.write(kLcr, 0x83, 1);
  serial.write(kData, 0x01, 1);
  serial.write(kIer, kEtbei, 1);  // the divisor's high byte, not IER
  CHECK(line.levels.empty());
  CHECK(serial.read(kIer, 1) == kEtbei);
  serial.write(kLcr, 0x03, 1);
  CHECK(serial.read(kIer, 1) == 0);
  CHECK(stat(serial, "txBytes") == 0);
}

}  // namespace
}  // namespace kx
