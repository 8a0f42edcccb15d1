#include "devices/isa_debug_exit.hh"

#include "sim/core_error.hh"

namespace kx {

IsaDebugExit::IsaDebugExit(DebugExitHandler& handler, uint16_t port, uint64_t size)
    : handler_(handler), port_(port), size_(size) {
  if (size == 0 || size > 0x10000 - uint64_t{port})
    throw CoreError("internal", "isa-debug-exit: iobase " + hex(port) + " with iosize " + hex(size) +
                                         " does not fit the port space [0, 0x10000)");
}

uint32_t IsaDebugExit::exitCode(uint64_t value, unsigned size) {
  uint64_t mask = size >= 8 ? UINT64_MAX : (uint64_t{1} << (8 * size)) - 1;
  return static_cast<uint32_t>(((value & mask) << 1) | 1);
}

void IsaDebugExit::write(uint64_t, uint64_t value, unsigned size) {
  uint32_t code = exitCode(value, size);
  ++exits_;
  lastCode_ = code;
  handler_.debugExit(code);
}

}  // namespace kx
