#include "devices/hypercall_port.hh"

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

}  // namespace kx
