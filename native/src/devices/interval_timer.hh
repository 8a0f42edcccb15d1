#pragma once
// A programmable periodic timer in simulated time: the guest sets a period
// and a vector, starts it, and gets one interrupt per period. Because it
// counts simulated time, a guest halted between ticks costs no wall time.
#include "sim/event_queue.hh"
#include "sim/interrupt_lines.hh"
#include "devices/device.hh"

namespace kx {

class IntervalTimer : public Device {
 public:
  static constexpr uint16_t kPortBase = 0x0710;
  static constexpr uint64_t kSize = 0x10;
  // +0x0 period in microseconds (write), +0x4 control: 1 start, 0 stop (write),
  // +0x8 vector (write; default 32; 2 delivers an NMI), +0xc expiries so far (read).
  enum Register : uint64_t { kPeriodUs = 0x0, kControl = 0x4, kVector = 0x8, kFired = 0xc };
  static constexpr uint8_t kNmiVector = 2;

  IntervalTimer(EventQueue& events, InterruptLines& irqs) : events_(events), irqs_(irqs) {}
  const char* name() const override { return "timer"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override { return {{"fired", fired_}}; }
  void resetStats() override { fired_ = 0; }
  void saveState(StateWriter& writer) const override;
  // Expects the event queue's clock already at the saved time: a running
  // timer's next expiry is rescheduled at the saved absolute tick.
  void loadState(StateReader& reader) override;

 private:
  void start();
  void stop();
  void expire();

  EventQueue& events_;
  InterruptLines& irqs_;
  uint64_t periodTicks_ = 0;
  uint8_t vector_ = 32;
  uint64_t pendingEvent_ = 0;  // 0: not running
  uint64_t nextTick_ = 0;
  uint64_t fired_ = 0;
};

}  // namespace kx
