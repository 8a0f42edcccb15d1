#include "devices/hypercall_port.hh"

#include "devices/device_state.hh"

namespace kx {

uint64_t HypercallPort::read(uint64_t offset, unsigned) { return offset == kResult ? result_ : 0; }

void HypercallPort::write(uint64_t offset, uint64_t value, unsigned) {
  if (offset == kArgument) {
    argument_ = static_cast<uint32_t>(value);
    return;
  }
  if (offset != kCall) return;
  ++calls_;
  onCall_();
  switch (static_cast<uint32_t>(value)) {
    case kNop: result_ = 0; break;
    case kEcho: result_ = argument_; break;
    case kAdd: result_ = accumulator_ += argument_; break;  // a running sum the guest can check
    default:
      ++unknown_;
      result_ = kUnknownCall;
      break;
  }
}


namespace {
constexpr uint32_t kStateVersion = 1;
}

void HypercallPort::saveState(StateWriter& writer) const {
  writer.put<uint32_t>(kStateVersion);
  writer.put<uint32_t>(argument_);
  writer.put<uint32_t>(result_);
  writer.put<uint32_t>(accumulator_);
  writer.put<uint64_t>(calls_);
  writer.put<uint64_t>(unknown_);
}

void HypercallPort::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto argument = reader.get<uint32_t>(), result = reader.get<uint32_t>(), accumulator = reader.get<uint32_t>();
  auto calls = reader.get<uint64_t>(), unknown = reader.get<uint64_t>();
  // Every unknown call is also a call.
  if (unknown > calls) stateOutOfRange(name(), "unknown", std::to_string(unknown));
  argument_ = argument;
  result_ = result;
  accumulator_ = accumulator;
  calls_ = calls;
  unknown_ = unknown;
}

}  // namespace kx
