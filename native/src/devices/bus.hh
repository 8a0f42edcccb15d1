#pragma once
// An address space (port IO or MMIO) with devices on non-overlapping ranges.
// The run loop dispatches every access here; it never knows which device answers.
#include <cstdint>
#include <string>
#include <vector>

#include "devices/device.hh"

namespace kx {

class Bus {
 public:
  explicit Bus(std::string name) : name_(std::move(name)) {}

  // Throws CoreError("bus-overlap") if [base, base+size) meets an existing range,
  // is empty, or wraps past 2^64.
  void attach(uint64_t base, uint64_t size, Device& device);

  // The device whose range holds the whole access, with the access offset, or null.
  struct Hit {
    Device* device;
    uint64_t offset;
  };
  Hit find(uint64_t address, unsigned size) const;

  const std::string& name() const { return name_; }

 private:
  struct Range {
    uint64_t base;
    uint64_t size;
    Device* device;
  };
  std::string name_;
  std::vector<Range> ranges_;  // sorted by base
};

}  // namespace kx
