#pragma once
// The fault record a guest's exception handler leaves in its memory for
// sim-control (docs/guest-abi.md), read back into a one-line description.
#include <cstdint>
#include <string>

#include "boot/guest_memory.hh"

namespace kx {

// Never throws: a record outside guest memory is itself described.
std::string describeFault(const GuestMemory& memory, uint64_t recordAddress);

}  // namespace kx
