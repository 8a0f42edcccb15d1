#pragma once
// Decoding the IO and MMIO exits KVM reports in the shared run page. Every
// field is checked before use: sizes, counts and the data offset must describe
// bytes inside the run area, or the exit is refused with a message.
#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace kx {

struct DecodedAccess {
  uint64_t address = 0;   // the port (IO) or the guest-physical address (MMIO)
  unsigned size = 0;      // bytes per access: 1, 2 or 4 (IO); 1..8 (MMIO)
  uint64_t count = 0;     // accesses in a row (string IO); 1 for MMIO
  bool isWrite = false;   // OUT or an MMIO store
  size_t dataOffset = 0;  // where the count * size data bytes start, from the start of the run area
  std::string error;      // non-empty: the exit is malformed and nothing above is meaningful

  bool ok() const { return error.empty(); }
  uint8_t* data(kvm_run& run) const { return reinterpret_cast<uint8_t*>(&run) + dataOffset; }
};

// KVM_EXIT_IO; `runSize` is the number of bytes mapped at `run`.
DecodedAccess decodeIoExit(const kvm_run& run, size_t runSize);
// KVM_EXIT_MMIO.
DecodedAccess decodeMmioExit(const kvm_run& run);

}  // namespace kx
