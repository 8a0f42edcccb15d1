#include "checkpoint/machine_checkpoint.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "checkpoint/manifest_json.hh"
#include "checkpoint/folder_archive.hh"
#include "checkpoint/host_record.hh"
#include "checkpoint/memory_image.hh"
#include "kvm/vcpu_state.hh"
#include "sim/core_error.hh"

namespace kx {

namespace {

constexpr uint64_t kMaxStateBytes = 64ull << 20;    // a vCPU's or every device's state: far below this
constexpr uint64_t kMaxFileBytes = 1ull << 30;  // what a guest printed or wrote into its scratch folder

const PartRecord& partNamed(const RestoreSource& source, const std::string& name) {
  for (const PartRecord& p : source.parts)
    if (p.name == name) return p;
  throw CoreError("checkpoint-corrupt", source.dir + ": the manifest lists no part \"" + name + "\"");
}

// Version 2 added the KVM capabilities and the kernel's release (host_record.hh).
constexpr uint32_t kMachineRecordVersion = 2;

HostRecord thisHost(const MachineParts& m) { return describeHost(m.kvm, m.cpuid, m.vcpus.front()->xsaveSize()); }

std::vector<uint8_t> machineRecord(const MachineParts& m) {
  StateWriter out;
  out.put<uint32_t>(kMachineRecordVersion);
  encodeHostRecord(out, thisHost(m));
  out.put(m.vm.getClock());
  return out.bytes();
}

void restoreMachineRecord(const RestoreSource& source, MachineParts& m) {
  std::vector<uint8_t> bytes = readPart(source.dir, partNamed(source, "machine"), kMaxStateBytes);
  StateReader in(bytes, "machine record");
  uint32_t version = in.get<uint32_t>();
  if (version != kMachineRecordVersion)
    throw CoreError("checkpoint-corrupt", "machine record version " + std::to_string(version) + ", this build reads " +
                                              std::to_string(kMachineRecordVersion));
  checkSameHost(decodeHostRecord(in), thisHost(m));
  kvm_clock_data clock = in.get<kvm_clock_data>();
  in.finish();
  m.vm.setClock(clock);
}

uint64_t committedInsts(const MachineParts& m) {
  uint64_t sum = 0;
  for (const KvmCpu* cpu : m.cpus) sum += cpu->counters().committedInsts;
  return sum;
}

// The parts vcpu0, vcpu1, ... say how many vCPUs the checkpointed machine had.
void checkVcpuCount(const RestoreSource& source, size_t here) {
  size_t saved = 0;
  while (std::any_of(source.parts.begin(), source.parts.end(),
                     [&](const PartRecord& p) { return p.name == "vcpu" + std::to_string(saved); }))
    ++saved;
  if (saved != here)
    throw CoreError("checkpoint-incompatible", "the checkpoint is of a machine with " + std::to_string(saved) +
                                                   " vCPUs; this one has machine.cpus: " + std::to_string(here));
}

void restoreVcpu(const RestoreSource& source, size_t index, MachineParts& m) {
  const std::string name = "vCPU " + std::to_string(index) + " state";
  std::vector<uint8_t> bytes = readPart(source.dir, partNamed(source, "vcpu" + std::to_string(index)), kMaxStateBytes);
  StateReader in(bytes, name);
  VcpuState state = decodeVcpuState(in);
  in.finish();
  if (state.lapic.has_value() != m.kernelIrqchip)
    throw CoreError("checkpoint-incompatible", std::string("the checkpoint was taken ") + (m.kernelIrqchip ? "without" : "with") +
                                                   " the in-kernel irqchip; this run has machine.irqchip: " + (m.kernelIrqchip ? "kernel" : "user"));
  Vcpu& vcpu = *m.vcpus[index];
  if (state.xsave.size() != vcpu.xsaveSize())
    throw CoreError("checkpoint-corrupt", name + ": an XSAVE area of " + std::to_string(state.xsave.size()) + " bytes, not " +
                                              std::to_string(vcpu.xsaveSize()));
  applyVcpuState(vcpu, state);
}

std::vector<uint8_t> devicesRecord(const std::vector<Device*>& devices) {
  StateWriter out;
  out.put<uint32_t>(1);
  out.put<uint64_t>(devices.size());
  for (const Device* d : devices) {
    StateWriter state;
    d->saveState(state);
    out.putString(d->name());
    out.putBytes(state.bytes().data(), state.bytes().size());
  }
  return out.bytes();
}

std::string deviceNames(const std::vector<std::string>& names) {
  std::string all;
  for (const std::string& n : names) all += (all.empty() ? "" : ", ") + n;
  return all.empty() ? "none" : all;
}

void restoreDevices(const RestoreSource& source, const std::vector<Device*>& devices) {
  std::vector<uint8_t> bytes = readPart(source.dir, partNamed(source, "devices"), kMaxStateBytes);
  StateReader in(bytes, "device states");
  uint32_t version = in.get<uint32_t>();
  if (version != 1) throw CoreError("checkpoint-corrupt", "device states version " + std::to_string(version) + ", this build reads 1");
  uint64_t count = in.get<uint64_t>();
  if (count > 1024) throw CoreError("checkpoint-corrupt", "device states: " + std::to_string(count) + " devices");
  std::vector<std::string> saved;
  std::vector<std::vector<uint8_t>> states;
  for (uint64_t i = 0; i < count; ++i) {
    saved.push_back(in.getString(64));
    states.push_back(in.getBytes(kMaxStateBytes));
  }
  in.finish();
  std::vector<std::string> here;
  for (const Device* d : devices) here.push_back(d->name());
  if (saved != here)
    throw CoreError("checkpoint-incompatible", "the checkpoint's machine has the devices " + deviceNames(saved) + "; this one has " +
                                                   deviceNames(here) + " (another guest kind or another build)");
  for (size_t i = 0; i < devices.size(); ++i) {
    StateReader state(states[i], std::string("device ") + devices[i]->name());
    devices[i]->loadState(state);
    state.finish();
  }
}

std::vector<uint8_t> kernelRecord(const KernelCounters& kernel) {
  StateWriter out;
  out.put<uint32_t>(1);
  StatValues counts = kernel.sinceStart();
  out.put<uint64_t>(counts.size());
  for (const auto& [name, value] : counts) {
    out.putString(name);
    out.put<uint64_t>(value);
  }
  return out.bytes();
}

void restoreKernelCounters(const RestoreSource& source, KernelCounters& kernel) {
  std::vector<uint8_t> bytes = readPart(source.dir, partNamed(source, "kernel"), kMaxStateBytes);
  StateReader in(bytes, "kernel counters");
  uint32_t version = in.get<uint32_t>();
  if (version != 1) throw CoreError("checkpoint-corrupt", "kernel counters version " + std::to_string(version) + ", this build reads 1");
  uint64_t count = in.get<uint64_t>();
  if (count > 4096) throw CoreError("checkpoint-corrupt", "kernel counters: " + std::to_string(count) + " of them");
  StatValues counts;
  for (uint64_t i = 0; i < count; ++i) {
    std::string name = in.getString(256);
    counts.emplace_back(name, in.get<uint64_t>());
  }
  in.finish();
  kernel.carry(std::move(counts));
}

std::vector<uint8_t> fileBytes(const CarriedFile& file) {
  if (file.path.empty()) return {};  // a run that keeps no such file
  if (file.stream) std::fflush(file.stream);
  std::FILE* f = std::fopen(file.path.c_str(), "rb");
  if (!f) {
    if (errno == ENOENT) return {};  // nothing written yet
    throw CoreError("checkpoint-io", errnoMessage("cannot read " + file.path, errno));
  }
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, f)) > 0) bytes.insert(bytes.end(), buffer, buffer + got);
  bool failed = std::ferror(f);
  std::fclose(f);
  if (failed) throw CoreError("checkpoint-io", "cannot read " + file.path);
  return bytes;
}

void restoreFile(const CarriedFile& file, const std::vector<uint8_t>& bytes) {
  if (file.path.empty()) return;
  std::FILE* out = file.stream ? file.stream : std::fopen(file.path.c_str(), "wb");
  if (!out) throw CoreError("checkpoint-io", errnoMessage("cannot create " + file.path, errno));
  bool ok = std::fwrite(bytes.data(), 1, bytes.size(), out) == bytes.size() && std::fflush(out) == 0;
  if (!file.stream) ok = std::fclose(out) == 0 && ok;
  if (!ok) throw CoreError("checkpoint-io", errnoMessage("cannot write the restored " + file.path, errno));
}

void writeManifest(const std::string& dir, const MachineParts& m, const std::string& reason, const std::vector<PartRecord>& parts) {
  JsonWriter w;
  w.beginObject();
  w.key("format");
  w.value("kvm-experiments checkpoint");
  w.key("version");
  w.value(kCheckpointVersion);
  w.key("reason");
  w.value(reason);
  w.key("simTicks");
  w.value(m.bootCpu().now());
  w.key("ticksSinceStart");
  w.value(m.bootCpu().ticksSinceStart());
  w.key("committedInsts");
  w.value(committedInsts(m));
  w.key("platform");
  w.value(m.platform);
  w.key("cpus");
  w.value(static_cast<uint64_t>(m.cpus.size()));
  w.key("memoryBytes");
  w.value(static_cast<uint64_t>(m.memory.size()));
  w.key("parts");
  w.beginArray();
  for (const PartRecord& p : parts) {
    w.beginObject();
    w.key("name");
    w.value(p.name);
    w.key("file");
    w.value(p.file);
    w.key("bytes");
    w.value(p.bytes);
    w.key("sha256");
    w.value(p.sha256);
    w.endObject();
  }
  w.endArray();
  w.endObject();
  writeFileAtomically(dir + "/manifest.json", w.text());
}

void makeFreshDir(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);  // a .tmp left by a run killed mid-way
  if (!std::filesystem::create_directories(path, ec) && ec)
    throw CoreError("checkpoint-io", "cannot create the checkpoint folder " + path + ": " + ec.message());
}

}  // namespace

std::string writeCheckpoint(const std::string& parent, const MachineParts& m, const std::string& reason) {
  const std::string final = parent + "/cpt." + std::to_string(m.bootCpu().ticksSinceStart());
  const std::string tmp = final + ".tmp";
  makeFreshDir(tmp);
  std::vector<PartRecord> parts;
  parts.push_back(writeMemoryImage(tmp, m.memory));
  parts.push_back(writePart(tmp, "machine", machineRecord(m)));
  for (size_t i = 0; i < m.vcpus.size(); ++i) {
    StateWriter vcpu;
    encodeVcpuState(vcpu, captureVcpuState(*m.vcpus[i], m.kvm, m.kernelIrqchip));
    parts.push_back(writePart(tmp, "vcpu" + std::to_string(i), vcpu.bytes()));
    StateWriter cpu;
    m.cpus[i]->saveState(cpu);
    parts.push_back(writePart(tmp, "cpu" + std::to_string(i), cpu.bytes()));
  }
  parts.push_back(writePart(tmp, "devices", devicesRecord(m.devices)));
  parts.push_back(writePart(tmp, "kernel", kernelRecord(m.kernel)));
  // The states before the files: saving one may flush what a file holds (SE mode's trace).
  for (const StatePart& state : m.states) {
    StateWriter out;
    state.save(out);
    parts.push_back(writePart(tmp, state.name, out.bytes()));
  }
  for (const CarriedFile& file : m.files) parts.push_back(writePart(tmp, file.part, fileBytes(file)));
  if (!m.scratchDir.empty()) parts.push_back(writePart(tmp, "scratch", packFolder(m.scratchDir)));
  writeManifest(tmp, m, reason, parts);
  std::error_code ec;
  std::filesystem::remove_all(final, ec);
  std::filesystem::rename(tmp, final, ec);
  if (ec) throw CoreError("checkpoint-io", "cannot rename " + tmp + " to " + final + ": " + ec.message());
  return final;
}

void restoreCheckpoint(const RestoreSource& source, MachineParts& m) {
  restoreMachineRecord(source, m);
  checkVcpuCount(source, m.vcpus.size());
  readMemoryImage(source.dir, partNamed(source, "memory"), m.memory);
  for (size_t i = 0; i < m.vcpus.size(); ++i) {
    restoreVcpu(source, i, m);
    std::vector<uint8_t> bytes = readPart(source.dir, partNamed(source, "cpu" + std::to_string(i)), kMaxStateBytes);
    StateReader in(bytes, "CPU model state of vCPU " + std::to_string(i));
    m.cpus[i]->loadState(in);
    in.finish();
  }
  restoreDevices(source, m.devices);
  restoreKernelCounters(source, m.kernel);
  for (const CarriedFile& file : m.files) restoreFile(file, readPart(source.dir, partNamed(source, file.part), kMaxFileBytes));
  if (!m.scratchDir.empty()) unpackFolder(readPart(source.dir, partNamed(source, "scratch"), kMaxFileBytes), m.scratchDir);
  for (const StatePart& state : m.states) {
    std::vector<uint8_t> bytes = readPart(source.dir, partNamed(source, state.name), kMaxStateBytes);
    StateReader in(bytes, state.name + " state");
    state.load(in);
    in.finish();
  }
}

}  // namespace kx
