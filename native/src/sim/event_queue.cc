#include "sim/event_queue.hh"

#include <algorithm>

namespace kx {

uint64_t EventQueue::schedule(uint64_t tick, Callback callback) {
  uint64_t id = nextId_++;
  events_.emplace(std::max(tick, now()), Event{id, std::move(callback)});
  return id;
}

void EventQueue::cancel(uint64_t id) {
  for (auto it = events_.begin(); it != events_.end(); ++it)
    if (it->second.id == id) {
      events_.erase(it);
      return;
    }
}

void EventQueue::serviceDue() {
  // A bound on one round: a periodic event with a zero period cannot spin us forever.
  for (int round = 0; round < 100000 && !events_.empty() && events_.begin()->first <= now(); ++round) {
    Callback callback = std::move(events_.begin()->second.callback);
    events_.erase(events_.begin());
    callback();
  }
}

}  // namespace kx
