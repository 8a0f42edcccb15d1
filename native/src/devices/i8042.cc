#include "devices/i8042.hh"

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

}  // namespace kx
