#include "devices/sim_control.hh"

namespace kx {

uint64_t SimControl::read(uint64_t offset, unsigned) { return offset == 0 ? kIdentity : 0; }

void SimControl::write(uint64_t offset, uint64_t value, unsigned) {
  switch (offset) {
    case kExit: handler_.guestExit(static_cast<uint32_t>(value)); break;
    case kResetStats: handler_.guestResetStats(); break;
    case kDumpStats: handler_.guestDumpStats(); break;
    case kFault: handler_.guestFault(value); break;
    default: break;
  }
}

}  // namespace kx
