#include "se_machine.hh"

#include <elf.h>
#include <limits.h>
#include <stdlib.h>

#include <functional>
#include <memory>
#include <optional>

#include "boot/layout.hh"
#include "boot/cpu_features.hh"
#include "boot/cpu_topology.hh"
#include "checkpoint/machine_checkpoint.hh"
#include "checkpoint/memory_image.hh"
#include "boot/se_runner_pages.hh"
#include "cpu/host_clock.hh"
#include "devices/bus.hh"
#include "devices/m5ops.hh"
#include "kvm/kvm_device.hh"
#include "kvm/vcpu.hh"
#include "kvm/vm.hh"
#include "run_control.hh"
#include "se/address_space.hh"
#include "se/initial_stack.hh"
#include "se/linux_elf.hh"
#include "se/syscalls.hh"
#include "sim/core_error.hh"

namespace kx {

namespace {

// Where Linux puts a position-independent executable and, below the mmap
// base, its interpreter, with address-space randomisation off (setarch -R).
constexpr uint64_t kPieBase = 0x555555554000;

// The library folders a dynamically linked program finds on a Debian-like
// host; mapped read-only, under the same guest paths, unless guest.files
// maps something there itself.
const char* const kLibraryDirs[] = {"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"};

struct LoadedProgram {
  uint64_t entry;  // where the first instruction is: the interpreter's when there is one
  se::AuxValues aux;
  bool executableStack;
};

bool mountedAt(const std::vector<se::Mount>& mounts, const std::string& guestPath) {
  for (const se::Mount& m : mounts)
    if (m.guestPath == guestPath) return true;
  return false;
}

// The program's interpreter and libraries, read-only, where it will look for them.
void addLibraryMounts(const se::LinuxElf& program, std::vector<se::Mount>& mounts) {
  if (program.interpreter.empty()) return;
  char resolved[PATH_MAX];
  if (!mountedAt(mounts, program.interpreter)) {
    if (!::realpath(program.interpreter.c_str(), resolved))
      throw CoreError("se-binary", program.path() + ": its interpreter " + program.interpreter +
                                       " is not on this host (" + errnoMessage("realpath", errno) + ")");
    mounts.push_back({program.interpreter, resolved, false});
  }
  for (const char* dir : kLibraryDirs)
    if (!mountedAt(mounts, dir) && ::realpath(dir, resolved)) mounts.push_back({dir, resolved, false});
}

void checkSeMemory(uint64_t memoryBytes) {
  checkMemorySize(memoryBytes);
  if (memoryBytes <= layout::kImageFloor + (16u << 20))
    throw CoreError("memory-size", "guest.memory must be above 17 MiB for a Linux program (its stack alone is 8 MiB)");
}

se::LinuxElf readInterpreter(const se::LinuxElf& program) {
  try {
    return se::readLinuxElf(program.interpreter);
  } catch (const CoreError& e) {
    throw CoreError(e.code(), program.path() + ": its interpreter (PT_INTERP) on this host: " + e.what());
  }
}

// The file layout the process sees: guest.files, the program's interpreter
// and libraries, the scratch folder at /tmp.
se::SandboxLayout sandboxLayout(const se::LinuxElf& program, const std::vector<se::Mount>& files, const std::string& scratchDir,
                                const std::string& exeGuestPath) {
  for (const se::Mount& m : files) {
    if (m.guestPath == "/tmp" || m.guestPath == "/tmp/")
      throw CoreError("sandbox-layout", "guest.files may not map /tmp: the run's scratch folder is there (write into it, "
                                        "or map a writable folder elsewhere)");
    if (m.guestPath == exeGuestPath)
      throw CoreError("sandbox-layout", "guest.files may not map " + exeGuestPath + ": the program itself is there");
  }
  se::SandboxLayout layout;
  layout.mounts = files;
  addLibraryMounts(program, layout.mounts);
  layout.scratchHostDir = scratchDir;
  layout.exeGuestPath = exeGuestPath;
  layout.exeHostPath = program.path();
  return layout;
}

LoadedProgram loadProgram(const se::LinuxElf& program, const std::string& guestPath, se::AddressSpace& space, uint64_t hwcap) {
  uint64_t bias = program.type == ET_DYN ? kPieBase - program.firstPage() : 0;
  se::loadLinuxElf(program, bias, space, guestPath);
  space.setBrkStart(se::pageUp(bias + program.endPage()));
  LoadedProgram loaded{bias + program.entry, {}, program.executableStack};
  loaded.aux.phdr = bias + program.phdrVaddr;
  loaded.aux.phnum = program.phnum;
  loaded.aux.entry = bias + program.entry;
  loaded.aux.uid = loaded.aux.euid = loaded.aux.gid = loaded.aux.egid = 1000;
  loaded.aux.hwcap = hwcap;
  if (!program.interpreter.empty()) {
    se::LinuxElf interpreter = readInterpreter(program);
    if (!interpreter.interpreter.empty())
      throw CoreError("se-binary", interpreter.path() + ": an interpreter that names an interpreter of its own");
    // Where mmap would put it: the highest free span below the mmap base.
    uint64_t span = interpreter.endPage() - interpreter.firstPage();
    int64_t at = space.mapAnonymous(0, span, se::kProtNone, false, false, program.interpreter);
    if (at < 0) throw CoreError("se-memory", "no room for the interpreter " + interpreter.path() + ": raise guest.memory");
    space.unmap(static_cast<uint64_t>(at), span);
    uint64_t interpreterBias = static_cast<uint64_t>(at) - interpreter.firstPage();
    se::loadLinuxElf(interpreter, interpreterBias, space, program.interpreter);
    loaded.aux.base = interpreterBias + interpreter.firstPage();
    loaded.entry = interpreterBias + interpreter.entry;
  }
  return loaded;
}

// What the program's clocks read (se.clock).
class ProcessClock {
 public:
  ProcessClock(SeClock kind, const KvmCpu& cpu) : kind_(kind), cpu_(cpu) {}
  uint64_t nowNs() const { return kind_ == SeClock::SimTicks ? cpu_.ticksSinceStart() / 1000 : callsNs_; }
  void call() { callsNs_ += kNsPerCall; }
  void slept(uint64_t ns) { callsNs_ += ns; }
  // For a checkpoint: simulated time is the CPU's own; the count is ours.
  uint64_t callsNs() const { return callsNs_; }
  void setCallsNs(uint64_t ns) { callsNs_ = ns; }

 private:
  static constexpr uint64_t kNsPerCall = 1000;
  SeClock kind_;
  const KvmCpu& cpu_;
  uint64_t callsNs_ = 0;
};

// The process's system calls, from the `out` in the entry stub.
class SyscallPort : public Device {
 public:
  SyscallPort(KvmCpu& cpu, ProcessClock& clock, se::Syscalls& syscalls, bool& tlbStale,
              std::function<void()> dropShadowPages)
      : cpu_(cpu), clock_(clock), regs_(cpu.registers()), syscalls_(syscalls), tlbStale_(tlbStale),
        dropShadowPages_(std::move(dropShadowPages)) {}
  const char* name() const override { return "syscallPort"; }
  uint64_t read(uint64_t, unsigned) override { return 0; }
  void write(uint64_t, uint64_t, unsigned) override;
  // Its counters are reported by the machine under their own names (exitCode, syscall.<name>, ...).
  void resetStats() override { syscalls_.resetCounts(); }

 private:
  void returnToCaller(int64_t value);
  KvmCpu& cpu_;
  ProcessClock& clock_;
  CpuRegisters& regs_;
  se::Syscalls& syscalls_;
  bool& tlbStale_;  // set by page-table edits during the call
  std::function<void()> dropShadowPages_;
  std::optional<bool> stubInRing3_;
};

// The stub's second half, for hosts where `syscall` enters ring 0: reload
// CR3 (a page-table edit the guest's TLB may still hold), then sysretq. It
// saves RAX below the red zone of the user stack it runs on.
constexpr uint64_t kFlushingReturn = kSeStubPage + 0x10;

void SyscallPort::write(uint64_t, uint64_t, unsigned) {
  se::SyscallRequest request{regs_.get(Reg::Rax),
                             {regs_.get(Reg::Rdi), regs_.get(Reg::Rsi), regs_.get(Reg::Rdx), regs_.get(Reg::R10),
                              regs_.get(Reg::R8), regs_.get(Reg::R9)}};
  clock_.call();
  se::SyscallOutcome outcome = syscalls_.handle(request);
  if (outcome.fsBase) regs_.setFsBase(*outcome.fsBase);
  if (outcome.gsBase) regs_.setGsBase(*outcome.gsBase);
  switch (outcome.action) {
    case se::SyscallOutcome::Action::Return:
      returnToCaller(outcome.value);
      break;
    case se::SyscallOutcome::Action::Sleep:
      cpu_.idleFor(outcome.sleepNs * 1000);
      clock_.slept(outcome.sleepNs);
      returnToCaller(outcome.value);
      break;
    case se::SyscallOutcome::Action::Exit: {
      int64_t status = outcome.value;
      cpu_.requestStop(RunOutcome{status == 0, "guest-exit",
                                  status == 0 ? "" : "the program exited with status " + std::to_string(status), status});
      break;
    }
    case se::SyscallOutcome::Action::Stop:
      cpu_.requestStop(RunOutcome{false, outcome.cause, outcome.detail, -1});
      break;
  }
}

void SyscallPort::returnToCaller(int64_t value) {
  regs_.set(Reg::Rax, static_cast<uint64_t>(value));
  // Where `syscall` left the stub is a property of the KVM flavour (on PVM it
  // stays in ring 3, where sysretq faults), asked once, at the first call.
  if (!stubInRing3_) stubInRing3_ = regs_.privilegeLevel() == 3;
  if (*stubInRing3_) {
    // PVM shadows the guest's page tables and trusts write protection that
    // our edits bypass. Dropping the old pages' mappings (the invalidate
    // callback) is not enough once tables themselves were freed or replaced:
    // a munmap, mremap and mmap sequence read stale data until the shadow
    // pages went too, so they all go (re-creating the memory slot).
    if (tlbStale_) dropShadowPages_();
    // Return as sysretq would.
    regs_.set(Reg::Rip, regs_.get(Reg::Rcx));
    regs_.set(Reg::Rflags, regs_.get(Reg::R11));
  } else if (tlbStale_) {
    regs_.set(Reg::Rip, kSeRunnerLinearBase + kFlushingReturn);
  }
  tlbStale_ = false;
}

// An exception in the process: the stub reports its vector; the frame the CPU
// pushed says where.
class ExceptionPort : public Device {
 public:
  ExceptionPort(KvmCpu& cpu, const GuestMemory& memory, const se::AddressSpace& space)
      : cpu_(cpu), regs_(cpu.registers()), memory_(memory), space_(space) {}
  const char* name() const override { return "exceptionPort"; }
  uint64_t read(uint64_t, unsigned) override { return 0; }
  void write(uint64_t, uint64_t value, unsigned) override;

 private:
  std::string where(uint64_t va) const;
  KvmCpu& cpu_;
  CpuRegisters& regs_;
  const GuestMemory& memory_;
  const se::AddressSpace& space_;
};

// The signal Linux sends for an exception other than a page or protection
// fault (those are SIGSEGV, handled apart because they name an address).
struct LinuxSignal {
  const char* name;
  int number;
};

LinuxSignal signalFor(uint8_t vector) {
  switch (vector) {
    case 0:   // #DE
    case 16:  // #MF
    case 19:  // #XM
      return {"SIGFPE", 8};
    case 6:  // #UD
      return {"SIGILL", 4};
    case 1:  // #DB
    case 3:  // #BP
      return {"SIGTRAP", 5};
    default:
      return {"SIGBUS", 7};
  }
}

std::string ExceptionPort::where(uint64_t va) const {
  for (const se::Mapping& m : space_.mappings())
    if (va >= m.start && va < m.end) return " (in " + (m.name.empty() ? std::string("an anonymous mapping") : m.name) + ")";
  return " (unmapped)";
}

void ExceptionPort::write(uint64_t, uint64_t value, unsigned) {
  uint8_t vector = static_cast<uint8_t>(value);
  ExceptionFrame frame;
  if (!readExceptionFrame(memory_, vector, regs_.get(Reg::Rsp), frame)) {
    cpu_.requestStop(RunOutcome{false, "guest-exception", "exception " + std::to_string(vector) + " with an unreadable frame", -1});
    return;
  }
  std::string at = "rip " + hex(frame.rip) + where(frame.rip);
  // What Linux would do to the process: the signal, and its shell status.
  if (vector == 14) {
    uint64_t address = regs_.faultAddress();
    std::string access = (frame.errorCode & 0x10) ? "an instruction fetch from " : (frame.errorCode & 2) ? "a write to " : "a read of ";
    std::string why = (frame.errorCode & 1) ? ", which it may not access that way" : "";
    cpu_.requestStop(RunOutcome{false, "segfault", "SIGSEGV: " + access + hex(address) + where(address) + why + ", at " + at, 128 + 11});
  } else if (vector == 13 || vector == 12) {
    cpu_.requestStop(RunOutcome{false, "segfault", "SIGSEGV: general protection fault (" + std::to_string(vector) + ") at " + at, 128 + 11});
  } else {
    LinuxSignal signal = signalFor(vector);
    cpu_.requestStop(RunOutcome{false, "guest-exception",
                                std::string(signal.name) + ": exception " + std::to_string(vector) + " at " + at,
                                128 + signal.number});
  }
}

void writeFlushingReturn(GuestMemory& memory) {
  // sub $128,%rsp; push %rax; mov %cr3,%rax; mov %rax,%cr3; pop %rax; add $128,%rsp; sysretq
  const uint8_t code[] = {0x48, 0x81, 0xec, 0x80, 0x00, 0x00, 0x00, 0x50, 0x0f, 0x20, 0xd8, 0x0f, 0x22, 0xd8,
                          0x58, 0x48, 0x81, 0xc4, 0x80, 0x00, 0x00, 0x00, 0x48, 0x0f, 0x07};
  memory.write(kFlushingReturn, code, sizeof code);
}

}  // namespace

void checkSe(const std::string& binaryPath, const std::string& exeGuestPath, uint64_t memoryBytes,
             const std::vector<se::Mount>& files) {
  checkSeMemory(memoryBytes);
  se::LinuxElf program = se::readLinuxElf(binaryPath);
  if (!program.interpreter.empty()) readInterpreter(program);
  // Opening the layout checks it as a run would; any folder stands in for the scratch one.
  se::SandboxFs check(sandboxLayout(program, files, "/", exeGuestPath));
}

std::vector<std::string> seStatNames() {
  std::vector<std::string> names = {"exitCode", "numSyscalls", "peakMemoryBytes"};
  for (const std::string& n : se::Syscalls::counterNames()) names.push_back(n);
  for (const char* n : {"m5ops.calls", "m5ops.workBegin", "m5ops.workEnd"}) names.push_back(n);
  return names;
}

MachineResult runSeMachine(const SeConfig& config) {
  checkSeMemory(config.memoryBytes);
  se::LinuxElf program = se::readLinuxElf(config.binaryPath);

  KvmDevice kvm(config.kvmDevice);
  for (const RequiredCapability& cap : kRequiredCapabilities) kvm.requireExtension(cap.id, (std::string("KVM_CAP_") + cap.name).c_str());
  Vm vm(kvm);
  vm.setTssAddress(layout::kVmxTssAddress);
  GuestMemory memory(config.memoryBytes);
  writeSeRunnerPages(memory);
  writeFlushingReturn(memory);

  // Page-table edits that change or remove a mapping are seen by the guest
  // only after the system call that made them flushes what it cached of the
  // old tables (SyscallPort::returnToCaller).
  bool tlbStale = false;
  se::AddressSpace space(memory, layout::kImageFloor, memory.size(), [&tlbStale](uint64_t, uint64_t) { tlbStale = true; });
  uint64_t runner = kSeRunnerLinearBase;
  space.mapPhysical(runner, 0, kSeStubPage, true, false, false);
  space.mapPhysical(runner + kSeStubPage, kSeStubPage, 0x1000, false, true, true);
  space.mapPhysical(runner + kSeStubPage + 0x1000, kSeStubPage + 0x1000, layout::kImageFloor - kSeStubPage - 0x1000, true, false, false);
  space.mapDeviceWindow(M5Ops::kMmioBase, M5Ops::kMmioBase, M5Ops::kSize, "[m5ops]");

  Vcpu vcpu(vm, 0);
  // One vCPU, APIC ID 0: KVM's list carries the ID of whichever host CPU answered.
  std::vector<kvm_cpuid_entry2> cpuid = cpuidForVcpu(kvm.supportedCpuid(), 0, 1);
  vcpu.setCpuid(cpuid);
  CpuFeatures features = cpuFeatures(cpuid);
  TscFrequency tsc = tscFrequency(vcpu.tscKhz());
  vm.setUserMemoryRegion(0, 0, memory.size(), memory.host());

  se::ProcessConfig process;
  process.fs = sandboxLayout(program, config.mounts, config.scratchDir, config.exeGuestPath);
  process.stdinPath = config.stdinPath;
  process.stdoutPath = config.stdoutPath;
  process.stderrPath = config.stderrPath;
  process.seed = config.seed;
  process.realtimeEpochNs = config.epochNs;
  process.unsupportedReturnsEnosys = config.unsupportedReturnsEnosys;
  process.tracePath = config.tracePath;
  process.memoryBytes = config.memoryBytes;

  MachineResult result;
  result.tscHz = tsc.hz;
  result.tscSource = tsc.source;
  CpuParams params = hostCpuParams(config.cpu, tsc.hz, config.kvmDevice, result);
  Bus io("port-IO"), mmio("MMIO");
  KvmCpu cpu(vcpu, io, mmio, params);
  // The program's clocks: simulated time (simTicks), or with se.clock
  // `calls` a count kept here that only system calls and sleeps advance, the
  // same in every run.
  ProcessClock clock(config.clock, cpu);
  se::Syscalls syscalls(space, process, [&clock] { return clock.nowNs(); });

  if (!config.checkpoint.restoring()) {
    // A restored run's memory, registers and process come from the checkpoint instead.
    LoadedProgram loaded = loadProgram(program, config.exeGuestPath, space, features.hwcap);
    syscalls.randomBytes(loaded.aux.random.data(), loaded.aux.random.size());
    se::StackRange stack = se::mapStack(space, loaded.executableStack);
    se::ProgramArguments args;
    args.argv.push_back(config.exeGuestPath);
    args.argv.insert(args.argv.end(), config.argv.begin(), config.argv.end());
    args.envp = config.env;
    args.execfn = config.exeGuestPath;
    uint64_t rsp = se::writeInitialStack(space, stack, args, loaded.aux);

    kvm_sregs sregs = vcpu.getSregs();
    setSeSregs(sregs, space.cr3(), features.xsave);
    vcpu.setSregs(sregs);
    std::vector<std::pair<uint32_t, uint64_t>> msrs;
    for (const MsrValue& m : seSyscallMsrs()) msrs.emplace_back(m.index, m.value);
    vcpu.setMsrs(msrs);
    if (features.xsave) vcpu.setXcr0(features.xcr0);
    kvm_regs regs{};
    regs.rip = loaded.entry;
    regs.rsp = rsp;
    regs.rflags = 0x202;
    vcpu.setRegs(regs);
  }

  RunControl control(cpu, params.clock, result.dumps);
  M5Ops m5ops(cpu.registers(), control);
  SyscallPort syscallPort(cpu, clock, syscalls, tlbStale, [&vm, &memory] {
    vm.setUserMemoryRegion(0, 0, 0, memory.host());
    vm.setUserMemoryRegion(0, 0, memory.size(), memory.host());
  });
  ExceptionPort exceptionPort(cpu, memory, space);
  io.attach(kSeSyscallPort, 1, syscallPort);
  io.attach(kSeExceptionPort, 1, exceptionPort);
  mmio.attach(M5Ops::kMmioBase, M5Ops::kSize, m5ops);
  KernelCounters kernel({&vcpu});
  control.watch({&m5ops, &syscallPort}, kernel);
  // stdout and stderr may be one file (2>&1): carried once.
  std::string stderrPath = config.stderrPath == config.stdoutPath ? "" : config.stderrPath;
  StatePart processState{"process",
                    [&](StateWriter& out) {
                      // First: it flushes the trace, whose file is carried after it.
                      out.put<uint32_t>(1);
                      space.saveState(out);
                      syscalls.saveState(out);
                      out.put<uint64_t>(clock.callsNs());
                    },
                    [&](StateReader& in) {
                      uint32_t version = in.get<uint32_t>();
                      if (version != 1)
                        throw CoreError("checkpoint-corrupt", "process state version " + std::to_string(version) + ", this build reads 1");
                      space.loadState(in);
                      syscalls.loadState(in);
                      clock.setCallsNs(in.get<uint64_t>());
                    }};
  MachineParts parts{kvm, vm, {&vcpu}, {&cpu}, memory, {&m5ops, &syscallPort},
                     {{"stdout", config.stdoutPath, nullptr}, {"stderr", stderrPath, nullptr}, {"trace", config.tracePath, nullptr}},
                     config.scratchDir, {processState}, cpuid, "se", kernel};
  Checkpoints checkpoints(config.checkpoint, parts, control, result);
  PeriodicDumps periodicDumps(cpu, control, config.dumpEveryTicks, result.series);

  runAndReport(cpu, kernel, params.clock, result);
  // Empty when the program neither exited nor died of a signal (the run stopped it).
  if (result.outcome.guestStatus >= 0) result.deviceStats.emplace_back("exitCode", result.outcome.guestStatus);
  result.deviceStats.emplace_back("numSyscalls", syscalls.numSyscalls());
  result.deviceStats.emplace_back("peakMemoryBytes", space.peakMappedBytes());
  for (const auto& entry : syscalls.counts()) result.deviceStats.push_back(entry);
  for (const auto& entry : collectDeviceStats({&m5ops})) result.deviceStats.push_back(entry);
  result.seriesDropped = periodicDumps.dropped();
  result.coalescing = "off";
  if (config.memoryDigest) result.memoryDigest = memoryDigest(memory);
  return result;
}

}  // namespace kx
