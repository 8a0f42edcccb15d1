#include "devices/sink.hh"

#include "devices/device_state.hh"

namespace kx {

void Sink::write(uint64_t, uint64_t value, unsigned size) {
  uint64_t mask = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
  if ((value & mask) != (writes_ & mask)) ++outOfOrder_;
  ++writes_;
}


namespace {
constexpr uint32_t kStateVersion = 1;
}

void Sink::saveState(StateWriter& writer) const {
  writer.put<uint32_t>(kStateVersion);
  writer.put<uint64_t>(writes_);
  writer.put<uint64_t>(reads_);
  writer.put<uint64_t>(outOfOrder_);
}

void Sink::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto writes = reader.get<uint64_t>(), reads = reader.get<uint64_t>(), outOfOrder = reader.get<uint64_t>();
  // Every write is counted, in order or not, so no more can be out of order than were written.
  if (outOfOrder > writes) stateOutOfRange(name(), "outOfOrder", std::to_string(outOfOrder));
  writes_ = writes;
  reads_ = reads;
  outOfOrder_ = outOfOrder;
}

}  // namespace kx
