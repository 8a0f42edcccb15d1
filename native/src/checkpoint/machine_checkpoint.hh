#pragma once
// A machine to and from a checkpoint directory, gem5's cpt.<tick>: a
// manifest.json that lists the binary parts with their sizes and SHA-256s,
// and the parts:
//   memory   the pages that are not all zero (memory_image.hh)
//   machine  the CPUID the boot vCPU was given, the XSAVE area's size, the kvmclock
//   vcpu<N>  each vCPU's whole state (kvm/vcpu_state.hh), N = 0, 1, ...
//   cpu<N>   each vCPU's CPU model: gem5's counters, simulated time, pending interrupts
//   devices  each device model's state, by name, in the machine's order
//   kernel   the kernel's counters so far (kvm.<name>), which a restored run carries on
//   the files the run writes as the guest goes (console.log; SE mode's
//   stdout.log, stderr.log and syscalls.log), each a part of its own name;
//   a folder the guest writes into (SE mode's scratch folder, part "scratch");
//   and any other state the machine has outside guest memory (SE mode's
//   process, part "process").
// The directory is built as cpt.<tick>.tmp and renamed when complete, so a
// run killed mid-way never leaves a checkpoint that looks whole.
#include <linux/kvm.h>

#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "boot/guest_memory.hh"
#include "checkpoint/part_file.hh"
#include "cpu/kvm_cpu.hh"
#include "devices/device.hh"
#include "kvm/kernel_counters.hh"
#include "kvm/kvm_device.hh"
#include "kvm/vcpu.hh"
#include "kvm/vm.hh"

namespace kx {

constexpr uint32_t kCheckpointVersion = 2;

// A file the run writes as the guest goes: its content so far is part of the
// checkpoint, and a restored run's file starts with it.
struct CarriedFile {
  std::string part;  // "console", "stdout", ...
  std::string path;
  std::FILE* stream;  // the run's open stream to it, or null when the file is written by other means
};

// State kept outside guest memory and the device models, as one part.
struct StatePart {
  std::string name;
  std::function<void(StateWriter&)> save;
  std::function<void(StateReader&)> load;
};

// The pieces of a built machine that a checkpoint covers.
struct MachineParts {
  const KvmDevice& kvm;
  Vm& vm;
  std::vector<Vcpu*> vcpus;  // in the machine's order: the boot vCPU first
  std::vector<KvmCpu*> cpus;  // their CPU models, in the same order
  GuestMemory& memory;
  std::vector<Device*> devices;
  std::vector<CarriedFile> files;
  std::string scratchDir;                // empty: none
  std::vector<StatePart> states;         // restored last, after memory, files and the scratch folder
  std::vector<kvm_cpuid_entry2> cpuid;  // as the vCPU was given it
  std::string platform;                 // "runtime", "pc" or "se": which devices it has
  KernelCounters& kernel;
  bool kernelIrqchip = false;           // each vCPU has an in-kernel LAPIC to keep

  KvmCpu& bootCpu() const { return *cpus.front(); }
};

// Writes <parent>/cpt.<simulated tick>/ and returns its path, with every
// vCPU stopped and no access pending. `reason` says what asked
// ("m5-checkpoint", "at-ticks", "at-insts"); the manifest records it. The
// tick is the boot vCPU's: the machine's clock.
std::string writeCheckpoint(const std::string& parent, const MachineParts& machine, const std::string& reason);

// A checkpoint to start from, its manifest read (and checked) by the caller.
struct RestoreSource {
  std::string dir;
  std::vector<PartRecord> parts;
};

// What a run does with checkpoints (the YAML's checkpoint section and
// guest.restore).
struct CheckpointConfig {
  std::string dir;  // where cpt.<tick> folders go
  uint64_t atTicks = 0;  // 0: none
  uint64_t atInsts = 0;  // 0: none; needs an instruction counter
  bool onGuestRequest = true;
  RestoreSource restore;  // dir empty: boot the guest instead
  bool stopAfter = false;  // end the run (ok, exit cause "checkpoint") once one is written: a warm-up
  bool restoring() const { return !restore.dir.empty(); }
};

// Into a machine built but not yet run: memory, kvmclock, vCPUs, CPU models,
// devices, files, the scratch folder and the other states, every part
// verified against its checksum. A host whose
// CPUID or XSAVE size differs from the saving one, or a machine with another
// number of vCPUs, is refused ("checkpoint-incompatible"), naming the
// first difference.
void restoreCheckpoint(const RestoreSource& source, MachineParts& machine);

}  // namespace kx
