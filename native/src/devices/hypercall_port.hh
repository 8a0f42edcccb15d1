#pragma once
// Hypercalls by port IO, which the KVM API recommends over vmcall: it works
// from ring 3 and on every KVM flavour. The guest writes an argument, then
// the call number; the result is read back.
#include <functional>

#include "devices/device.hh"

namespace kx {

class HypercallPort : public Device {
 public:
  static constexpr uint16_t kPortBase = 0x0720;
  static constexpr uint64_t kSize = 0x10;
  // +0x0 call number (write: performs the call), +0x4 argument (write), +0x8 result (read).
  enum Register : uint64_t { kCall = 0x0, kArgument = 0x4, kResult = 0x8 };
  // Call numbers.
  enum Call : uint32_t { kNop = 0, kEcho = 1, kAdd = 2 };
  static constexpr uint32_t kUnknownCall = 0xffffffff;

  // `onCall` lets the CPU count the call as one of its hypercalls.
  explicit HypercallPort(std::function<void()> onCall) : onCall_(std::move(onCall)) {}
  const char* name() const override { return "hypercall"; }
  uint64_t read(uint64_t offset, unsigned size) override;
  void write(uint64_t offset, uint64_t value, unsigned size) override;
  DeviceStats stats() const override { return {{"calls", calls_}, {"unknown", unknown_}}; }
  void resetStats() override { calls_ = unknown_ = 0; }
  void saveState(StateWriter& writer) const override;
  void loadState(StateReader& reader) override;

 private:
  std::function<void()> onCall_;
  uint32_t argument_ = 0;
  uint32_t result_ = 0;
  uint32_t accumulator_ = 0;
  uint64_t calls_ = 0, unknown_ = 0;
};

}  // namespace kx
