#pragma once
// gem5's m5ops in "address" mode, as gem5's KVM CPU serves them on x86: a
// 64 KiB MMIO window at 0xffff0000, the operation number in bits 8-15 of the
// offset, the arguments in RDI, RSI, RDX, RCX, R8, R9 and the result as the
// value the access reads (gem5: src/sim/pseudo_inst.hh, decodeAddrOffset;
// src/arch/x86/pseudo_inst_abi.hh). Programs built against gem5's m5 header
// in address mode, or our native/guests/se/m5ops.h, work unchanged.
#include <string>

#include "devices/device.hh"
#include "sim/cpu_registers.hh"

namespace kx {

// What the machine does for each operation; implemented outside the device.
class M5OpsHandler {
 public:
  virtual ~M5OpsHandler() = default;
  virtual void m5Exit() = 0;
  virtual void m5Fail(uint64_t code) = 0;
  virtual void m5ResetStats() = 0;
  virtual void m5DumpStats() = 0;
  // gem5's m5 checkpoint: save the machine where it stands, then go on.
  virtual void m5Checkpoint() = 0;
  // An operation this runner does not serve (yet): the run ends saying which.
  virtual void m5Unsupported(const std::string& what) = 0;
};

class M5Ops : public Device {
 public:
  static constexpr uint64_t kMmioBase = 0xffff0000;
  static constexpr uint64_t kSize = 0x10000;
  // gem5's numbers (include/gem5/asm/generic/m5ops.h).
  enum Op : uint8_t {
    kExit = 0x21,
    kFail = 0x22,
    kResetStats = 0x40,
    kDumpStats = 0x41,
    kDumpResetStats = 0x42,
    kCheckpoint = 0x43,
    kWorkBegin = 0x5a,
    kWorkEnd = 0x5b,
  };

  M5Ops(CpuRegisters& registers, M5OpsHandler& handler) : registers_(registers), handler_(handler) {}
  const char* name() const override { return "m5ops"; }
  // gem5's stub loads from the window; a store is served the same way.
  uint64_t read(uint64_t offset, unsigned size) override { return perform(offset, size); }
  void write(uint64_t offset, uint64_t, unsigned size) override { perform(offset, size); }
  DeviceStats stats() const override {
    return {{"calls", calls_}, {"workBegin", workBegin_}, {"workEnd", workEnd_}};
  }
  void resetStats() override { calls_ = workBegin_ = workEnd_ = 0; }
  void saveState(StateWriter& writer) const override;
  void loadState(StateReader& reader) override;

 private:
  uint64_t perform(uint64_t offset, unsigned size);
  CpuRegisters& registers_;
  M5OpsHandler& handler_;
  uint64_t calls_ = 0, workBegin_ = 0, workEnd_ = 0;
};

}  // namespace kx
