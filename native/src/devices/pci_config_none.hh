#pragma once
// Stands in for a PC's PCI configuration mechanism #1 (ports 0xcf8-0xcff) on
// a bus with no devices at all, not even a host bridge: the address register
// at 0xcf8 keeps what a 32-bit write puts there and reads it back; every read
// of the data window 0xcfc-0xcff returns all ones, which a guest's PCI scan
// takes for "no device"; writes there are dropped. QEMU's pci_host.c does the
// same for an empty slot (hw/pci/pci_host.c). On a PIIX chipset 0xcf9 is also
// the reset control register; byte writes to it are ignored here.
#include "devices/device.hh"

namespace kx {

class PciConfigNone : public Device {
 public:
  static constexpr uint16_t kPortBase = 0xcf8;
  static constexpr uint64_t kSize = 8;
  enum Register : uint64_t { kAddress = 0, kData = 4 };

  const char* name() const override { return "pciConfig"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override { return {{"configReads", configReads_}, {"configWrites", configWrites_}}; }
  void resetStats() override { configReads_ = configWrites_ = 0; }
  void saveState(StateWriter& writer) const override;
  void loadState(StateReader& reader) override;

  uint32_t address() const { return address_; }

 private:
  uint32_t address_ = 0;
  uint64_t configReads_ = 0, configWrites_ = 0;
};

}  // namespace kx
