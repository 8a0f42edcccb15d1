#pragma once
// Guest requests to the simulator, in the spirit of gem5's m5ops: end the run
// with a status code, reset statistics, dump statistics. The same registers
// answer on a port range and on an MMIO page (docs/guest-abi.md).
#include "devices/device.hh"

namespace kx {

// What the machine does when the guest asks; implemented outside the device.
class SimControlHandler {
 public:
  virtual ~SimControlHandler() = default;
  virtual void guestExit(uint32_t status) = 0;
  virtual void guestResetStats() = 0;
  virtual void guestDumpStats() = 0;
  // The guest's exception handler hands over the guest-physical address of a
  // fault record (docs/guest-abi.md); the address is untrusted.
  virtual void guestFault(uint64_t recordAddress) = 0;
};

class SimControl : public Device {
 public:
  static constexpr uint16_t kPortBase = 0x0700;
  static constexpr uint64_t kMmioBase = 0xd0001000;
  static constexpr uint64_t kSize = 0x10;
  static constexpr uint32_t kIdentity = 0x4353584b;  // "KXSC", read at offset 0

  enum Register : uint64_t { kExit = 0x0, kResetStats = 0x4, kDumpStats = 0x8, kFault = 0xc };

  explicit SimControl(SimControlHandler& handler) : handler_(handler) {}
  const char* name() const override { return "simControl"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, uint64_t value, unsigned size) override;

 private:
  SimControlHandler& handler_;
};

}  // namespace kx
