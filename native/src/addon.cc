// The only file that knows N-API: converts JavaScript objects to the core's
// plain C++ configuration and the core's results back. Errors from the core
// become JavaScript Errors carrying the core's stable `code`.
#include <napi.h>

#include <linux/kvm.h>

#include <array>
#include <cmath>

#include "kvm/binary_stats.hh"
#include "kvm/kvm_device.hh"
#include "sim/core_error.hh"
#include "kvm/vcpu.hh"
#include "kvm/vm.hh"
#include "cpu/kick_cost.hh"
#include "cpu/perf_counters.hh"
#include "cpu/quantum_timer.hh"
#include "machine.hh"
#include "se_machine.hh"

namespace {

using kx::CoreError;

[[noreturn]] void throwCoded(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  // The mark src/native/addon.ts recognises: a system error has a string `code` too.
  error.Set("name", Napi::String::New(env, "CoreError"));
  throw error;
}

// Runs `body`, turning core exceptions into coded JavaScript errors.
template <typename Body>
Napi::Value guarded(Napi::Env env, Body body) {
  try {
    return body();
  } catch (const CoreError& e) {
    throwCoded(env, e.code(), e.what());
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throwCoded(env, "internal", e.what());
  }
}

Napi::Value field(const Napi::Object& object, const char* name) {
  Napi::Value v = object.Get(name);
  if (v.IsUndefined()) throwCoded(object.Env(), "bad-config", std::string("missing field ") + name);
  return v;
}
// Every value crossing into the core is checked here: the TypeScript side
// validates first, so a failure is a bug there, reported rather than cast.
double number(const Napi::Object& o, const char* name) {
  Napi::Value v = field(o, name);
  if (!v.IsNumber()) throwCoded(o.Env(), "bad-config", std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throwCoded(o.Env(), "bad-config", std::string(name) + " must be finite");
  return d;
}
// A whole number JavaScript holds exactly (below 2^53): nothing is rounded on the way in.
uint64_t count(const Napi::Object& o, const char* name, uint64_t max = (1ull << 53) - 1) {
  double v = number(o, name);
  if (v < 0 || v != std::floor(v) || v > static_cast<double>(max))
    throwCoded(o.Env(), "bad-config", std::string(name) + " must be a whole number from 0 to " + std::to_string(max) + ", not " + kx::decimal(v));
  return static_cast<uint64_t>(v);
}
std::string text(const Napi::Object& o, const char* name) {
  Napi::Value v = field(o, name);
  if (!v.IsString()) throwCoded(o.Env(), "bad-config", std::string(name) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}
bool flag(const Napi::Object& o, const char* name) {
  Napi::Value v = field(o, name);
  if (!v.IsBoolean()) throwCoded(o.Env(), "bad-config", std::string(name) + " must be true or false");
  return v.As<Napi::Boolean>().Value();
}
Napi::Object object(Napi::Value v, const std::string& what) {
  if (!v.IsObject()) throwCoded(v.Env(), "bad-config", what + " must be an object");
  return v.As<Napi::Object>();
}

std::string devicePath(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throwCoded(info.Env(), "bad-config", "the KVM device path must be a string");
  return info[0].As<Napi::String>().Utf8Value();
}

// One of `names`, exactly, as the index into them.
template <size_t N>
size_t choice(const Napi::Object& o, const char* name, const std::array<const char*, N>& names) {
  std::string value = text(o, name);
  for (size_t i = 0; i < N; ++i)
    if (value == names[i]) return i;
  std::string allowed;
  for (const char* n : names) allowed += (allowed.empty() ? "" : ", ") + std::string(n);
  throwCoded(o.Env(), "bad-config", std::string(name) + " must be one of " + allowed + ", not \"" + value + "\"");
}

kx::ImageFormat imageFormat(const Napi::Object& o) {
  static constexpr std::array<const char*, 3> kNames = {"elf", "flat", "multiboot"};
  static constexpr std::array<kx::ImageFormat, 3> kFormats = {kx::ImageFormat::Elf, kx::ImageFormat::Flat,
                                                              kx::ImageFormat::Multiboot};
  return kFormats[choice(o, "imageFormat", kNames)];
}

// A multiboot kernel's command line, in QEMU's form, and modules (types.ts, PcSpec).
kx::MultibootBoot multibootBoot(const Napi::Object& o) {
  kx::MultibootBoot boot;
  boot.cmdline = kx::qemuCommandLine(text(o, "kernelName"), text(o, "append"));
  Napi::Value modules = field(o, "modules");
  if (!modules.IsArray()) throwCoded(o.Env(), "bad-config", "modules must be an array");
  Napi::Array list = modules.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); ++i) {
    Napi::Object m = object(list.Get(i), "modules[" + std::to_string(i) + "]");
    boot.modules.push_back({text(m, "path"), text(m, "cmdline")});
  }
  return boot;
}

// The `pc` object of a multiboot guest's spec: QEMU's -kernel boot and isa-debug-exit.
kx::PcConfig pcConfig(const Napi::Object& pc) {
  kx::PcConfig c;
  c.boot = multibootBoot(pc);
  c.debugExitPort = static_cast<uint16_t>(count(pc, "debugExitPort", 0xffff));
  c.debugExitSize = count(pc, "debugExitSize", 0x10000 - c.debugExitPort);
  if (c.debugExitSize == 0) throwCoded(pc.Env(), "bad-config", "debugExitSize must be at least 1");
  c.debugExitSuccess = static_cast<uint32_t>(count(pc, "debugExitSuccess", UINT32_MAX));
  return c;
}

// cpu.coalescedMMIO / cpu.coalescedPIO; absent: the zones the devices declare.
bool readZones(const Napi::Object& cpu, const char* name, bool pio, std::vector<kx::CoalescedZone>& zones) {
  Napi::Value v = cpu.Get(name);
  if (v.IsUndefined()) return true;
  if (!v.IsArray()) throwCoded(cpu.Env(), "bad-config", std::string(name) + " must be an array");
  Napi::Array list = v.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); ++i) {
    Napi::Object z = object(list.Get(i), std::string(name) + "[" + std::to_string(i) + "]");
    // KVM's zone size is 32 bits wide: refuse a larger one rather than truncate it.
    zones.push_back({count(z, "base"), static_cast<uint32_t>(count(z, "size", UINT32_MAX)), pio});
  }
  return false;
}

// The experiment's `cpu` section, read by the names the YAML file uses.
void readCpu(const Napi::Object& cpu, kx::MachineConfig& c) {
  c.cpu.clock.hostFactor = number(cpu, "hostFactor");
  c.cpu.clock.clockHz = number(cpu, "clock");
  if (!(c.cpu.clock.hostFactor > 0) || !(c.cpu.clock.clockHz > 0))
    throwCoded(cpu.Env(), "bad-config", "hostFactor and clock must be positive");
  c.cpu.quantumNs = count(object(field(cpu, "timer"), "timer"), "quantum");
  c.cpu.alwaysSyncTC = flag(cpu, "alwaysSyncTC");
  c.cpu.useXSave = flag(cpu, "useXSave");
  c.useCoalescedMMIO = flag(cpu, "useCoalescedMMIO");
  c.deviceMmioZones = readZones(cpu, "coalescedMMIO", false, c.coalescedZones);
  c.devicePioZones = readZones(cpu, "coalescedPIO", true, c.coalescedZones);
}

// A checkpoint's folder and its parts, as the manifest lists them (checked by src/checkpoint/manifest.ts).
kx::RestoreSource restoreSource(const Napi::Object& r) {
  kx::RestoreSource source;
  source.dir = text(r, "dir");
  Napi::Value v = field(r, "parts");
  if (!v.IsArray()) throwCoded(r.Env(), "bad-config", "parts must be an array");
  Napi::Array parts = v.As<Napi::Array>();
  if (parts.Length() > 64) throwCoded(r.Env(), "bad-config", "parts has more than 64 entries");
  for (uint32_t i = 0; i < parts.Length(); ++i) {
    Napi::Object p = object(parts.Get(i), "parts[" + std::to_string(i) + "]");
    source.parts.push_back({text(p, "name"), text(p, "file"), count(p, "bytes"), text(p, "sha256")});
  }
  return source;
}

kx::MachineConfig machineConfig(const Napi::Object& o) {
  kx::MachineConfig c;
  c.kvmDevice = text(o, "kvmDevice");
  c.imagePath = text(o, "imagePath");
  c.imageFormat = imageFormat(o);
  if (c.imageFormat == kx::ImageFormat::Multiboot) c.pc = pcConfig(object(field(o, "pc"), "pc"));
  c.args = text(o, "args");
  c.memoryBytes = count(o, "memoryBytes");
  c.consolePath = text(o, "consolePath");
  readCpu(object(field(o, "cpu"), "cpu"), c);
  Napi::Object machine = object(field(o, "machine"), "machine");
  c.cpus = static_cast<unsigned>(count(machine, "cpus", kx::kMaxCpus));
  static constexpr std::array<const char*, 2> kIrqchips = {"user", "kernel"};
  c.kernelIrqchip = choice(machine, "irqchip", kIrqchips) == 1;
  Napi::Object checkpoint = object(field(o, "checkpoint"), "checkpoint");
  c.checkpoint.dir = text(checkpoint, "dir");
  c.checkpoint.atTicks = count(checkpoint, "atTicks");
  c.checkpoint.atInsts = count(checkpoint, "atInsts");
  c.checkpoint.onGuestRequest = flag(checkpoint, "onGuestRequest");
  c.checkpoint.stopAfter = flag(checkpoint, "stopAfter");
  Napi::Value restore = o.Get("restore");
  if (!restore.IsUndefined()) c.checkpoint.restore = restoreSource(object(restore, "restore"));
  c.cpu.maxTicks = count(o, "maxTicks");
  c.cpu.maxInsts = count(o, "maxInsts");
  c.dumpEveryTicks = count(o, "dumpEveryTicks");
  c.memoryDigest = flag(o, "memoryDigest");
  static constexpr std::array<const char*, 3> kCounters = {"none", "perf", "singlestep"};
  static constexpr std::array<kx::InstructionCounter, 3> kCounterValues = {
      kx::InstructionCounter::None, kx::InstructionCounter::Perf, kx::InstructionCounter::SingleStep};
  c.cpu.counter = kCounterValues[choice(o, "instructionCounter", kCounters)];
  static constexpr std::array<const char*, 2> kUnclaimed = {"count", "fail"};
  c.cpu.unclaimed = choice(o, "unclaimedAccess", kUnclaimed) == 0 ? kx::UnclaimedPolicy::Count : kx::UnclaimedPolicy::Fail;
  return c;
}

Napi::Object statLinesObject(Napi::Env env, const std::vector<kx::StatLine>& lines) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& line : lines) out.Set(line.name, Napi::Number::New(env, line.value));
  return out;
}

Napi::Object statValuesObject(Napi::Env env, const kx::StatValues& values) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& [name, value] : values) out.Set(name, Napi::Number::New(env, static_cast<double>(value)));
  return out;
}

Napi::Array stringArray(Napi::Env env, const std::vector<std::string>& items) {
  Napi::Array out = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) out.Set(i, items[i]);
  return out;
}

std::vector<std::string> strings(const Napi::Object& o, const char* name, uint32_t max) {
  Napi::Value v = field(o, name);
  if (!v.IsArray()) throwCoded(o.Env(), "bad-config", std::string(name) + " must be an array");
  Napi::Array list = v.As<Napi::Array>();
  if (list.Length() > max) throwCoded(o.Env(), "bad-config", std::string(name) + " has more than " + std::to_string(max) + " entries");
  std::vector<std::string> out;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    if (!list.Get(i).IsString()) throwCoded(o.Env(), "bad-config", std::string(name) + "[" + std::to_string(i) + "] must be a string");
    out.push_back(list.Get(i).As<Napi::String>().Utf8Value());
  }
  return out;
}

// guest.files as {guest, host, writable} objects.
std::vector<kx::se::Mount> mounts(const Napi::Object& o) {
  Napi::Value files = field(o, "files");
  if (!files.IsArray()) throwCoded(o.Env(), "bad-config", "files must be an array");
  Napi::Array list = files.As<Napi::Array>();
  std::vector<kx::se::Mount> out;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    Napi::Object f = object(list.Get(i), "files[" + std::to_string(i) + "]");
    out.push_back({text(f, "guest"), text(f, "host"), flag(f, "writable")});
  }
  return out;
}

// An SE run: the machine's common fields, and the `se` object (types.ts, SeSpec).
kx::SeConfig seConfig(const Napi::Object& o, const kx::MachineConfig& common) {
  Napi::Object se = object(field(o, "se"), "se");
  kx::SeConfig c;
  c.kvmDevice = common.kvmDevice;
  c.binaryPath = common.imagePath;
  c.memoryBytes = common.memoryBytes;
  c.cpu = common.cpu;
  c.dumpEveryTicks = common.dumpEveryTicks;
  c.checkpoint = common.checkpoint;
  c.memoryDigest = common.memoryDigest;
  c.exeGuestPath = text(se, "exeGuestPath");
  c.argv = strings(se, "argv", 4096);
  c.env = strings(se, "env", 4096);
  c.mounts = mounts(se);
  c.scratchDir = text(se, "scratchDir");
  c.stdinPath = text(se, "stdinPath");
  c.stdoutPath = text(se, "stdoutPath");
  c.stderrPath = text(se, "stderrPath");
  c.seed = count(se, "seed");
  // Whole seconds since 1970 cross as a number JavaScript holds exactly; nanoseconds would not.
  c.epochNs = static_cast<int64_t>(count(se, "epochSeconds", 1ull << 33)) * 1000000000;
  static constexpr std::array<const char*, 2> kPolicies = {"stop", "enosys"};
  c.unsupportedReturnsEnosys = choice(se, "unsupportedSyscall", kPolicies) == 1;
  c.tracePath = text(se, "tracePath");
  static constexpr std::array<const char*, 2> kClocks = {"simTicks", "calls"};
  c.clock = choice(se, "clock", kClocks) == 0 ? kx::SeClock::SimTicks : kx::SeClock::Calls;
  return c;
}

Napi::Value RunMachine(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!info[0].IsObject()) throwCoded(env, "bad-config", "runMachine expects a configuration object");
    Napi::Object spec = info[0].As<Napi::Object>();
    kx::MachineConfig common = machineConfig(spec);
    kx::MachineResult r = spec.Get("se").IsUndefined() ? kx::runMachine(common) : kx::runSeMachine(seConfig(spec, common));
    Napi::Object out = Napi::Object::New(env);
    out.Set("ok", r.outcome.ok);
    out.Set("exitCause", r.outcome.exitCause);
    out.Set("error", r.outcome.error);
    out.Set("guestStatus", Napi::Number::New(env, static_cast<double>(r.outcome.guestStatus)));
    out.Set("stats", statLinesObject(env, r.stats));
    Napi::Array descriptions = Napi::Array::New(env, r.stats.size());
    for (size_t i = 0; i < r.stats.size(); ++i) descriptions.Set(i, r.stats[i].description);
    out.Set("statDescriptions", descriptions);
    Napi::Array dumps = Napi::Array::New(env, r.dumps.size());
    for (size_t i = 0; i < r.dumps.size(); ++i) dumps.Set(i, statLinesObject(env, r.dumps[i]));
    out.Set("dumps", dumps);
    Napi::Array series = Napi::Array::New(env, r.series.size());
    for (size_t i = 0; i < r.series.size(); ++i) series.Set(i, statLinesObject(env, r.series[i]));
    out.Set("series", series);
    out.Set("kvmStats", statValuesObject(env, r.kvmStats));
    Napi::Object deviceStats = statValuesObject(env, r.deviceStats);
    for (const auto& [name, value] : r.vcpuStats) deviceStats.Set(name, Napi::Number::New(env, static_cast<double>(value)));
    out.Set("deviceStats", deviceStats);
    out.Set("tscHz", r.tscHz);
    out.Set("tscSource", r.tscSource);
    out.Set("timerResolutionNs", Napi::Number::New(env, static_cast<double>(r.timerResolutionNs)));
    out.Set("quantumNs", Napi::Number::New(env, static_cast<double>(r.quantumNs)));
    out.Set("kickCostNs", Napi::Number::New(env, static_cast<double>(r.kickCostNs)));
    out.Set("seriesDropped", Napi::Number::New(env, static_cast<double>(r.seriesDropped)));
    out.Set("coalescing", r.coalescing);
    out.Set("checkpoints", stringArray(env, r.checkpoints));
    out.Set("memoryDigest", r.memoryDigest);
    out.Set("checkpointSeconds", r.checkpointSeconds);
    out.Set("restoreSeconds", r.restoreSeconds);
    return out;
  });
}

Napi::Value CheckSe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = object(info[0], "checkSe's argument");
    kx::checkSe(text(o, "binaryPath"), text(o, "exeGuestPath"), count(o, "memoryBytes"), mounts(o));
    return env.Undefined();
  });
}

Napi::Value CheckImage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    Napi::Object o = object(info[0], "checkImage's argument");
    kx::ImageFormat format = imageFormat(o);
    kx::MultibootBoot boot = format == kx::ImageFormat::Multiboot ? multibootBoot(object(field(o, "boot"), "boot")) : kx::MultibootBoot{};
    kx::LoadedImage image = kx::checkImage(text(o, "imagePath"), format, count(o, "memoryBytes"), boot);
    Napi::Object out = Napi::Object::New(env);
    out.Set("entry", Napi::Number::New(env, static_cast<double>(image.entry)));
    out.Set("lowest", Napi::Number::New(env, static_cast<double>(image.lowest)));
    out.Set("highest", Napi::Number::New(env, static_cast<double>(image.highest)));
    return out;
  });
}

// Opens the device, creates a VM and a vCPU, and lists what the core would
// use: a preflight for the parent and for `doctor`.
Napi::Value ProbeKvm(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    kx::KvmDevice kvm(devicePath(info));
    Napi::Object out = Napi::Object::New(env);
    struct Cap {
      const char* name;
      long id;
    };
    static const Cap caps[] = {
        {"USER_MEMORY", KVM_CAP_USER_MEMORY},     {"SET_TSS_ADDR", KVM_CAP_SET_TSS_ADDR},
        {"COALESCED_MMIO", KVM_CAP_COALESCED_MMIO}, {"COALESCED_PIO", KVM_CAP_COALESCED_PIO},
        {"IMMEDIATE_EXIT", KVM_CAP_IMMEDIATE_EXIT}, {"SET_GUEST_DEBUG", KVM_CAP_SET_GUEST_DEBUG},
        {"USER_NMI", KVM_CAP_USER_NMI},           {"EXIT_HYPERCALL", KVM_CAP_EXIT_HYPERCALL},
        {"BINARY_STATS_FD", KVM_CAP_BINARY_STATS_FD}, {"GET_TSC_KHZ", KVM_CAP_GET_TSC_KHZ},
        {"NR_VCPUS", KVM_CAP_NR_VCPUS},
    };
    Napi::Object capabilities = Napi::Object::New(env);
    for (const Cap& cap : caps) capabilities.Set(cap.name, kvm.checkExtension(cap.id));
    out.Set("capabilities", capabilities);
    Napi::Array required = Napi::Array::New(env);
    uint32_t r = 0;
    for (const kx::RequiredCapability& cap : kx::kRequiredCapabilities) {
      required.Set(r++, cap.name);
      capabilities.Set(cap.name, kvm.checkExtension(cap.id));
    }
    out.Set("requiredCapabilities", required);
    kx::Vm vm(kvm);
    kx::Vcpu vcpu(vm, 0);
    out.Set("tscKhz", Napi::Number::New(env, static_cast<double>(vcpu.tscKhz())));
    kx::BinaryStats stats(vcpu.fd());
    Napi::Array names = Napi::Array::New(env);
    uint32_t i = 0;
    for (const auto& entry : stats.snapshot()) names.Set(i++, entry.first);
    out.Set("kvmStatNames", names);
    return out;
  });
}

// The names a run reports, known without running: the CSV header needs them first.
Napi::Value StatNames(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("cpu", stringArray(env, kx::cpuStatNames()));
  out.Set("devices", stringArray(env, kx::deviceStatNames(false)));
  out.Set("pc", stringArray(env, kx::deviceStatNames(true)));
  out.Set("se", stringArray(env, kx::seStatNames()));
  out.Set("vcpu", stringArray(env, kx::vcpuStatNames()));
  return out;
}

// 0 when a guest instruction counter opens here, else { errno, cause }.
Napi::Value ProbePerf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int err = kx::probeGuestPerf();
  Napi::Object out = Napi::Object::New(env);
  out.Set("errno", err);
  out.Set("error", err == 0 ? std::string() : kx::errnoMessage("perf_event_open", err));
  out.Set("cause", err == 0 ? "" : kx::perfErrnoCause(err));
  return out;
}

// clock_getres(CLOCK_MONOTONIC): the finest quantum the kick timer can honour.
// The values MachineConfig starts with, in the spec's shape, so that a test
// can hold them against the schema's defaults: C++ keeps its own for its unit
// tests, and the two must not drift apart.
Napi::Value CoreDefaults(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const kx::MachineConfig c;
  Napi::Object timer = Napi::Object::New(env);
  timer.Set("quantum", static_cast<double>(c.cpu.quantumNs));
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("hostFactor", c.cpu.clock.hostFactor);
  cpu.Set("clock", c.cpu.clock.clockHz);
  cpu.Set("timer", timer);
  cpu.Set("alwaysSyncTC", c.cpu.alwaysSyncTC);
  cpu.Set("useCoalescedMMIO", c.useCoalescedMMIO);
  Napi::Object out = Napi::Object::New(env);
  out.Set("memoryBytes", static_cast<double>(c.memoryBytes));
  out.Set("cpu", cpu);
  out.Set("maxTicks", static_cast<double>(c.cpu.maxTicks));
  out.Set("maxInsts", static_cast<double>(c.cpu.maxInsts));
  out.Set("dumpEveryTicks", static_cast<double>(c.dumpEveryTicks));
  out.Set("unclaimedAccess", c.cpu.unclaimed == kx::UnclaimedPolicy::Count ? "count" : "fail");
  return out;
}

Napi::Value TimerResolutionNs(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(kx::monotonicResolutionNs()));
}

// What a timer kick costs here, and the quantum floor that follows from it.
Napi::Value MeasureKickCost(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return guarded(env, [&]() -> Napi::Value {
    kx::KickCost kick = kx::measureKickCost(devicePath(info));
    Napi::Object out = Napi::Object::New(env);
    out.Set("medianNs", Napi::Number::New(env, static_cast<double>(kick.medianNs)));
    out.Set("floorNs", Napi::Number::New(env, static_cast<double>(kick.floorNs())));
    return out;
  });
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("timerResolutionNs", Napi::Function::New(env, TimerResolutionNs));
  exports.Set("probePerf", Napi::Function::New(env, ProbePerf));
  exports.Set("statNames", Napi::Function::New(env, StatNames));
  exports.Set("coreDefaults", Napi::Function::New(env, CoreDefaults));
  exports.Set("runMachine", Napi::Function::New(env, RunMachine));
  exports.Set("checkImage", Napi::Function::New(env, CheckImage));
  exports.Set("checkSe", Napi::Function::New(env, CheckSe));
  exports.Set("probeKvm", Napi::Function::New(env, ProbeKvm));
  exports.Set("measureKickCost", Napi::Function::New(env, MeasureKickCost));
  exports.Set("minDumpEveryNs", Napi::Number::New(env, static_cast<double>(kx::kMinDumpEveryTicks) / 1000));
  exports.Set("measureKickBelowNs", Napi::Number::New(env, static_cast<double>(kx::kMeasureKickBelowNs)));
  return exports;
}

}  // namespace

NODE_API_MODULE(kvm_core, Init)
