#include "cpu/emulation_failure.hh"

#include <algorithm>
#include <cstdio>

namespace kx {

namespace {

// KVM's emulator implements IRET for real mode only (em_iret); protected
// and long mode return through the CPU, which PVM does not use for ring 0.
const char* knownFailure(const uint8_t* bytes, unsigned size) {
  bool rex64 = size >= 2 && bytes[0] == 0x48 && bytes[1] == 0xcf;
  if ((size >= 1 && bytes[0] == 0xcf) || rex64)
    return "iret: KVM's instruction emulator returns from interrupts in real mode only; a host that emulates ring 0 "
           "(PVM) cannot run a ring-0 interrupt handler, so this kernel needs VMX or SVM";
  return nullptr;
}

}  // namespace

std::string emulationFailureDetail(const kvm_run& run) {
  const auto& failure = run.emulation_failure;
  if (run.internal.ndata < 2 || !(failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES)) return "";
  unsigned size = std::min<unsigned>(failure.insn_size, sizeof failure.insn_bytes);
  std::string text = "; instruction";
  for (unsigned i = 0; i < size; ++i) {
    char byte[4];
    std::snprintf(byte, sizeof byte, " %02x", failure.insn_bytes[i]);
    text += byte;
  }
  if (const char* why = knownFailure(failure.insn_bytes, size)) text += std::string(" (") + why + ")";
  return text;
}

}  // namespace kx
