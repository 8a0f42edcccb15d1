#include "devices/post_port.hh"

namespace kx {

uint64_t PostPort::read(uint64_t, unsigned) { return last_; }

void PostPort::write(uint64_t, uint64_t value, unsigned) {
  ++writes_;
  last_ = static_cast<uint8_t>(value);  // a POST code is one byte
}

}  // namespace kx
