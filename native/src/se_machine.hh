#pragma once
// Syscall-emulation mode (gem5's SE mode, on KVM): an unmodified x86-64 Linux
// program runs in ring 3 of a guest whose page tables the runner owns; its
// system calls leave the guest and are served here (se/syscalls.hh), its
// files through a sandbox (se/sandbox_fs.hh), its time is simulated time.
// The CPU model, statistics and m5ops are the full-system machine's.
#include <string>
#include <vector>

#include "machine.hh"
#include "se/sandbox_fs.hh"

namespace kx {

// What the program's clocks follow: simulated time, which hostFactor scales
// from host cycles and so varies a little from run to run; or 1 us per system
// call plus the time slept, the same in every run.
enum class SeClock { SimTicks, Calls };

struct SeConfig {
  std::string kvmDevice = "/dev/kvm";
  std::string binaryPath;              // on the host
  std::string exeGuestPath;            // argv[0], AT_EXECFN and /proc/self/exe
  std::vector<std::string> argv;       // after argv[0]
  std::vector<std::string> env;        // "NAME=value"
  uint64_t memoryBytes = 64ull << 20;  // guest RAM; the process's pages and page tables come from it
  CpuParams cpu;                       // cpu.tscHz is filled in by the machine
  uint64_t dumpEveryTicks = 0;
  std::vector<se::Mount> mounts;  // guest.files
  std::string scratchDir;         // the run's writable scratch directory, at /tmp
  std::string stdinPath;          // empty: stdin reads as /dev/null
  std::string stdoutPath, stderrPath;
  uint64_t seed = 0;
  int64_t epochNs = 0;  // CLOCK_REALTIME at simulated time 0
  SeClock clock = SeClock::SimTicks;
  bool unsupportedReturnsEnosys = false;
  std::string tracePath;  // empty: no syscalls.log
  CheckpointConfig checkpoint;
  bool memoryDigest = false;  // stats.memoryDigest
};

MachineResult runSeMachine(const SeConfig& config);

// The checks a run makes before KVM of the memory size, the binary (and its
// interpreter) and the file layout: validate and --dry-run make them too.
// Throws CoreError: memory-size, se-binary, sandbox-layout, sandbox-mount.
void checkSe(const std::string& binaryPath, const std::string& exeGuestPath, uint64_t memoryBytes,
             const std::vector<se::Mount>& files);

// The statistic names an SE run reports besides the CPU's, in order.
std::vector<std::string> seStatNames();

}  // namespace kx
