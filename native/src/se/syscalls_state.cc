// Syscalls in a checkpoint: the call counts, the process's bookkeeping (cwd,
// umask, limits, signals, thread registers as last set), its randomness, and
// its fds and file mappings with the open files they refer to
// (se/open_file_state.hh). Guest memory, and with it the address space, is
// saved apart.
#include <sys/resource.h>

#include <algorithm>

#include "devices/device_state.hh"
#include "se/guest_io.hh"
#include "se/open_file_state.hh"
#include "se/process_state.hh"
#include "se/syscall_trace.hh"
#include "se/user_layout.hh"

namespace kx::se {
namespace {

constexpr uint32_t kStateVersion = 1;
const std::string kWhat = "SE process";

// What the sandbox gives as a cwd: absolute, without empty, "." or ".." components.
bool canonicalPath(const std::string& path) {
  if (path == "/") return true;
  if (path.empty() || path[0] != '/' || path.back() == '/') return false;
  for (size_t at = 1; at <= path.size();) {
    size_t next = std::min(path.find('/', at), path.size());
    std::string part = path.substr(at, next - at);
    if (part.empty() || part == "." || part == "..") return false;
    at = next + 1;
  }
  return true;
}

std::string mappingLabel(uint64_t start) { return "the file mapping at " + hex(start); }

}  // namespace

void Syscalls::saveState(StateWriter& out) const {
  // The machine copies the trace file: what is recorded must be in it.
  if (trace_) trace_->flush();
  const ProcessState& p = *state_;
  out.put<uint32_t>(kStateVersion);
  out.put<uint64_t>(numSyscalls_);
  uint64_t counted = static_cast<uint64_t>(std::count_if(perCall_.begin(), perCall_.end(), [](uint64_t n) { return n > 0; }));
  out.put<uint64_t>(counted);
  for (uint64_t nr = 0; nr < perCall_.size(); ++nr)
    if (perCall_[nr] > 0) {
      out.put<uint64_t>(nr);
      out.put<uint64_t>(perCall_[nr]);
    }
  out.put<uint64_t>(p.bytesRead);
  out.put<uint64_t>(p.bytesWritten);
  p.random.saveState(out);
  out.putString(p.fs.cwd());
  out.put<uint32_t>(p.umask);
  for (const abi::Rlimit& limit : p.limits) out.put(limit);
  p.signals.saveState(out);
  for (uint64_t value : {p.fsBase, p.gsBase, p.clearChildTid, p.robustList, p.nextPipeInode}) out.put<uint64_t>(value);

  OpenFileSaver files;
  std::vector<FdTable::Entry> fds = p.fds.entries();
  out.put<uint64_t>(fds.size());
  for (const FdTable::Entry& entry : fds) {
    out.put<int32_t>(entry.fd);
    putStateBool(out, entry.closeOnExec);
    out.put<uint64_t>(files.indexOf(entry.file, "fd " + std::to_string(entry.fd)));
  }
  std::vector<FileMappings::Range> mappings = p.fileMappings.list();
  out.put<uint64_t>(mappings.size());
  for (const FileMappings::Range& range : mappings) {
    out.put<uint64_t>(range.start);
    out.put<uint64_t>(range.end);
    out.put<uint64_t>(files.indexOf(range.file, mappingLabel(range.start)));
    out.put<uint64_t>(range.offset);
  }
  files.save(out, p);
}

void Syscalls::loadState(StateReader& in) {
  ProcessState& p = *state_;
  getStateVersion(in, kWhat, kStateVersion);
  uint64_t numSyscalls = in.get<uint64_t>();
  std::vector<uint64_t> perCall(perCall_.size());
  uint64_t counted = in.get<uint64_t>(), sum = 0;
  for (uint64_t i = 0, previous = 0; i < counted; ++i) {
    uint64_t nr = in.get<uint64_t>(), n = in.get<uint64_t>();
    if (nr >= perCall.size() || (i > 0 && nr <= previous)) stateOutOfRange(kWhat, "call number", std::to_string(nr));
    if (n == 0 || n > numSyscalls - sum) stateOutOfRange(kWhat, "call count", std::to_string(n));
    perCall[nr] = n;
    sum += n;
    previous = nr;
  }
  // Every call counts once in both.
  if (sum != numSyscalls)
    throw CoreError("checkpoint-corrupt", kWhat + ": the calls by number add up to " + std::to_string(sum) + ", not numSyscalls " +
                                              std::to_string(numSyscalls));
  uint64_t bytesRead = in.get<uint64_t>(), bytesWritten = in.get<uint64_t>();
  RandomStream random(0);
  random.loadState(in);
  std::string cwd = in.getString(kPathMax);
  if (!canonicalPath(cwd)) stateOutOfRange(kWhat, "cwd", "\"" + cwd + "\"");
  uint32_t umask = in.get<uint32_t>();
  if (umask & ~0777u) stateOutOfRange(kWhat, "umask", hex(umask));
  abi::Rlimit limits[abi::kRlimitCount];
  for (abi::Rlimit& limit : limits) {
    limit = in.get<abi::Rlimit>();
    if (limit.cur > limit.max) stateOutOfRange(kWhat, "resource limit", std::to_string(&limit - limits));
  }
  // The hard limit is never raised, and starts at the table's bound.
  if (limits[RLIMIT_NOFILE].max > static_cast<uint64_t>(FdTable::kDefaultLimit))
    stateOutOfRange(kWhat, "RLIMIT_NOFILE", std::to_string(limits[RLIMIT_NOFILE].max));
  SignalState signals;
  signals.loadState(in);
  uint64_t fsBase = in.get<uint64_t>(), gsBase = in.get<uint64_t>();
  if (fsBase >= abi::kTaskSizeMax) stateOutOfRange(kWhat, "FS base", hex(fsBase));
  if (gsBase >= abi::kTaskSizeMax) stateOutOfRange(kWhat, "GS base", hex(gsBase));
  uint64_t clearChildTid = in.get<uint64_t>(), robustList = in.get<uint64_t>(), nextPipeInode = in.get<uint64_t>();
  if (nextPipeInode == 0) stateOutOfRange(kWhat, "next pipe inode", "0");

  std::map<uint64_t, std::string> labels;  // the first fd or mapping that names a description
  struct FdEntry {
    int fd;
    bool closeOnExec;
    uint64_t file;
  };
  std::vector<FdEntry> fds;
  uint64_t fdCount = in.get<uint64_t>();
  if (fdCount > static_cast<uint64_t>(FdTable::kDefaultLimit)) stateOutOfRange(kWhat, "fd count", std::to_string(fdCount));
  for (uint64_t i = 0; i < fdCount; ++i) {
    int fd = in.get<int32_t>();
    if (fd < 0 || fd >= FdTable::kDefaultLimit || (!fds.empty() && fd <= fds.back().fd))
      stateOutOfRange(kWhat, "fd", std::to_string(fd));
    bool closeOnExec = getStateBool(in, kWhat, "close-on-exec");
    uint64_t file = in.get<uint64_t>();
    fds.push_back({fd, closeOnExec, file});
    labels.emplace(file, "fd " + std::to_string(fd));
  }
  std::vector<FileMappings::Range> ranges;
  std::vector<uint64_t> rangeFiles;
  uint64_t rangeCount = in.get<uint64_t>();
  for (uint64_t i = 0; i < rangeCount; ++i) {
    FileMappings::Range r{in.get<uint64_t>(), in.get<uint64_t>(), nullptr, 0};
    uint64_t file = in.get<uint64_t>();
    r.offset = in.get<uint64_t>();
    bool placed = pageAligned(r.start) && pageAligned(r.end) && r.start < r.end && r.end <= kUserEnd &&
                  (ranges.empty() || r.start >= ranges.back().end);
    if (!placed) stateOutOfRange(kWhat, "file mapping", "[" + hex(r.start) + ", " + hex(r.end) + ")");
    if (!pageAligned(r.offset) || r.offset > static_cast<uint64_t>(INT64_MAX) - (r.end - r.start))
      stateOutOfRange(kWhat, "file mapping offset", hex(r.offset));
    ranges.push_back(r);
    rangeFiles.push_back(file);
    labels.emplace(file, mappingLabel(r.start));
  }
  std::vector<std::shared_ptr<OpenFile>> files = loadOpenFiles(in, p, nextPipeInode, labels);
  auto fileAt = [&](uint64_t index, const std::string& label) {
    if (index >= files.size()) stateOutOfRange(kWhat, (label + " open file").c_str(), std::to_string(index));
    return files[index];
  };

  FdTable table(static_cast<int>(std::min<uint64_t>(limits[RLIMIT_NOFILE].cur, FdTable::kDefaultLimit)));
  for (const FdEntry& entry : fds) table.installAt(entry.fd, fileAt(entry.file, "fd " + std::to_string(entry.fd)), entry.closeOnExec);
  FileMappings mappings;
  for (size_t i = 0; i < ranges.size(); ++i) {
    std::shared_ptr<OpenFile> file = fileAt(rangeFiles[i], mappingLabel(ranges[i].start));
    if (file->mappable() != Mappable::HostFile)
      throw CoreError("checkpoint-corrupt", kWhat + ": " + mappingLabel(ranges[i].start) + " maps " + file->guestPath() + ", no host file");
    mappings.add(ranges[i].start, ranges[i].end - ranges[i].start, std::move(file), ranges[i].offset);
  }
  // Appending after the lines the machine has put back in the file.
  std::unique_ptr<SyscallTrace> trace;
  if (trace_) trace = std::make_unique<SyscallTrace>(p.config.tracePath, SyscallTrace::Mode::Append);

  numSyscalls_ = numSyscalls;
  perCall_ = std::move(perCall);
  p.bytesRead = bytesRead;
  p.bytesWritten = bytesWritten;
  p.random = random;  // in place: the open devices hold a reference to it
  p.fs.setCwd(cwd);
  p.umask = umask;
  std::copy(std::begin(limits), std::end(limits), std::begin(p.limits));
  p.signals = signals;
  p.fsBase = fsBase;
  p.gsBase = gsBase;
  p.clearChildTid = clearChildTid;
  p.robustList = robustList;
  p.nextPipeInode = nextPipeInode;
  p.fds = std::move(table);
  p.fileMappings = std::move(mappings);
  if (trace) trace_ = std::move(trace);
}

}  // namespace kx::se
