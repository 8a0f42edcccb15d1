#include "devices/pci_config_none.hh"

#include "devices/device_state.hh"

namespace kx {

namespace {
uint64_t sizeMask(unsigned size) { return size >= 8 ? UINT64_MAX : (uint64_t{1} << (8 * size)) - 1; }
constexpr uint32_t kStateVersion = 1;
}  // namespace

uint64_t PciConfigNone::read(uint64_t offset, unsigned size) {
  if (offset >= kData) {
    ++configReads_;
    return sizeMask(size);  // no device answers: all ones, sized
  }
  return (uint64_t{address_} >> (8 * offset)) & sizeMask(size);
}

void PciConfigNone::write(uint64_t offset, uint64_t value, unsigned size) {
  if (offset >= kData) {
    ++configWrites_;
    return;
  }
  // Only a whole 32-bit write sets the address register (as QEMU's pci_host.c).
  if (offset == kAddress && size == 4) address_ = static_cast<uint32_t>(value);
}


// Any 32-bit value is one a guest can write to the address register.
void PciConfigNone::saveState(StateWriter& writer) const {
  writer.put<uint32_t>(kStateVersion);
  writer.put<uint32_t>(address_);
  writer.put<uint64_t>(configReads_);
  writer.put<uint64_t>(configWrites_);
}

void PciConfigNone::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto address = reader.get<uint32_t>();
  auto configReads = reader.get<uint64_t>(), configWrites = reader.get<uint64_t>();
  address_ = address;
  configReads_ = configReads;
  configWrites_ = configWrites;
}

}  // namespace kx
