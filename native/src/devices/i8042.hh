#pragma once
// Stands in for a PC's 8042 keyboard controller, only as far as a guest with
// no keyboard needs it: there is never data (status 0: output buffer empty,
// input buffer empty), and the two reset paths end in resetRequested():
// command 0xfe (pulse output-port bit 0, the CPU reset line; also any of
// 0xf0-0xfe with bit 0 clear) and command 0xd1 (write output port) followed by
// a data byte with bit 0 clear, as QEMU's hw/input/pckbd.c does. Every other
// command (0x20 read mode, 0x60 write mode, 0xa7/0xa8 mouse off/on, 0xa9/0xaa/
// 0xab self-tests, 0xad/0xae keyboard off/on, 0xc0/0xd0 read ports, 0xd2-0xd4
// write buffers or mouse, 0xdd/0xdf A20, 0xff no-op, and unknown ones) is
// accepted and ignored: no response byte is ever queued, and data bytes that
// follow a command are dropped.
#include "devices/device.hh"

namespace kx {

// What the machine does when the guest asks for a reset; implemented outside the device.
class I8042ResetHandler {
 public:
  virtual ~I8042ResetHandler() = default;
  virtual void resetRequested() = 0;
};

class I8042 : public Device {
 public:
  static constexpr uint16_t kDataPort = 0x60;
  static constexpr uint16_t kCommandPort = 0x64;  // status on read, command on write
  static constexpr uint64_t kPortSize = 1;
  // Ports 0x61-0x63 belong to other hardware, so the controller is attached
  // as two one-byte ranges: `io.attach(kDataPort, 1, i8042)` and
  // `io.attach(kCommandPort, 1, i8042.commandPort())`. Offsets as the I8042
  // itself sees them: 0 data, 4 (kCommandPort - kDataPort) status/command.
  enum Register : uint64_t { kData = 0, kCommand = kCommandPort - kDataPort };
  enum Command : uint8_t { kWriteOutputPort = 0xd1, kPulseReset = 0xfe };

  explicit I8042(I8042ResetHandler& handler) : handler_(handler), commandPort_(*this) {}
  I8042(const I8042&) = delete;
  I8042& operator=(const I8042&) = delete;

  Device& commandPort() { return commandPort_; }

  const char* name() const override { return "i8042"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override { return {{"commands", commands_}, {"resets", resets_}}; }
  void resetStats() override { commands_ = resets_ = 0; }
  // The controller's state, for both of its ports: commandPort() saves nothing.
  void saveState(StateWriter& writer) const override;
  void loadState(StateReader& reader) override;

 private:
  // Port 0x64 as a device of its own, forwarding to the controller at offset kCommand.
  class CommandPort : public Device {
   public:
    explicit CommandPort(I8042& owner) : owner_(owner) {}
    const char* name() const override { return "i8042Command"; }
    uint64_t read(uint64_t offset, unsigned size) override { return owner_.read(kCommand + offset, size); }
    void write(uint64_t offset, uint64_t value, unsigned size) override {
      owner_.write(kCommand + offset, value, size);
    }

   private:
    I8042& owner_;
  };

  void requestReset();

  I8042ResetHandler& handler_;
  CommandPort commandPort_;
  uint8_t pendingCommand_ = 0;  // a command waiting for its data byte
  uint64_t commands_ = 0, resets_ = 0;
};

}  // namespace kx
