#pragma once
// A CMOS/RTC whose clock a test sets, read and written as a guest does,
// through the index and data ports.
#include <cstdint>
#include <vector>

#include "devices/cmos_rtc.hh"

namespace kx::test {

constexpr int64_t kThursday = 1709214307;  // 2024-02-29 13:45:07 UTC

struct Cmos {
  int64_t now = kThursday;
  CmosRtc dev{64ull << 20, [this] { return now; }};
  uint8_t get(uint8_t index) {
    dev.write(CmosRtc::kIndex, index, 1);
    return static_cast<uint8_t>(dev.read(CmosRtc::kData, 1));
  }
  void set(uint8_t index, uint8_t value) {
    dev.write(CmosRtc::kIndex, index, 1);
    dev.write(CmosRtc::kData, value, 1);
  }
  // Seconds, minutes, hours, weekday, day, month, year, century.
  std::vector<uint8_t> time() {
    std::vector<uint8_t> out;
    for (uint8_t i : {0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32}) out.push_back(get(i));
    return out;
  }
  // Every register but C, whose read clears it.
  std::vector<uint8_t> memory() {
    std::vector<uint8_t> out;
    for (int i = 0; i < 128; ++i)
      if (i != CmosRtc::kRegC) out.push_back(get(static_cast<uint8_t>(i)));
    return out;
  }
};

}  // namespace kx::test
