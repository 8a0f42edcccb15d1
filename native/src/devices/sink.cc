#include "devices/sink.hh"

namespace kx {

void Sink::write(uint64_t, uint64_t value, unsigned size) {
  uint64_t mask = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
  if ((value & mask) != (writes_ & mask)) ++outOfOrder_;
  ++writes_;
}

}  // namespace kx
