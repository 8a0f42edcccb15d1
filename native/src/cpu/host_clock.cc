#include "cpu/host_clock.hh"

#include <time.h>

namespace kx {

double monotonicSeconds() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

TscFrequency tscFrequency(long kvmKhz) {
  if (kvmKhz > 0) return {static_cast<double>(kvmKhz) * 1e3, "kvm"};
  // 20 ms against the monotonic clock: good to well under 0.1%.
  double t0 = monotonicSeconds();
  uint64_t c0 = readTsc();
  double t1;
  do t1 = monotonicSeconds();
  while (t1 - t0 < 0.02);
  uint64_t c1 = readTsc();
  return {static_cast<double>(c1 - c0) / (t1 - t0), "calibrated"};
}

}  // namespace kx
