#include "devices/cmos_rtc.hh"

#include <algorithm>
#include <ctime>
#include <vector>

#include "devices/device_state.hh"

namespace kx {

namespace {

constexpr uint64_t KiB = 1024, MiB = 1024 * KiB, GiB = 1024 * MiB;
constexpr uint32_t kStateVersion = 1;
// Seconds: beyond any date the registers can hold (years 0 to 25755, under
// 1e12 s from 1970), and far enough from INT64_MAX that clock + offset cannot overflow.
constexpr int64_t kMaxOffset = 10'000'000'000'000;

uint8_t toBcd(int v) { return static_cast<uint8_t>(((v / 10) << 4) | (v % 10)); }
int fromBcd(uint8_t v) { return (v >> 4) * 10 + (v & 0x0f); }

}  // namespace

CmosRtc::CmosRtc(uint64_t ramSize, Clock clock) : clock_(std::move(clock)) {
  cmos_[kRegA] = 0x26;  // 32.768 kHz time base, 1024 Hz rate
  cmos_[kRegB] = kRegB24Hour;
  cmos_[kRegD] = kRegDValid;
  cmos_[kEquipment] = 0x06;  // FPU, PS/2 mouse; no floppy
  uint64_t below4g = ramSize < 4 * GiB ? ramSize : 4 * GiB;
  uint64_t above4g = ramSize - below4g;
  auto put16 = [&](uint8_t at, uint64_t v) {
    cmos_[at] = static_cast<uint8_t>(v);
    cmos_[at + 1] = static_cast<uint8_t>(v >> 8);
  };
  put16(kBaseMemLow, below4g / KiB < 640 ? below4g / KiB : 640);
  uint64_t ext = below4g > MiB ? (below4g - MiB) / KiB : 0;
  put16(kExtMemLow, ext > 65535 ? 65535 : ext);
  put16(kExtMem2Low, ext > 65535 ? 65535 : ext);
  uint64_t high = below4g > 16 * MiB ? (below4g - 16 * MiB) / (64 * KiB) : 0;
  put16(kHighMemLow, high > 65535 ? 65535 : high);
  uint64_t above = above4g / (64 * KiB);
  put16(kAbove4GLow, above);
  cmos_[kAbove4GLow + 2] = static_cast<uint8_t>(above >> 16);
}

bool CmosRtc::isTime(uint8_t index) {
  switch (index) {
    case kSeconds: case kMinutes: case kHours: case kDayOfWeek:
    case kDayOfMonth: case kMonth: case kYear: case kCentury:
      return true;
  }
  return false;
}

void CmosRtc::refreshTime() {
  time_t now = static_cast<time_t>(clock_() + offset_);
  struct tm tm {};
  gmtime_r(&now, &tm);
  bool binary = cmos_[kRegB] & kRegBBinary;
  auto enc = [&](int v) { return binary ? static_cast<uint8_t>(v) : toBcd(v); };
  cmos_[kSeconds] = enc(tm.tm_sec);
  cmos_[kMinutes] = enc(tm.tm_min);
  if (cmos_[kRegB] & kRegB24Hour) {
    cmos_[kHours] = enc(tm.tm_hour);
  } else {
    int h = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
    cmos_[kHours] = static_cast<uint8_t>(enc(h) | (tm.tm_hour >= 12 ? 0x80 : 0));
  }
  cmos_[kDayOfWeek] = enc(tm.tm_wday + 1);
  cmos_[kDayOfMonth] = enc(tm.tm_mday);
  cmos_[kMonth] = enc(tm.tm_mon + 1);
  int year = tm.tm_year + 1900;
  cmos_[kYear] = enc(year % 100);
  cmos_[kCentury] = enc(year / 100);
}

// The guest wrote a time register: its registers, in register B's format,
// become the time from now on (as QEMU's rtc_set_time). Nonsense values are
// normalised by timegm, not refused.
void CmosRtc::adoptWrittenTime() {
  bool binary = cmos_[kRegB] & kRegBBinary;
  auto dec = [&](uint8_t v) { return binary ? int{v} : fromBcd(v); };
  struct tm tm {};
  tm.tm_sec = dec(cmos_[kSeconds]);
  tm.tm_min = dec(cmos_[kMinutes]);
  tm.tm_hour = dec(cmos_[kHours] & 0x7f);
  if (!(cmos_[kRegB] & kRegB24Hour)) tm.tm_hour = tm.tm_hour % 12 + ((cmos_[kHours] & 0x80) ? 12 : 0);
  tm.tm_mday = dec(cmos_[kDayOfMonth]);
  tm.tm_mon = dec(cmos_[kMonth]) - 1;
  tm.tm_year = dec(cmos_[kCentury]) * 100 + dec(cmos_[kYear]) - 1900;
  offset_ = static_cast<int64_t>(timegm(&tm)) - clock_();
}

uint64_t CmosRtc::read(uint64_t offset, unsigned) {
  if (offset == kIndex) return 0xff;  // the index port is write-only; QEMU reads 0xff
  ++reads_;
  uint8_t index = index_ == kPs2Century ? uint8_t{kCentury} : index_;
  if (isTime(index) && running()) refreshTime();
  switch (index) {
    case kRegA: return cmos_[kRegA] & ~kRegAUip;
    case kRegC: {
      uint8_t flags = cmos_[kRegC];  // interrupt flags: cleared by reading
      cmos_[kRegC] = 0;
      return flags;
    }
    default: return cmos_[index];
  }
}

void CmosRtc::write(uint64_t offset, uint64_t value, unsigned) {
  auto byte = static_cast<uint8_t>(value);
  if (offset == kIndex) {
    index_ = byte & 0x7f;
    nmiDisabled_ = byte & 0x80;
    return;
  }
  ++writes_;
  uint8_t index = index_ == kPs2Century ? uint8_t{kCentury} : index_;
  if (isTime(index)) {
    if (running()) refreshTime();  // the other fields are the current time
    cmos_[index] = byte;
    if (running()) adoptWrittenTime();
    return;
  }
  switch (index) {
    case kRegA: cmos_[kRegA] = byte & ~kRegAUip; break;  // UIP is read-only
    case kRegB:
      if ((byte & kRegBSet) && running()) refreshTime();  // freeze the registers at the current time
      if (!(byte & kRegBSet) && !running()) adoptWrittenTime();  // leaving set mode: what was written counts
      cmos_[kRegB] = byte;
      break;
    case kRegC:
    case kRegD: break;  // read-only
    default: cmos_[index] = byte; break;
  }
}

void CmosRtc::saveState(StateWriter& writer) const {
  writer.put<uint32_t>(kStateVersion);
  writer.put<uint8_t>(index_);
  putStateBool(writer, nmiDisabled_);
  writer.put<int64_t>(offset_);
  writer.putBytes(cmos_, sizeof cmos_);
  writer.put<uint64_t>(reads_);
  writer.put<uint64_t>(writes_);
}

void CmosRtc::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto index = reader.get<uint8_t>();
  if (index >= sizeof cmos_) stateOutOfRange(name(), "index", hex(index));
  bool nmiDisabled = getStateBool(reader, name(), "NMI disable");
  auto offset = reader.get<int64_t>();
  if (offset > kMaxOffset || offset < -kMaxOffset) stateOutOfRange(name(), "time offset", std::to_string(offset) + " s");
  std::vector<uint8_t> cmos = reader.getBytes(sizeof cmos_);
  if (cmos.size() != sizeof cmos_) stateOutOfRange(name(), "memory size", std::to_string(cmos.size()) + " bytes");
  // The bits no write reaches hold what the constructor put there.
  if (cmos[kRegA] & kRegAUip) stateOutOfRange(name(), "register A", hex(cmos[kRegA]));
  if (cmos[kRegC] != 0) stateOutOfRange(name(), "register C", hex(cmos[kRegC]));
  if (cmos[kRegD] != kRegDValid) stateOutOfRange(name(), "register D", hex(cmos[kRegD]));
  auto reads = reader.get<uint64_t>(), writes = reader.get<uint64_t>();

  index_ = index;
  nmiDisabled_ = nmiDisabled;
  offset_ = offset;
  std::copy(cmos.begin(), cmos.end(), cmos_);
  reads_ = reads;
  writes_ = writes;
}

}  // namespace kx
