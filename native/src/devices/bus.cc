#include "devices/bus.hh"

#include <algorithm>

#include "kvm/kvm_error.hh"

namespace kx {

void Bus::attach(uint64_t base, uint64_t size, Device& device) {
  for (const Range& r : ranges_)
    if (base < r.base + r.size && r.base < base + size)
      throw KvmError("bus-overlap", name_ + " bus: " + device.name() + " overlaps " + r.device->name());
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
