#pragma once
// The other ends of a device model's wires, connected to nothing: every
// request is dropped and every register reads 0. For device models built
// only to be asked their statistic names (the CSV header needs them before
// any run), and for tests that drive one device on its own.
#include <string>

#include "devices/i8042.hh"
#include "devices/isa_debug_exit.hh"
#include "devices/m5ops.hh"
#include "devices/sim_control.hh"
#include "sim/cpu_registers.hh"

namespace kx {

struct UnwiredRegisters : CpuRegisters {
  uint64_t get(Reg) override { return 0; }
  void set(Reg, uint64_t) override {}
  unsigned privilegeLevel() override { return 0; }
  uint64_t faultAddress() override { return 0; }
  void setFsBase(uint64_t) override {}
  void setGsBase(uint64_t) override {}
  uint64_t fsBase() override { return 0; }
  uint64_t gsBase() override { return 0; }
};

struct UnwiredHandlers : SimControlHandler, M5OpsHandler, DebugExitHandler, I8042ResetHandler {
  void guestExit(uint32_t) override {}
  void guestResetStats() override {}
  void guestDumpStats() override {}
  void guestFault(uint64_t) override {}
  void m5Exit() override {}
  void m5Fail(uint64_t) override {}
  void m5ResetStats() override {}
  void m5DumpStats() override {}
  void m5Checkpoint() override {}
  void m5Unsupported(const std::string&) override {}
  void debugExit(uint32_t) override {}
  void resetRequested() override {}
};

}  // namespace kx
