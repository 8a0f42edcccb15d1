#pragma once
// A write sink for the stream programs: counts accesses and checks that the
// guest's sequence numbers (0, 1, 2, ... truncated to the access size) arrive
// in order, so that a lost or replayed coalesced write shows up.
#include "devices/device.hh"

namespace kx {

class Sink : public Device {
 public:
  static constexpr uint16_t kPortBase = 0x0730;
  static constexpr uint64_t kPortSize = 4;
  static constexpr uint64_t kMmioBase = 0xd0000000;
  static constexpr uint64_t kMmioSize = 0x1000;

  explicit Sink(const char* name) : name_(name) {}
  const char* name() const override { return name_; }
  uint64_t read(uint64_t, unsigned) override {
    ++reads_;
    return 0;
  }
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override {
    return {{"writes", writes_}, {"reads", reads_}, {"outOfOrder", outOfOrder_}};
  }
  void resetStats() override { writes_ = reads_ = outOfOrder_ = 0; }
  void saveState(StateWriter& writer) const override;
  void loadState(StateReader& reader) override;

 private:
  const char* name_;
  uint64_t writes_ = 0;  // also the sequence number the next write should carry
  uint64_t reads_ = 0, outOfOrder_ = 0;
};

}  // namespace kx
