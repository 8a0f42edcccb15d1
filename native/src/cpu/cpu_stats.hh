#pragma once
// The CPU's statistics under gem5's BaseKvmCPU names, each counted where its
// event happens. Derived values (numCycles, simTicks, ...) are computed once,
// from the raw counts, by CpuStats::derive().
#include <cstdint>
#include <string>
#include <vector>

namespace kx {

struct CpuCounters {
  uint64_t committedInsts = 0;    // instructions, as counted by instsSource
  uint64_t numVMExits = 0;        // every return from KVM_RUN, signal exits included
  uint64_t numVMHalfEntries = 0;  // entries made only to complete an IO/MMIO, with the run immediately cut short
  uint64_t numExitSignal = 0;     // exits because the quantum timer kicked the vCPU
  uint64_t numStretchedQuanta = 0;  // kicks that found no progress, each doubling the next quantum
  uint64_t numMMIO = 0;           // MMIO exits serviced in user space
  uint64_t numCoalescedMMIO = 0;  // MMIO writes replayed from the coalesced ring
  uint64_t numCoalescedPIO = 0;   // port writes replayed from the coalesced ring
  uint64_t numIO = 0;             // port-IO exits (one per exit, whatever its repeat count)
  uint64_t numHalt = 0;           // HLT exits
  uint64_t numInterrupts = 0;     // interrupts and NMIs delivered to the vCPU
  uint64_t numHypercalls = 0;     // hypercalls serviced, by port or by KVM_EXIT_HYPERCALL
  uint64_t numUnclaimedIO = 0;    // port accesses no device claimed
  uint64_t numUnclaimedMMIO = 0;  // MMIO accesses no device claimed
  uint64_t hostCycles = 0;        // host TSC cycles spent inside KVM_RUN
  uint64_t idleTicks = 0;         // simulated time skipped while halted, in ticks
};

// Everything reported: one name, one value, one gem5-style description.
struct StatLine {
  std::string name;
  double value;
  std::string description;
};

struct ClockParams {
  double hostFactor;  // simulated cycles per host cycle
  double clockHz;     // the simulated CPU clock (cpu.clock)
};

constexpr double kTicksPerSecond = 1e12;  // gem5 ticks are picoseconds

// Simulated time must stay below 2^63 ticks (about 106 days at 1 ps per
// tick): the CSV and gem5's tools read it as a signed 64-bit count.
constexpr double kMaxSimTicks = 9.2e18;

// numCycles = hostCycles x hostFactor; simTicks = numCycles at cpu.clock, plus idle time.
uint64_t simCycles(const CpuCounters& c, const ClockParams& clock);
// Clamped to kMaxSimTicks; simTicksOverflow() says when that happened.
uint64_t simTicks(const CpuCounters& c, const ClockParams& clock);
bool simTicksOverflow(const CpuCounters& c, const ClockParams& clock);

std::vector<StatLine> statLines(const CpuCounters& c, const ClockParams& clock, double hostSeconds);

// Several vCPUs (machine.cpus): a machine has one clock, the boot vCPU's
// (index 0, whose event queue drives the devices' timers; the others are
// held within a quantum of it), and every event counted on any vCPU.
CpuCounters machineCounters(const std::vector<CpuCounters>& perCpu);
// One vCPU's lines: statLines without the machine-wide seconds.
std::vector<StatLine> vcpuStatLines(const CpuCounters& c, const ClockParams& clock);

}  // namespace kx
