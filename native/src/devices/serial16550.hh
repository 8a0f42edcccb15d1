#pragma once
// A 16550-compatible UART, enough for a polling driver: the transmitter is
// always ready, received data never arrives, and interrupts are never raised.
// Transmitted bytes go to the run's console log.
#include <cstdio>

#include "devices/device.hh"

namespace kx {

class Serial16550 : public Device {
 public:
  static constexpr uint16_t kCom1 = 0x3f8;
  static constexpr uint64_t kSize = 8;

  // `console` may be null to discard output; it is not owned.
  explicit Serial16550(std::FILE* console) : console_(console) {}
  const char* name() const override { return "serial"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override { return {{"txBytes", txBytes_}}; }
  void resetStats() override { txBytes_ = 0; }

 private:
  bool dlab() const { return lcr_ & 0x80; }
  std::FILE* console_;
  uint8_t ier_ = 0, lcr_ = 0x03, mcr_ = 0, scratch_ = 0, dll_ = 1, dlm_ = 0, fcr_ = 0;
  uint64_t txBytes_ = 0;
};

}  // namespace kx
