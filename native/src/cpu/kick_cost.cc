#include "cpu/kick_cost.hh"

#include <algorithm>
#include <array>
#include <cerrno>

#include "boot/boot_state.hh"
#include "boot/guest_memory.hh"
#include "boot/layout.hh"
#include "cpu/host_clock.hh"
#include "cpu/quantum_timer.hh"
#include "kvm/kvm_device.hh"
#include "sim/core_error.hh"
#include "kvm/vcpu.hh"
#include "kvm/vm.hh"

namespace kx {

namespace {
constexpr int kProbes = 9;  // odd, for a true median; ~0.3 ms in all on a PVM host
constexpr std::array<uint8_t, 2> kSpinInPlace = {0xeb, 0xfe};  // jmp .
}  // namespace

KickCost measureKickCost(const std::string& kvmDevice) {
  KvmDevice kvm(kvmDevice);
  Vm vm(kvm);
  vm.setTssAddress(layout::kVmxTssAddress);
  GuestMemory memory(layout::kMinMemory);
  writeBootStructures(memory, BootInfoFields{"", 0});
  memory.write(layout::kImageFloor, kSpinInPlace.data(), kSpinInPlace.size());
  vm.setUserMemoryRegion(0, 0, memory.size(), memory.host());
  Vcpu vcpu(vm, 0);
  vcpu.setCpuid(kvm.supportedCpuid());
  kvm_sregs sregs = vcpu.getSregs();
  setLongModeSregs(sregs, false);
  vcpu.setSregs(sregs);
  vcpu.setRegs(initialRegs(layout::kImageFloor));

  QuantumTimer timer(vcpu);
  std::array<double, kProbes> seconds{};
  for (double& s : seconds) {
    double start = monotonicSeconds();
    timer.arm(1, false);
    int err = vcpu.enter();
    s = monotonicSeconds() - start;
    if (err != EINTR && !(err == 0 && vcpu.run()->exit_reason == KVM_EXIT_INTR))
      throw CoreError("kick-probe", err ? errnoMessage("KVM_RUN of the kick probe", err)
                                        : "the kick probe's guest exited with reason " + std::to_string(vcpu.run()->exit_reason));
  }
  std::nth_element(seconds.begin(), seconds.begin() + kProbes / 2, seconds.end());
  return KickCost{static_cast<uint64_t>(seconds[kProbes / 2] * 1e9)};
}

}  // namespace kx
