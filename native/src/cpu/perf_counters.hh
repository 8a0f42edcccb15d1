#pragma once
// Guest-only hardware counters (cycles and instructions, one perf group,
// exclude_host) for the vCPU thread: gem5's usePerf path. Many hosts have no
// PMU for us (nested or software virtualisation): opening fails with an
// errno that the caller reports, never a crash.
#include <cstdint>

#include "kvm/unique_fd.hh"

namespace kx {

struct PerfReading {
  uint64_t cycles = 0;
  uint64_t instructions = 0;
};

class GuestPerfCounters {
 public:
  // Opens the group on the calling thread. Throws CoreError("perf-unavailable")
  // naming errno and its likely cause.
  GuestPerfCounters();
  void start();
  PerfReading read() const;

 private:
  UniqueFd cycles_;
  UniqueFd instructions_;
};

// 0 when a guest instruction counter opens on this host, else the errno.
int probeGuestPerf();

// What an errno from perf_event_open most likely means here.
const char* perfErrnoCause(int err);

}  // namespace kx
