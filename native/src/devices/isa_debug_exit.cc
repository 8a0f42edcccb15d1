#include "devices/isa_debug_exit.hh"

#include "devices/device_state.hh"
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


namespace {
constexpr uint32_t kStateVersion = 1;
}

// The port range is configuration, not state: a device built the same way has it.
void IsaDebugExit::saveState(StateWriter& writer) const {
  writer.put<uint32_t>(kStateVersion);
  writer.put<uint64_t>(exits_);
  writer.put<uint64_t>(lastCode_);
}

void IsaDebugExit::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto exits = reader.get<uint64_t>(), lastCode = reader.get<uint64_t>();
  // 0 before any write; afterwards an exit code, which is 32 bits and odd.
  if (lastCode != 0 && (lastCode > UINT32_MAX || !(lastCode & 1)))
    stateOutOfRange(name(), "lastCode", hex(lastCode));
  exits_ = exits;
  lastCode_ = lastCode;
}

}  // namespace kx
