#pragma once
// Events in simulated time (ticks), as gem5's event queue keeps them: device
// timers, periodic statistics dumps. The CPU bounds each quantum by the next
// event and, when the vCPU halts, jumps the clock straight to it.
#include <cstdint>
#include <functional>
#include <map>

namespace kx {

class EventQueue {
 public:
  using Callback = std::function<void()>;
  using Clock = std::function<uint64_t()>;

  explicit EventQueue(Clock now) : now_(std::move(now)) {}

  uint64_t now() const { return now_(); }
  // Schedules `callback` at `tick` (clamped to now); returns an id for cancel().
  uint64_t schedule(uint64_t tick, Callback callback);
  void cancel(uint64_t id);
  // UINT64_MAX when nothing is scheduled.
  uint64_t nextTick() const { return events_.empty() ? UINT64_MAX : events_.begin()->first; }
  // Runs every event due at or before now(), in order; callbacks may schedule more.
  void serviceDue();

 private:
  struct Event {
    uint64_t id;
    Callback callback;
  };
  Clock now_;
  std::multimap<uint64_t, Event> events_;
  uint64_t nextId_ = 1;
};

}  // namespace kx
