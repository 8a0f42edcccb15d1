#include "devices/interval_timer.hh"

namespace kx {

namespace {
constexpr uint64_t kTicksPerUs = 1000000;  // picosecond ticks
}

uint64_t IntervalTimer::read(uint64_t offset, unsigned) {
  switch (offset) {
    case kPeriodUs: return periodTicks_ / kTicksPerUs;
    case kControl: return pendingEvent_ != 0;
    case kVector: return vector_;
    case kFired: return fired_;
  }
  return 0;
}

void IntervalTimer::write(uint64_t offset, uint64_t value, unsigned) {
  switch (offset) {
    case kPeriodUs:
      periodTicks_ = (value & 0xffffffff) * kTicksPerUs;
      break;
    case kControl:
      if (value & 1) start();
      else stop();
      break;
    case kVector:
      vector_ = static_cast<uint8_t>(value);
      break;
    default:
      break;
  }
}

void IntervalTimer::start() {
  stop();
  if (periodTicks_ == 0) return;  // a zero period would fire forever at one instant
  nextTick_ = events_.now() + periodTicks_;
  pendingEvent_ = events_.schedule(nextTick_, [this] { expire(); });
}

void IntervalTimer::stop() {
  if (pendingEvent_) events_.cancel(pendingEvent_);
  pendingEvent_ = 0;
}

void IntervalTimer::expire() {
  ++fired_;
  if (vector_ == kNmiVector) irqs_.raiseNmi();
  else irqs_.raise(vector_);
  // Period after period from the first deadline, so late service does not drift.
  nextTick_ += periodTicks_;
  pendingEvent_ = events_.schedule(nextTick_, [this] { expire(); });
}

}  // namespace kx
