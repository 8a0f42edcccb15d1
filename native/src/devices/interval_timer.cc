#include "devices/interval_timer.hh"

#include "devices/device_state.hh"

namespace kx {

namespace {
constexpr uint64_t kTicksPerUs = 1000000;  // picosecond ticks
constexpr uint32_t kStateVersion = 1;
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

// The expiry is an absolute tick, not the time left, so that a timer whose
// deadline had passed unserviced when saved is still late by as much, and
// later expiries keep the period grid from the first deadline.
void IntervalTimer::saveState(StateWriter& writer) const {
  writer.put<uint32_t>(kStateVersion);
  writer.put<uint64_t>(periodTicks_);
  writer.put<uint8_t>(vector_);
  putStateBool(writer, pendingEvent_ != 0);
  writer.put<uint64_t>(nextTick_);
  writer.put<uint64_t>(fired_);
}

void IntervalTimer::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto periodTicks = reader.get<uint64_t>();
  // The guest writes a 32-bit count of microseconds.
  if (periodTicks % kTicksPerUs != 0 || periodTicks / kTicksPerUs > UINT32_MAX)
    stateOutOfRange(name(), "period", std::to_string(periodTicks) + " ticks");
  auto vector = reader.get<uint8_t>();
  bool running = getStateBool(reader, name(), "running");
  auto nextTick = reader.get<uint64_t>();
  auto fired = reader.get<uint64_t>();
  // start() refuses a zero period, which would fire forever at one instant.
  if (running && periodTicks == 0) stateOutOfRange(name(), "period", "0 of a running timer");

  stop();
  periodTicks_ = periodTicks;
  vector_ = vector;
  nextTick_ = nextTick;
  fired_ = fired;
  if (running) pendingEvent_ = events_.schedule(nextTick_, [this] { expire(); });
}

}  // namespace kx
