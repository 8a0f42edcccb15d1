#pragma once
// Stands in for a PC's MC146818 real-time clock and its 128 bytes of CMOS
// memory (QEMU: hw/rtc/mc146818rtc.c; the memory-size bytes as hw/i386/pc.c's
// pc_cmos_init sets them). Index port 0x70 (bit 7 masks NMIs), data port
// 0x71. The time comes from a clock in simulated time; no interrupts (periodic,
// alarm, update-ended) are ever raised, and register A's update-in-progress
// bit always reads 0.
#include <cstdint>
#include <functional>

#include "devices/device.hh"

namespace kx {

class CmosRtc : public Device {
 public:
  static constexpr uint16_t kPortBase = 0x70;
  static constexpr uint64_t kSize = 2;
  enum Register : uint64_t { kIndex = 0, kData = 1 };

  // CMOS indices.
  enum Index : uint8_t {
    kSeconds = 0x00,
    kMinutes = 0x02,
    kHours = 0x04,
    kDayOfWeek = 0x06,  // 1 = Sunday
    kDayOfMonth = 0x07,
    kMonth = 0x08,
    kYear = 0x09,       // two digits
    kRegA = 0x0a,
    kRegB = 0x0b,
    kRegC = 0x0c,
    kRegD = 0x0d,
    kEquipment = 0x14,
    kBaseMemLow = 0x15,     // KiB below 1 MiB, at most 640
    kExtMemLow = 0x17,      // KiB from 1 MiB, at most 65535 (also at 0x30)
    kExtMem2Low = 0x30,
    kCentury = 0x32,
    kHighMemLow = 0x34,     // 64 KiB units from 16 MiB to 4 GiB, at most 65535
    kPs2Century = 0x37,     // IBM PS/2 alias of kCentury
    kAbove4GLow = 0x5b,     // 64 KiB units above 4 GiB, 3 bytes
  };
  static constexpr uint8_t kRegBSet = 0x80;     // updates stopped: time registers hold what was written
  static constexpr uint8_t kRegBBinary = 0x04;  // DM: binary, not BCD
  static constexpr uint8_t kRegB24Hour = 0x02;
  static constexpr uint8_t kRegAUip = 0x80;
  static constexpr uint8_t kRegDValid = 0x80;   // VRT: the battery is fine

  // Seconds since 1970-01-01 00:00:00 UTC, in simulated time.
  using Clock = std::function<int64_t()>;

  CmosRtc(uint64_t ramSize, Clock clock);

  const char* name() const override { return "cmosRtc"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override { return {{"reads", reads_}, {"writes", writes_}}; }
  void resetStats() override { reads_ = writes_ = 0; }
  // The clock is not state (it follows simulated time); the offset the guest
  // set from it is, and all of CMOS memory, which the guest may rewrite.
  void saveState(StateWriter& writer) const override;
  void loadState(StateReader& reader) override;

  // The last index written to port 0x70, and its bit 7 (NMIs masked).
  uint8_t index() const { return index_; }
  bool nmiDisabled() const { return nmiDisabled_; }

 private:
  bool running() const { return !(cmos_[kRegB] & kRegBSet); }
  static bool isTime(uint8_t index);
  void refreshTime();        // time registers from the clock, in register B's format
  void adoptWrittenTime();   // the clock offset from the time registers

  Clock clock_;
  int64_t offset_ = 0;  // guest time minus clock, once the guest sets the time
  uint8_t cmos_[128] = {};
  uint8_t index_ = 0;
  bool nmiDisabled_ = false;
  uint64_t reads_ = 0, writes_ = 0;
};

}  // namespace kx
