#pragma once
// What a KVM_INTERNAL_ERROR_EMULATION exit says about the instruction KVM's
// emulator gave up on: its bytes (when the kernel reports them) and, for the
// instructions guests meet this way, what it is and why it failed. On PVM
// every ring-0 instruction goes through that emulator, so this is where a
// ring-0 guest learns what the flavour cannot do.
#include <linux/kvm.h>

#include <string>

namespace kx {

// "; instruction cf 66 90 (iret: ...)" or "" when the kernel gave no bytes.
std::string emulationFailureDetail(const kvm_run& run);

}  // namespace kx
