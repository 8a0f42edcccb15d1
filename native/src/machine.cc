#include "machine.hh"

#include <cstdio>
#include <functional>
#include <memory>
#include <optional>

#include "boot/boot_state.hh"
#include "boot/cpu_features.hh"
#include "boot/cpu_topology.hh"
#include "boot/layout.hh"
#include "boot/mp_table.hh"
#include "checkpoint/memory_image.hh"
#include "cpu/cpu_group.hh"
#include "cpu/host_clock.hh"
#include "devices/guest_fault.hh"
#include "devices/hypercall_port.hh"
#include "devices/cmos_rtc.hh"
#include "devices/fw_cfg.hh"
#include "devices/i8042.hh"
#include "devices/interval_timer.hh"
#include "devices/isa_debug_exit.hh"
#include "devices/m5ops.hh"
#include "devices/pci_config_none.hh"
#include "devices/post_port.hh"
#include "devices/serial16550.hh"
#include "devices/sim_control.hh"
#include "devices/sink.hh"
#include "devices/unwired.hh"
#include "kvm/irqchip.hh"
#include "kvm/kvm_device.hh"
#include "sim/core_error.hh"
#include "kvm/vcpu.hh"
#include "kvm/vm.hh"
#include "run_control.hh"
#include "secondary_cpus.hh"

namespace kx {

namespace {

struct FileCloser {
  void operator()(std::FILE* f) const {
    if (f) std::fclose(f);
  }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

FilePtr openConsole(const std::string& path) {
  if (path.empty()) return nullptr;
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw CoreError("console", errnoMessage("cannot create console log " + path, errno));
  std::setvbuf(f, nullptr, _IOLBF, 0);  // a killed run keeps every complete line
  return FilePtr(f);
}

// Sim-control's requests, carried out as the m5ops' are, plus its fault
// record; and the ways QEMU's legacy devices end a run.
class SimControlActions : public RunControl, public SimControlHandler, public DebugExitHandler, public I8042ResetHandler {
 public:
  SimControlActions(KvmCpu& cpu, const GuestMemory& memory, const ClockParams& clock,
                    std::vector<std::vector<StatLine>>& dumps, uint32_t debugExitSuccess = 1)
      : RunControl(cpu, clock, dumps), memory_(memory), debugExitSuccess_(debugExitSuccess) {}
  void guestExit(uint32_t status) override { exit(status); }
  void guestResetStats() override { resetStats(); }
  void guestDumpStats() override { dumpStats(); }
  void guestFault(uint64_t recordAddress) override {
    cpu_.requestStop(RunOutcome{false, "guest-exception", describeFault(memory_, recordAddress), -1});
  }
  void debugExit(uint32_t code) override {
    bool ok = code == debugExitSuccess_;
    cpu_.requestStop(RunOutcome{ok, "debug-exit",
                                ok ? "" : "isa-debug-exit: exit code " + std::to_string(code) + " (QEMU's status; success is " +
                                              std::to_string(debugExitSuccess_) + ")",
                                code});
  }
  void resetRequested() override {
    cpu_.requestStop(RunOutcome{false, "reset", "the guest reset the machine through the keyboard controller", -1});
  }

 private:
  const GuestMemory& memory_;
  uint32_t debugExitSuccess_;
};

// QEMU's legacy PC devices, for kernels written for qemu-system-x86_64
// (guest.format: multiboot); ours stay where they do not collide
// (docs/guest-abi.md, the port map).
struct LegacyPc {
  LegacyPc(const PcConfig& pc, uint64_t ramBytes, unsigned cpus, SimControlActions& actions, CmosRtc::Clock seconds)
      : debugExit(actions, pc.debugExitPort, pc.debugExitSize), fwCfg(ramBytes, cpus), cmos(ramBytes, std::move(seconds)),
        i8042(actions) {}
  IsaDebugExit debugExit;  // -device isa-debug-exit
  FwCfg fwCfg;             // QEMU's firmware configuration interface
  CmosRtc cmos;            // MC146818 RTC and CMOS memory
  PciConfigNone pci;       // a PCI host bridge with nothing behind it
  I8042 i8042;             // the keyboard controller, for its reset line
  PostPort post;           // the POST diagnostic port

  void attach(Bus& io) {
    io.attach(debugExit.port(), debugExit.size(), debugExit);
    io.attach(FwCfg::kPortBase, FwCfg::kSize, fwCfg);
    io.attach(CmosRtc::kPortBase, CmosRtc::kSize, cmos);
    io.attach(PciConfigNone::kPortBase, PciConfigNone::kSize, pci);
    io.attach(I8042::kDataPort, I8042::kPortSize, i8042);
    io.attach(I8042::kCommandPort, I8042::kPortSize, i8042.commandPort());
    io.attach(PostPort::kPort, PostPort::kSize, post);
  }
  std::vector<Device*> all() { return {&debugExit, &fwCfg, &cmos, &pci, &i8042, &post}; }
};

// Where each device model sits, one line each, as kvmtool lists its devices.
struct Attachment {
  bool pio;
  uint64_t base;
  uint64_t size;
  Device* device;
  bool coalescable;  // write-only: its writes may wait in the coalesced ring
};

struct Devices {
  Devices(std::FILE* console, IrqLine* serialIrq, SimControlHandler& control, M5OpsHandler& m5, CpuRegisters& registers,
          EventQueue& events, InterruptLines& irqs, std::function<void()> onHypercall)
      : serial(console, serialIrq ? *serialIrq : unconnectedIrqLine()), simControl(control), m5ops(registers, m5), timer(events, irqs), hypercalls(std::move(onHypercall)) {}
  Serial16550 serial;
  SimControl simControl;
  M5Ops m5ops;
  Sink pioSink{"pioSink"};
  Sink mmioSink{"mmioSink"};
  IntervalTimer timer;
  HypercallPort hypercalls;

  std::vector<Attachment> attachments() {
    return {
        {true, Serial16550::kCom1, Serial16550::kSize, &serial, false},     // COM1; IRQ 4 with the in-kernel irqchip
        {true, SimControl::kPortBase, SimControl::kSize, &simControl, false},  // guest requests by port
        {false, SimControl::kMmioBase, SimControl::kSize, &simControl, false}, // the same by MMIO
        {false, M5Ops::kMmioBase, M5Ops::kSize, &m5ops, false},                // gem5's m5ops, address mode
        {true, Sink::kPortBase, Sink::kPortSize, &pioSink, true},              // pio-stream's target
        {false, Sink::kMmioBase, Sink::kMmioSize, &mmioSink, true},            // mmio-stream's target
        {true, IntervalTimer::kPortBase, IntervalTimer::kSize, &timer, false}, // periodic interrupts
        {true, HypercallPort::kPortBase, HypercallPort::kSize, &hypercalls, false},  // hypercalls by port
    };
  }
  // The devices that keep counters.
  std::vector<Device*> all() { return {&serial, &m5ops, &pioSink, &mmioSink, &timer, &hypercalls}; }
};

std::string registerCoalescedZones(const MachineConfig& config, const KvmDevice& kvm, Vm& vm, const Vcpu& vcpu,
                                   Devices& devices) {
  if (!config.useCoalescedMMIO) return "off";
  if (!vcpu.coalescedRing()) return "unsupported";
  std::vector<CoalescedZone> zones = config.coalescedZones;
  for (const Attachment& a : devices.attachments())
    if (a.coalescable && (a.pio ? config.devicePioZones : config.deviceMmioZones))
      zones.push_back({a.base, static_cast<uint32_t>(a.size), a.pio});
  bool pioCapable = kvm.checkExtension(KVM_CAP_COALESCED_PIO) > 0;
  std::string state = "on";
  for (const CoalescedZone& zone : zones) {
    if (zone.pio && !pioCapable) {
      state = "mmio-only";  // this host cannot coalesce port writes
      continue;
    }
    vm.registerCoalescedZone(zone.base, zone.size, zone.pio);
  }
  return state;
}

}  // namespace

std::vector<std::string> cpuStatNames() {
  std::vector<std::string> names;
  for (const StatLine& line : statLines(CpuCounters{}, ClockParams{1, 1}, 0)) names.push_back(line.name);
  return names;
}

std::vector<std::string> deviceStatNames(bool pc) {
  // Devices built only to be asked their statistic names: nothing reaches these.
  UnwiredHandlers none;
  UnwiredRegisters noRegisters;
  EventQueue events([] { return uint64_t{0}; });
  InterruptLines irqs;
  Devices devices(nullptr, nullptr, none, none, noRegisters, events, irqs, [] {});
  std::vector<Device*> all = devices.all();
  // The legacy set takes SimControlActions in a run; its names need none.
  IsaDebugExit debugExit(none);
  FwCfg fwCfg(0, 1);
  CmosRtc cmos(0, [] { return int64_t{0}; });
  PciConfigNone pci;
  I8042 i8042(none);
  PostPort post;
  if (pc) all.insert(all.end(), {&debugExit, &fwCfg, &cmos, &pci, &i8042, &post});
  std::vector<std::string> names;
  for (const auto& entry : collectDeviceStats(all)) names.push_back(entry.first);
  if (pc) names.push_back("exitCode");  // isa-debug-exit's code, as QEMU's process status
  return names;
}

std::vector<std::string> vcpuStatNames() {
  std::vector<std::string> names;
  for (const StatLine& line : vcpuStatLines(CpuCounters{}, ClockParams{1, 1})) names.push_back(line.name);
  return names;
}

void checkMemorySize(uint64_t memoryBytes) {
  if (memoryBytes < layout::kMinMemory || memoryBytes > layout::kMaxMemory)
    throw CoreError("memory-size", "guest.memory must be between 2 MiB and 3 GiB (the device window starts at 3 GiB); got " +
                                      std::to_string(memoryBytes) + " bytes");
  if (memoryBytes % 4096 != 0)
    throw CoreError("memory-size", "guest.memory must be a multiple of 4 KiB; got " + std::to_string(memoryBytes));
}

LoadedImage checkImage(const std::string& path, ImageFormat format, uint64_t memoryBytes, const MultibootBoot& boot) {
  checkMemorySize(memoryBytes);
  GuestMemory scratch(memoryBytes);
  if (format != ImageFormat::Multiboot) return loadImage(path, format, scratch);
  MultibootImage kernel = loadMultiboot(path, scratch, boot);
  return LoadedImage{kernel.entry, kernel.kernelStart, kernel.end};
}

namespace {

void checkMachineShape(const MachineConfig& config, bool pc) {
  if (config.cpus < 1 || config.cpus > kMaxCpus)
    throw CoreError("machine-config", "machine.cpus must be between 1 and " + std::to_string(kMaxCpus) + "; got " +
                                          std::to_string(config.cpus));
  if ((config.cpus > 1 || config.kernelIrqchip) && !pc)
    throw CoreError("machine-config", "machine.cpus and machine.irqchip: kernel are for multiboot kernels (guest.format: multiboot)");
  if (config.cpus > 1 && !config.kernelIrqchip)
    throw CoreError("machine-config", "machine.cpus: " + std::to_string(config.cpus) +
                                          " needs machine.irqchip: kernel (the other vCPUs start through their LAPICs' INIT and SIPI)");
  if (config.cpus > 1 && config.checkpoint.atInsts != 0)
    throw CoreError("machine-config", "checkpoint.atInsts counts one vCPU's instructions: use checkpoint.atTicks with machine.cpus > 1");
}

}  // namespace

MachineResult runMachine(const MachineConfig& config) {
  checkMemorySize(config.memoryBytes);
  if (config.dumpEveryTicks != 0 && config.dumpEveryTicks < kMinDumpEveryTicks)
    throw CoreError("stats-dump-period", "stats.dumpEvery must be at least 1ms (each snapshot kicks the vCPU out); got " +
                                            decimal(static_cast<double>(config.dumpEveryTicks) / 1e9) + " ms");
  const bool pc = config.imageFormat == ImageFormat::Multiboot;
  checkMachineShape(config, pc);
  KvmDevice kvm(config.kvmDevice);
  for (const RequiredCapability& cap : kRequiredCapabilities) kvm.requireExtension(cap.id, (std::string("KVM_CAP_") + cap.name).c_str());

  Vm vm(kvm);
  vm.setTssAddress(layout::kVmxTssAddress);
  GuestMemory memory(config.memoryBytes);
  std::optional<KernelIrqchip> irqchip;
  if (config.kernelIrqchip) irqchip.emplace(vm);

  std::vector<kvm_cpuid_entry2> cpuid = kvm.supportedCpuid();
  const std::vector<kvm_cpuid_entry2> bootCpuid = cpuidForVcpu(cpuid, 0, config.cpus);
  std::vector<std::unique_ptr<Vcpu>> vcpus;
  for (unsigned i = 0; i < config.cpus; ++i) {
    vcpus.push_back(std::make_unique<Vcpu>(vm, i));
    vcpus.back()->setCpuid(i == 0 ? bootCpuid : cpuidForVcpu(cpuid, i, config.cpus));
  }
  Vcpu& vcpu = *vcpus.front();  // the boot vCPU; the others wait for its INIT/SIPI
  TscFrequency tsc = tscFrequency(vcpu.tscKhz());
  kvm_sregs sregs = vcpu.getSregs();
  if (config.checkpoint.restoring()) {
    // Memory, registers and devices come from the checkpoint once the machine is built.
  } else if (pc) {
    // Booted as QEMU's -kernel boots it: none of our runtime's structures.
    MultibootImage kernel = loadMultiboot(config.imagePath, memory, config.pc.boot);
    writeMultibootGdt(memory);
    if (config.kernelIrqchip) writeMpTable(memory, kMpTableAddress, MpTableSpec{config.cpus, cpuSignature(cpuid)});
    setProtectedModeSregs(sregs);
    vcpu.setSregs(sregs);
    vcpu.setRegs(multibootRegs(kernel.entry, kernel.infoAddress));
  } else {
    LoadedImage image = loadImage(config.imagePath, config.imageFormat, memory);
    writeBootStructures(memory, BootInfoFields{config.args, static_cast<uint64_t>(tsc.hz)});
    CpuFeatures features = cpuFeatures(bootCpuid);
    setLongModeSregs(sregs, features.xsave);
    vcpu.setSregs(sregs);
    // AVX and AVX-512 usable from the first instruction, as a kernel would enable them.
    if (features.xsave) vcpu.setXcr0(features.xcr0);
    vcpu.setRegs(initialRegs(image.entry));
  }
  vm.setUserMemoryRegion(0, 0, memory.size(), memory.host());

  MachineResult result;
  result.tscHz = tsc.hz;
  result.tscSource = tsc.source;

  FilePtr console = openConsole(config.consolePath);
  Bus io("port-IO"), mmio("MMIO");
  CpuParams params = hostCpuParams(config.cpu, tsc.hz, config.kvmDevice, result);
  params.kernelIrqchip = config.kernelIrqchip;
  std::optional<CpuGroup> group;
  if (config.cpus > 1) group.emplace(config.cpus);
  KvmCpu cpu(vcpu, io, mmio, params, group ? &*group : nullptr);
  CpuRegisters& registers = group ? group->servicingRegisters() : cpu.registers();
  cpu.registers();  // sync the boot vCPU's registers on every exit in either case
  SimControlActions actions(cpu, memory, params.clock, result.dumps, config.pc.debugExitSuccess);

  std::optional<GsiLine> serialIrq;
  if (irqchip) serialIrq.emplace(*irqchip, Serial16550::kCom1Irq);
  Devices devices(console.get(), serialIrq ? &*serialIrq : nullptr, actions, actions, registers, cpu.events(),
                  cpu.interrupts(), [&cpu] { cpu.countHypercall(); });
  std::vector<Device*> all = devices.all();
  for (const Attachment& a : devices.attachments()) {
    // Our runtime's timer injects from user space, which an in-kernel irqchip rules out.
    if (config.kernelIrqchip && a.device == &devices.timer) continue;
    (a.pio ? io : mmio).attach(a.base, a.size, *a.device);
  }
  const int64_t epoch = config.pc.rtcEpochSeconds;
  std::optional<LegacyPc> legacy;
  if (pc) {
    legacy.emplace(config.pc, memory.size(), config.cpus, actions,
                   [&cpu, epoch] { return epoch + static_cast<int64_t>(cpu.ticksSinceStart() / 1000000000000ull); });
    legacy->attach(io);
    for (Device* d : legacy->all()) all.push_back(d);
  }
  result.coalescing = registerCoalescedZones(config, kvm, vm, vcpu, devices);

  std::vector<const Vcpu*> allVcpus;
  for (const auto& v : vcpus) allVcpus.push_back(v.get());
  KernelCounters kernel(allVcpus);
  actions.watch(all, kernel);
  std::vector<StatePart> states;
  if (irqchip)
    states.push_back({"irqchip", [&](StateWriter& out) { irqchip->saveState(out); }, [&](StateReader& in) { irqchip->loadState(in); }});
  // The other vCPUs' models are built (and wait) before the checkpoint is restored into them.
  std::optional<SecondaryCpus> others;
  MachineParts parts{kvm, vm, {&vcpu}, {&cpu}, memory, all, {{"console", config.consolePath, console.get()}}, "", states, bootCpuid,
                     pc ? "pc" : "runtime", kernel, config.kernelIrqchip};
  if (group) {
    std::vector<Vcpu*> aps;
    for (size_t i = 1; i < vcpus.size(); ++i) aps.push_back(vcpus[i].get());
    others.emplace(aps, io, mmio, params, *group);
    parts.vcpus.insert(parts.vcpus.end(), aps.begin(), aps.end());
    parts.cpus.insert(parts.cpus.end(), others->cpus().begin(), others->cpus().end());
    actions.watchCpus(parts.cpus);
  }
  Checkpoints checkpoints(config.checkpoint, parts, actions, result);

  PeriodicDumps periodicDumps(cpu, actions, config.dumpEveryTicks, result.series);

  runAndReport(cpu, kernel, params.clock, result, others ? &*others : nullptr);
  result.deviceStats = collectDeviceStats(all);
  if (pc && result.outcome.guestStatus >= 0) result.deviceStats.emplace_back("exitCode", result.outcome.guestStatus);
  result.seriesDropped = periodicDumps.dropped();
  if (config.memoryDigest) result.memoryDigest = memoryDigest(memory);
  return result;
}

}  // namespace kx
