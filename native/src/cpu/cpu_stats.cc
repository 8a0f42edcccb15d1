#include "cpu/cpu_stats.hh"

#include <algorithm>
#include <cmath>

namespace kx {

namespace {
double exactSimCycles(const CpuCounters& c, const ClockParams& clock) { return static_cast<double>(c.hostCycles) * clock.hostFactor; }

double exactSimTicks(const CpuCounters& c, const ClockParams& clock) {
  return std::round(exactSimCycles(c, clock)) * (kTicksPerSecond / clock.clockHz) + static_cast<double>(c.idleTicks);
}

// llround of a value past the int64 range is undefined: clamp first.
uint64_t clampedTicks(double value) { return static_cast<uint64_t>(std::llround(std::min(value, kMaxSimTicks))); }
}  // namespace

uint64_t simCycles(const CpuCounters& c, const ClockParams& clock) { return clampedTicks(exactSimCycles(c, clock)); }

uint64_t simTicks(const CpuCounters& c, const ClockParams& clock) { return clampedTicks(exactSimTicks(c, clock)); }

bool simTicksOverflow(const CpuCounters& c, const ClockParams& clock) {
  return exactSimTicks(c, clock) >= kMaxSimTicks || exactSimCycles(c, clock) >= kMaxSimTicks;
}

std::vector<StatLine> statLines(const CpuCounters& c, const ClockParams& clock, double hostSeconds) {
  uint64_t ticks = simTicks(c, clock);
  auto n = [](uint64_t v) { return static_cast<double>(v); };
  return {
      {"simTicks", n(ticks), "Number of ticks simulated (picoseconds)"},
      {"simSeconds", n(ticks) / kTicksPerSecond, "Number of seconds simulated"},
      {"hostSeconds", hostSeconds, "Real time elapsed on the host"},
      {"hostCycles", n(c.hostCycles), "Host cycles spent inside KVM_RUN"},
      {"numCycles", n(simCycles(c, clock)), "Number of cpu cycles simulated (hostCycles x hostFactor)"},
      {"committedInsts", n(c.committedInsts), "Number of instructions committed"},
      {"numVMExits", n(c.numVMExits), "total number of KVM exits"},
      {"numVMHalfEntries", n(c.numVMHalfEntries), "number of KVM entries to finalize pending operations"},
      {"numExitSignal", n(c.numExitSignal), "exits due to signal delivery"},
      {"numStretchedQuanta", n(c.numStretchedQuanta), "kicks that found the guest where the last left it (next quantum doubled)"},
      {"numMMIO", n(c.numMMIO), "number of VM exits due to memory mapped IO"},
      {"numCoalescedMMIO", n(c.numCoalescedMMIO), "number of coalesced memory mapped IO requests"},
      {"numCoalescedPIO", n(c.numCoalescedPIO), "number of coalesced port IO requests"},
      {"numIO", n(c.numIO), "number of VM exits due to legacy IO"},
      {"numHalt", n(c.numHalt), "number of VM exits due to wait for interrupt instructions"},
      {"numInterrupts", n(c.numInterrupts), "number of interrupts delivered"},
      {"numHypercalls", n(c.numHypercalls), "number of hypercalls"},
      {"numUnclaimedIO", n(c.numUnclaimedIO), "port IO accesses that no device claimed"},
      {"numUnclaimedMMIO", n(c.numUnclaimedMMIO), "MMIO accesses that no device claimed"},
      {"idleTicks", n(c.idleTicks), "simulated ticks skipped while the vCPU was halted"},
  };
}

CpuCounters machineCounters(const std::vector<CpuCounters>& perCpu) {
  CpuCounters total = perCpu.empty() ? CpuCounters{} : perCpu.front();
  for (size_t i = 1; i < perCpu.size(); ++i) {
    const CpuCounters& c = perCpu[i];
    total.committedInsts += c.committedInsts;
    total.numVMExits += c.numVMExits;
    total.numVMHalfEntries += c.numVMHalfEntries;
    total.numExitSignal += c.numExitSignal;
    total.numStretchedQuanta += c.numStretchedQuanta;
    total.numMMIO += c.numMMIO;
    total.numCoalescedMMIO += c.numCoalescedMMIO;
    total.numCoalescedPIO += c.numCoalescedPIO;
    total.numIO += c.numIO;
    total.numHalt += c.numHalt;
    total.numInterrupts += c.numInterrupts;
    total.numHypercalls += c.numHypercalls;
    total.numUnclaimedIO += c.numUnclaimedIO;
    total.numUnclaimedMMIO += c.numUnclaimedMMIO;
  }
  return total;
}

std::vector<StatLine> vcpuStatLines(const CpuCounters& c, const ClockParams& clock) {
  std::vector<StatLine> lines = statLines(c, clock, 0);
  lines.erase(std::remove_if(lines.begin(), lines.end(),
                             [](const StatLine& l) { return l.name == "simSeconds" || l.name == "hostSeconds"; }),
              lines.end());
  return lines;
}

}  // namespace kx
