#pragma once
// Host time for the run loop: the TSC (cheap enough to read around every
// KVM_RUN) and its frequency, from the kernel where it knows, else calibrated.
#include <x86intrin.h>

#include <cstdint>
#include <string>

namespace kx {

inline uint64_t readTsc() { return __rdtsc(); }

struct TscFrequency {
  double hz;
  std::string source;  // "kvm" (KVM_GET_TSC_KHZ) or "calibrated" (against CLOCK_MONOTONIC)
};

// `kvmKhz` is what KVM_GET_TSC_KHZ returned (0 if it could not say).
TscFrequency tscFrequency(long kvmKhz);

double monotonicSeconds();

}  // namespace kx
