#pragma once
// The other ends of a device's wires, recording what reaches them: an
// interrupt pin's levels, isa-debug-exit's codes, the i8042's resets.
#include <cstdint>
#include <vector>

#include "devices/i8042.hh"
#include "devices/isa_debug_exit.hh"
#include "sim/irq_line.hh"

namespace kx::test {

struct RecordingLine : IrqLine {
  std::vector<bool> levels;
  void set(bool level) override { levels.push_back(level); }
  bool high() const { return !levels.empty() && levels.back(); }
};

struct RecordingExit : DebugExitHandler {
  std::vector<uint32_t> codes;
  void debugExit(uint32_t code) override { codes.push_back(code); }
};

struct RecordingReset : I8042ResetHandler {
  int resets = 0;
  void resetRequested() override { ++resets; }
};

}  // namespace kx::test
