#pragma once
// Stands in for QEMU's fw_cfg device on x86 (hw/nvram/fw_cfg.c,
// docs/specs/fw_cfg.rst), traditional port interface only, no DMA: a 16-bit
// write to the selector port 0x510 picks an item and rewinds it; byte reads
// from the data port 0x511 return its bytes in order, then 0 past its end.
// Items: signature "QEMU", ID 1 (traditional interface only), RAM size
// (64-bit little-endian), CPU counts (16-bit), the file directory and the
// files added with addFile().
#include <map>
#include <string>
#include <vector>

#include "devices/device.hh"

namespace kx {

class FwCfg : public Device {
 public:
  static constexpr uint16_t kPortBase = 0x510;  // selector; the data port is kPortBase + 1
  static constexpr uint64_t kSize = 2;
  enum Register : uint64_t { kSelector = 0, kData = 1 };

  // Selector keys (QEMU: include/standard-headers/linux/qemu_fw_cfg.h).
  enum Key : uint16_t {
    kSignature = 0x0000,
    kId = 0x0001,
    kRamSize = 0x0003,
    kNbCpus = 0x0005,
    kMaxCpus = 0x000f,
    kFileDir = 0x0019,
    kFileFirst = 0x0020,
  };
  static constexpr uint16_t kArchLocal = 0x8000;  // bit 15: architecture-specific items (none here)
  static constexpr uint16_t kEntryMask = 0x3fff;  // bit 14, the old write channel, is ignored
  static constexpr size_t kFileNameSize = 56;     // including the terminating NUL
  static constexpr size_t kDirEntrySize = 64;
  static constexpr size_t kMaxFiles = kEntryMask + 1 - kFileFirst;

  FwCfg(uint64_t ramSize, uint16_t cpus);

  // Adds a read-only "file" item. The directory is kept sorted by name, as
  // QEMU does for current machine types, so selectors (from 0x20) follow
  // name order. An empty, over-long (56 bytes or more), NUL-holding or
  // duplicate name, more than kMaxFiles files, or contents of 4 GiB or more
  // are CoreError("internal"): the configuration layer should have refused them.
  void addFile(const std::string& name, std::vector<uint8_t> bytes);

  const char* name() const override { return "fwCfg"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override { return {{"selects", selects_}, {"dataReads", dataReads_}}; }
  void resetStats() override { selects_ = dataReads_ = 0; }
  // The items are configuration, not state: loadState expects a device given
  // the same files, and refuses an offset past the end of the selected item.
  void saveState(StateWriter& writer) const override;
  void loadState(StateReader& reader) override;

 private:
  struct File {
    std::string name;
    std::vector<uint8_t> bytes;
  };
  const std::vector<uint8_t>* itemAt(uint16_t selector) const;  // null: nothing answers that selector
  const std::vector<uint8_t>* selected() const { return itemAt(selector_); }
  void rebuildDirectory();

  std::map<uint16_t, std::vector<uint8_t>> items_;  // keys below kFileFirst
  std::vector<File> files_;                         // sorted by name; files_[i] is key kFileFirst + i
  uint16_t selector_ = kSignature;                  // QEMU selects the signature at reset
  uint64_t offset_ = 0;
  uint64_t selects_ = 0, dataReads_ = 0;
};

}  // namespace kx
