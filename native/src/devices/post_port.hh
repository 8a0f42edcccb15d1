#pragma once
// Stands in for the POST diagnostic port 0x80, which firmware and kernels
// write progress codes (and Linux writes for short I/O delays) to: writes are
// counted and the last value kept; reads return it. (QEMU's ioport80 in
// hw/i386/pc.c drops writes and reads 0xff.)
#include "devices/device.hh"

namespace kx {

class PostPort : public Device {
 public:
  static constexpr uint16_t kPort = 0x80;
  static constexpr uint64_t kSize = 1;

  const char* name() const override { return "postPort"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override { return {{"writes", writes_}, {"last", last_}}; }
  void resetStats() override { writes_ = 0; }
  void saveState(StateWriter& writer) const override;
  void loadState(StateReader& reader) override;
  uint8_t last() const { return last_; }

 private:
  uint8_t last_ = 0;
  uint64_t writes_ = 0;
};

}  // namespace kx
