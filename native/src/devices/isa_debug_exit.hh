#pragma once
// Stands in for QEMU's isa-debug-exit (hw/misc/debugexit.c): a write of value
// v ends the run with exit status (v << 1) | 1, so a guest can report success
// or failure from a test. Reads return 0. QEMU's own default is iobase=0x501,
// iosize=2; ours is the common `-device isa-debug-exit,iobase=0xf4,iosize=0x04`.
#include "devices/device.hh"

namespace kx {

// What the machine does when the guest writes; implemented outside the device.
class DebugExitHandler {
 public:
  virtual ~DebugExitHandler() = default;
  virtual void debugExit(uint32_t code) = 0;
};

class IsaDebugExit : public Device {
 public:
  static constexpr uint16_t kDefaultPort = 0xf4;
  static constexpr uint64_t kDefaultSize = 4;

  // [port, port + size) must be non-empty and inside the 64 KiB port space,
  // else CoreError("internal"): the configuration layer should have refused it.
  explicit IsaDebugExit(DebugExitHandler& handler, uint16_t port = kDefaultPort, uint64_t size = kDefaultSize);
  uint16_t port() const { return port_; }
  uint64_t size() const { return size_; }

  const char* name() const override { return "isaDebugExit"; }
  uint64_t read(uint64_t, unsigned) override { return 0; }
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override { return {{"exits", exits_}, {"lastCode", lastCode_}}; }
  void resetStats() override { exits_ = 0; }
  void saveState(StateWriter& writer) const override;
  void loadState(StateReader& reader) override;

  // (value << 1) | 1 of the bytes written, as QEMU computes it.
  static uint32_t exitCode(uint64_t value, unsigned size);

 private:
  DebugExitHandler& handler_;
  uint16_t port_;
  uint64_t size_;
  uint64_t exits_ = 0, lastCode_ = 0;
};

}  // namespace kx
