#include "devices/fw_cfg.hh"

#include <algorithm>

#include "devices/device_state.hh"
#include "sim/core_error.hh"

namespace kx {

namespace {

constexpr uint32_t kStateVersion = 1;

std::vector<uint8_t> littleEndian(uint64_t value, unsigned bytes) {
  std::vector<uint8_t> out(bytes);
  for (unsigned i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
  return out;
}

void putBigEndian(uint8_t* at, uint64_t value, unsigned bytes) {
  for (unsigned i = 0; i < bytes; ++i) at[i] = static_cast<uint8_t>(value >> (8 * (bytes - 1 - i)));
}

// A name for a message: control bytes (a NUL would end the message) as \xNN.
std::string printable(const std::string& name) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : name) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += digits[c >> 4];
      out += digits[c & 15];
    }
  }
  return out;
}

}  // namespace

FwCfg::FwCfg(uint64_t ramSize, uint16_t cpus) {
  items_[kSignature] = {'Q', 'E', 'M', 'U'};
  items_[kId] = littleEndian(1, 4);  // bit 0: traditional interface; bit 1 (DMA) clear
  items_[kRamSize] = littleEndian(ramSize, 8);
  items_[kNbCpus] = littleEndian(cpus, 2);
  items_[kMaxCpus] = littleEndian(cpus, 2);
  rebuildDirectory();
}

void FwCfg::addFile(const std::string& name, std::vector<uint8_t> bytes) {
  auto refuse = [&](const std::string& why) {
    throw CoreError("internal", "fw_cfg file \"" + printable(name) + "\": " + why);
  };
  if (name.empty()) refuse("the name is empty");
  if (name.size() >= kFileNameSize)
    refuse("the name is " + std::to_string(name.size()) + " bytes; at most " + std::to_string(kFileNameSize - 1) +
           " fit the directory");
  if (name.find('\0') != std::string::npos) refuse("the name holds a NUL byte");
  if (bytes.size() > UINT32_MAX) refuse("its " + std::to_string(bytes.size()) + " bytes do not fit a 32-bit size");
  if (files_.size() >= kMaxFiles) refuse("there are already " + std::to_string(kMaxFiles) + " files");
  auto at = std::lower_bound(files_.begin(), files_.end(), name,
                             [](const File& f, const std::string& n) { return f.name < n; });
  if (at != files_.end() && at->name == name) refuse("a file of that name was added already");
  files_.insert(at, File{name, std::move(bytes)});
  rebuildDirectory();
}

// FWCfgFiles: count (big-endian u32), then per file size (BE u32), select
// (BE u16), reserved u16, name[56] NUL-padded.
void FwCfg::rebuildDirectory() {
  std::vector<uint8_t> dir(4 + files_.size() * kDirEntrySize, 0);
  putBigEndian(dir.data(), files_.size(), 4);
  for (size_t i = 0; i < files_.size(); ++i) {
    uint8_t* entry = dir.data() + 4 + i * kDirEntrySize;
    putBigEndian(entry, files_[i].bytes.size(), 4);
    putBigEndian(entry + 4, kFileFirst + i, 2);
    std::copy(files_[i].name.begin(), files_[i].name.end(), entry + 8);
  }
  items_[kFileDir] = std::move(dir);
}

const std::vector<uint8_t>* FwCfg::itemAt(uint16_t selector) const {
  if (selector & kArchLocal) return nullptr;
  uint16_t key = selector & kEntryMask;
  if (key >= kFileFirst) {
    size_t index = key - kFileFirst;
    return index < files_.size() ? &files_[index].bytes : nullptr;
  }
  auto it = items_.find(key);
  return it == items_.end() ? nullptr : &it->second;
}

// Port IO gives QEMU one byte per read; a wider read here returns that many
// successive bytes, the first in the lowest byte (as they would land in memory).
uint64_t FwCfg::read(uint64_t, unsigned size) {
  ++dataReads_;
  const std::vector<uint8_t>* item = selected();
  uint64_t value = 0;
  for (unsigned i = 0; i < size && i < 8; ++i, ++offset_)
    if (item && offset_ < item->size()) value |= uint64_t{(*item)[offset_]} << (8 * i);
  return value;
}

// As QEMU's combined port: a 16-bit write selects; a byte write is a data
// write, which QEMU has ignored since v2.4.
void FwCfg::write(uint64_t offset, uint64_t value, unsigned size) {
  if (offset == kSelector && size == 2) {
    selector_ = static_cast<uint16_t>(value);
    offset_ = 0;
    ++selects_;
  }
}

// Reads go on counting the offset past an item's end, where every byte reads
// 0; saving it clamped to the end keeps the record within what a check can
// bound and changes nothing the guest can read.
void FwCfg::saveState(StateWriter& writer) const {
  const std::vector<uint8_t>* selectedItem = selected();
  uint64_t end = selectedItem ? selectedItem->size() : 0;
  writer.put<uint32_t>(kStateVersion);
  writer.put<uint16_t>(selector_);
  writer.put<uint64_t>(std::min(offset_, end));
  writer.put<uint64_t>(selects_);
  writer.put<uint64_t>(dataReads_);
}

void FwCfg::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto selector = reader.get<uint16_t>();  // every 16-bit value is one the guest can select
  auto offset = reader.get<uint64_t>();
  auto selects = reader.get<uint64_t>(), dataReads = reader.get<uint64_t>();
  const std::vector<uint8_t>* selectedItem = itemAt(selector);
  if (offset > (selectedItem ? selectedItem->size() : 0))
    stateOutOfRange(name(), "offset", std::to_string(offset) + " into item " + hex(selector));
  selector_ = selector;
  offset_ = offset;
  selects_ = selects;
  dataReads_ = dataReads;
}

}  // namespace kx
