#include "devices/post_port.hh"

#include "devices/device_state.hh"

namespace kx {

uint64_t PostPort::read(uint64_t, unsigned) { return last_; }

void PostPort::write(uint64_t, uint64_t value, unsigned) {
  ++writes_;
  last_ = static_cast<uint8_t>(value);  // a POST code is one byte
}


namespace {
constexpr uint32_t kStateVersion = 1;
}

void PostPort::saveState(StateWriter& writer) const {
  writer.put<uint32_t>(kStateVersion);
  writer.put<uint8_t>(last_);
  writer.put<uint64_t>(writes_);
}

void PostPort::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto last = reader.get<uint8_t>();
  auto writes = reader.get<uint64_t>();
  last_ = last;
  writes_ = writes;
}

}  // namespace kx
