#include "devices/i8042.hh"

#include "devices/device_state.hh"

namespace kx {

uint64_t I8042::read(uint64_t, unsigned) {
  return 0;  // data: nothing ever arrives; status: both buffers empty
}

void I8042::write(uint64_t offset, uint64_t value, unsigned) {
  auto byte = static_cast<uint8_t>(value);
  if (offset == kCommand) {
    ++commands_;
    pendingCommand_ = 0;
    if ((byte & 0xf0) == 0xf0 && !(byte & 0x01)) {
      requestReset();  // pulse output-port bits 3-0 low; bit 0 is the reset line
    } else if (byte == kWriteOutputPort) {
      pendingCommand_ = byte;
    }
    return;
  }
  if (offset == kData) {
    if (pendingCommand_ == kWriteOutputPort && !(byte & 0x01)) requestReset();
    pendingCommand_ = 0;
  }
}

void I8042::requestReset() {
  ++resets_;
  handler_.resetRequested();
}


namespace {
constexpr uint32_t kStateVersion = 1;
}

void I8042::saveState(StateWriter& writer) const {
  writer.put<uint32_t>(kStateVersion);
  writer.put<uint8_t>(pendingCommand_);
  writer.put<uint64_t>(commands_);
  writer.put<uint64_t>(resets_);
}

void I8042::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto pendingCommand = reader.get<uint8_t>();
  // write() keeps only the one command that waits for a data byte.
  if (pendingCommand != 0 && pendingCommand != kWriteOutputPort)
    stateOutOfRange(name(), "pending command", hex(pendingCommand));
  auto commands = reader.get<uint64_t>(), resets = reader.get<uint64_t>();
  pendingCommand_ = pendingCommand;
  commands_ = commands;
  resets_ = resets;
}

}  // namespace kx
