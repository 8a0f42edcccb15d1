#include "devices/bus.hh"

#include <algorithm>
#include <cstdint>

#include "sim/core_error.hh"

namespace kx {

void Bus::attach(uint64_t base, uint64_t size, Device& device) {
  // A range may end at 2^64 but not wrap past it: [base, base + size) is never computed.
  if (size == 0 || size - 1 > UINT64_MAX - base)
    throw CoreError("bus-overlap", name_ + " bus: " + device.name() + " at " + hex(base) + " with size " + hex(size) +
                                      (size == 0 ? " is empty" : " wraps past the end of the address space"));
  for (const Range& r : ranges_)
    if (base <= r.base ? r.base - base < size : base - r.base < r.size)
      throw CoreError("bus-overlap", name_ + " bus: " + device.name() + " overlaps " + r.device->name());
  auto pos = std::lower_bound(ranges_.begin(), ranges_.end(), base,
                              [](const Range& r, uint64_t b) { return r.base < b; });
  ranges_.insert(pos, Range{base, size, &device});
}

Bus::Hit Bus::find(uint64_t address, unsigned size) const {
  // Few ranges (a handful of devices): a linear scan beats a tree here.
  for (const Range& r : ranges_)
    if (address >= r.base && address - r.base < r.size && size <= r.size - (address - r.base))
      return {r.device, address - r.base};
  return {nullptr, 0};
}

}  // namespace kx
