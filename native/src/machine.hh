#pragma once
// A whole machine for one run: KVM, guest memory and image, boot state, the
// device models on their buses, and the CPU. Built from plain configuration,
// run once, reported as plain data. No Node here: addon.cc converts.
#include <linux/kvm.h>

#include <cstdint>
#include <string>
#include <vector>

#include "boot/image_loader.hh"
#include "boot/multiboot.hh"
#include "checkpoint/machine_checkpoint.hh"
#include "cpu/cpu_stats.hh"
#include "cpu/kvm_cpu.hh"
#include "cpu/run_outcome.hh"
#include "kvm/binary_stats.hh"

namespace kx {

struct CoalescedZone {
  uint64_t base;
  uint32_t size;
  bool pio;
};

// Quanta below this get the kick cost measured (KickCost): far above any
// kick seen on PVM (~28 us) or in a nested, emulated VM (~70 us).
constexpr uint64_t kMeasureKickBelowNs = 1000000;

// stats.dumpEvery below this is refused: each snapshot is a simulated-time
// event that kicks the vCPU out (a kick costs ~30 us of host time on PVM, so
// 1 ms already adds about 3% to simTicks), and a period shorter than a kick
// would leave the guest no time to run at all.
constexpr uint64_t kMinDumpEveryTicks = 1000000000;  // 1 ms

// A kernel written for qemu-system-x86_64 -kernel (guest.format: multiboot):
// what it is booted with, and QEMU's legacy devices beside ours.
struct PcConfig {
  MultibootBoot boot;
  uint16_t debugExitPort = 0xf4;
  uint64_t debugExitSize = 4;
  uint32_t debugExitSuccess = 1;  // the exit code that means `ok` (QEMU's process status)
  int64_t rtcEpochSeconds = 1704067200;  // the CMOS clock at simulated time 0
};

struct MachineConfig {
  std::string kvmDevice = "/dev/kvm";
  std::string imagePath;
  ImageFormat imageFormat = ImageFormat::Elf;
  std::string args;
  uint64_t memoryBytes = 64ull << 20;
  CpuParams cpu;  // cpu.tscHz is filled in by the machine
  bool useCoalescedMMIO = false;
  // With useCoalescedMMIO: also coalesce the write-only ranges devices declare.
  bool deviceMmioZones = true;
  bool devicePioZones = true;
  std::vector<CoalescedZone> coalescedZones;  // zones from the configuration
  std::string consolePath;                    // empty: discard guest output
  uint64_t dumpEveryTicks = 0;                // stats.dumpEvery; 0: no periodic snapshots
  PcConfig pc;  // for ImageFormat::Multiboot
  // machine.cpus and machine.irqchip (multiboot kernels only, for now).
  unsigned cpus = 1;
  bool kernelIrqchip = false;
  CheckpointConfig checkpoint;  // one vCPU and the runner's interrupt controller only
  bool memoryDigest = false;  // stats.memoryDigest
};

// machine.cpus at most: one host thread each; the MP table could list 255.
constexpr unsigned kMaxCpus = 64;

struct MachineResult {
  RunOutcome outcome;
  std::vector<StatLine> stats;               // gem5 names, final values
  std::vector<std::vector<StatLine>> dumps;   // one per guest "dump stats" request
  std::vector<std::vector<StatLine>> series;  // one per stats.dumpEvery period
  uint64_t seriesDropped = 0;                 // periods past the series' bound, not kept
  StatValues kvmStats;                       // the kernel's counters, deltas over the run
  StatValues deviceStats;                    // "<device>.<stat>"
  StatValues vcpuStats;                      // "cpu<N>.<stat>", with several vCPUs
  // How the numbers were made, for provenance columns.
  double tscHz = 0;
  std::string tscSource;
  uint64_t timerResolutionNs = 0;
  uint64_t quantumNs = 0;   // the effective quantum, after any raise
  uint64_t kickCostNs = 0;  // measured timer-kick cost; 0 when the quantum was long enough not to ask
  std::string coalescing;  // "on", "off", or "unsupported"
  std::vector<std::string> checkpoints;  // the cpt.<tick> folders written, in order
  double checkpointSeconds = 0;          // host time spent writing them
  double restoreSeconds = 0;             // host time spent restoring guest.restore
  std::string memoryDigest;              // SHA-256 hex of guest memory at the end, when asked
};

// The capabilities a machine cannot be built without; `doctor` reports the
// same list (the addon hands it over), so the two cannot disagree.
struct RequiredCapability {
  const char* name;  // without the KVM_CAP_ prefix
  long id;
};
inline constexpr RequiredCapability kRequiredCapabilities[] = {
    {"USER_MEMORY", KVM_CAP_USER_MEMORY},
    {"SET_TSS_ADDR", KVM_CAP_SET_TSS_ADDR},
};

// Throws CoreError for anything that stops the machine from being built;
// everything the guest does becomes part of the result.
MachineResult runMachine(const MachineConfig& config);

// Loads the image into scratch memory of the configured size and returns
// where it landed: the same checks a run makes, without KVM.
// A multiboot image is loaded with its command line and modules.
LoadedImage checkImage(const std::string& path, ImageFormat format, uint64_t memoryBytes, const MultibootBoot& boot = {});

// Validates the memory size on its own (range and alignment).
void checkMemorySize(uint64_t memoryBytes);

// The statistic names a run reports, in order: gem5's, then "<device>.<stat>".
std::vector<std::string> cpuStatNames();
// With `pc`, also QEMU's legacy devices (a multiboot guest's machine).
std::vector<std::string> deviceStatNames(bool pc);
// Each vCPU's own statistics with several vCPUs, reported as "cpu<N>.<stat>".
std::vector<std::string> vcpuStatNames();

}  // namespace kx
