#pragma once
// A 16550-compatible UART whose transmitter is instant: THR and the
// transmitter always read empty, received data never arrives, and the one
// interrupt it raises is "transmitter holding register empty", as QEMU's
// 16550 (hw/char/serial.c) raises it. That condition becomes pending when a
// byte is written (sent at once, so THR is empty again) and when IER's ETBEI
// bit goes from 0 to 1; reading IIR while it reports THRE, or clearing ETBEI,
// clears it. The interrupt pin reads ETBEI && pending; like QEMU, MCR.OUT2
// does not gate it. Transmitted bytes go to the run's console log.
#include <cstdio>

#include "devices/device.hh"
#include "sim/irq_line.hh"

namespace kx {

class Serial16550 : public Device {
 public:
  static constexpr uint16_t kCom1 = 0x3f8;
  static constexpr uint64_t kSize = 8;
  static constexpr uint8_t kCom1Irq = 4;  // the ISA IRQ a PC wires COM1 to

  // `console` may be null to discard output; neither it nor `irq` is owned.
  explicit Serial16550(std::FILE* console, IrqLine& irq = unconnectedIrqLine()) : console_(console), irq_(irq) {}
  const char* name() const override { return "serial"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override { return {{"txBytes", txBytes_}, {"interrupts", interrupts_}}; }
  void resetStats() override { txBytes_ = interrupts_ = 0; }
  void saveState(StateWriter& writer) const override;
  // Drives the pin to the level the loaded state implies.
  void loadState(StateReader& reader) override;

 private:
  bool dlab() const { return lcr_ & 0x80; }
  bool thrInterruptEnabled() const { return ier_ & 0x02; }
  void writeIer(uint8_t value);
  void transmit(uint8_t byte);
  void updateIrq();  // drives the pin from ETBEI and the pending condition

  std::FILE* console_;
  IrqLine& irq_;
  uint8_t ier_ = 0, lcr_ = 0x03, mcr_ = 0, scratch_ = 0, dll_ = 1, dlm_ = 0, fcr_ = 0;
  bool thrEmptyPending_ = false;
  bool level_ = false;  // what the pin reads now
  uint64_t txBytes_ = 0;
  uint64_t interrupts_ = 0;  // rising edges of the pin
};

}  // namespace kx
