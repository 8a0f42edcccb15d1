#pragma once
// What every device model sees: accesses at an offset into the range it
// registered, never KVM. Sizes are 1, 2, 4 or 8 bytes, little-endian.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sim/state_codec.hh"

namespace kx {

using DeviceStats = std::vector<std::pair<std::string, uint64_t>>;

class Device {
 public:
  virtual ~Device() = default;
  virtual const char* name() const = 0;
  virtual uint64_t read(uint64_t offset, unsigned size) = 0;
  virtual void write(uint64_t offset, uint64_t value, unsigned size) = 0;
  // Counters the device keeps, reported as "<name>.<stat>" columns.
  virtual DeviceStats stats() const { return {}; }
  virtual void resetStats() {}
  // Everything the guest could observe of the device, and its counters, for
  // a checkpoint; loadState on a device built the same way makes it
  // indistinguishable from the one saved. A device without state saves
  // nothing.
  virtual void saveState(StateWriter&) const {}
  virtual void loadState(StateReader&) {}
};

}  // namespace kx
