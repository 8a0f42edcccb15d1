#include "se/open_file_state.hh"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "devices/device_state.hh"
#include "se/guest_io.hh"
#include "se/pipe.hh"
#include "se/process_state.hh"
#include "se/stdio_files.hh"

namespace kx::se {
namespace {

const std::string kWhat = "SE open files";

enum class Kind : uint8_t { Host, StdStream, Device, VirtualDirectory, Pipe };

// What a description's status flags can hold: open(2)'s, less those that
// act only while opening; streams and pipes only their access mode and what
// F_SETFL changes.
constexpr int kStatusFlags = kKnownOpenFlags & ~kOpenTimeFlags;
constexpr int kStreamFlags = O_ACCMODE | O_APPEND | O_NONBLOCK;
constexpr int kTmpfileBit = O_TMPFILE & ~O_DIRECTORY;  // O_TMPFILE includes O_DIRECTORY

[[noreturn]] void unsupported(const std::string& message) { throw CoreError("checkpoint-unsupported", message); }
[[noreturn]] void incompatible(const std::string& message) { throw CoreError("checkpoint-incompatible", message); }

// An O_PATH descriptor has no position.
int64_t hostOffset(const OpenFile& file, const std::string& label) {
  if (file.statusFlags() & O_PATH) return 0;
  off_t at = ::lseek(file.hostFd(), 0, SEEK_CUR);
  if (at < 0) unsupported(errnoMessage(label + ": the position in " + file.guestPath(), errno));
  return at;
}

// A restore opens the file again by its guest path, so that must still name it.
void checkReopenable(const OpenFile& file, const std::string& label, const ProcessState& p) {
  const std::string& path = file.guestPath();
  if (file.statusFlags() & kTmpfileBit) unsupported(label + ": an O_TMPFILE file in " + path + " has no name to open it again by");
  FsNode node;
  struct stat now {}, opened {};
  bool same = p.fs.resolve("/", path, false, node) == 0 && node.exists && node.kind == NodeKind::Host &&
              p.fs.stat(node, now) == 0 && file.stat(opened) == 0 && now.st_dev == opened.st_dev &&
              now.st_ino == opened.st_ino;
  if (!same)
    unsupported(label + ": " + path + " was removed or replaced since it was opened, and a restore opens files again by their path");
}

void saveOne(StateWriter& out, const OpenFile& file, const std::string& label, const ProcessState& p,
             const std::map<const PipeBuffer*, uint64_t>& pipeIndex) {
  auto head = [&](Kind kind) {
    out.put<uint8_t>(static_cast<uint8_t>(kind));
    out.put<int32_t>(file.statusFlags());
  };
  if (dynamic_cast<const HostFile*>(&file)) {
    if (std::optional<StdStream> stream = stdStreamOf(file)) {
      head(Kind::StdStream);
      out.put<uint8_t>(static_cast<uint8_t>(*stream));
    } else {
      checkReopenable(file, label, p);
      head(Kind::Host);
      out.putString(file.guestPath());
    }
    out.put<int64_t>(hostOffset(file, label));
  } else if (dynamic_cast<const DeviceFile*>(&file)) {
    head(Kind::Device);
    out.putString(file.guestPath());
  } else if (const auto* dir = dynamic_cast<const VirtualDirectory*>(&file)) {
    head(Kind::VirtualDirectory);
    out.putString(file.guestPath());
    out.put<uint64_t>(dir->position());
  } else if (const auto* end = dynamic_cast<const PipeEnd*>(&file)) {
    head(Kind::Pipe);
    out.put<uint64_t>(pipeIndex.at(end->buffer().get()));
  } else {
    unsupported(label + ": " + file.guestPath() + " is a kind of file a checkpoint cannot hold");
  }
}

void checkStatus(int status, int allowed, const std::string& where) {
  if (status & ~allowed) stateOutOfRange(where, "status flags", hex(static_cast<uint32_t>(status)));
}

// What `path` names here, which must be an existing node of `kind`.
FsNode resolveAs(const ProcessState& p, const std::string& path, NodeKind kind, const std::string& label) {
  FsNode node;
  int err = p.fs.resolve("/", path, false, node);
  if (err == 0 && !node.exists) err = -ENOENT;
  if (err != 0) incompatible(errnoMessage(label + ": " + path + " does not open again", -err));
  if (node.kind != kind) incompatible(label + ": " + path + " is another kind of file here than in the checkpoint");
  return node;
}

// A shorter file than at the checkpoint is still opened: the position may lie past its end, as it may in Linux.
void seekTo(int fd, int64_t offset, const std::string& label, const std::string& path) {
  if (::lseek(fd, offset, SEEK_SET) != offset)
    incompatible(errnoMessage(label + ": " + path + ": going back to offset " + std::to_string(offset), errno));
}

std::shared_ptr<OpenFile> loadOne(StateReader& in, ProcessState& p, const std::vector<std::shared_ptr<PipeBuffer>>& pipes,
                                  const std::string& label) {
  const std::string where = kWhat + ": " + label;
  auto kind = in.get<uint8_t>();
  int status = in.get<int32_t>();
  switch (static_cast<Kind>(kind)) {
    case Kind::Host: {
      std::string path = in.getString(kPathMax);
      auto offset = in.get<int64_t>();
      checkStatus(status, kStatusFlags & ~kTmpfileBit, where);
      if (offset < 0 || ((status & O_PATH) && offset != 0)) stateOutOfRange(where, "offset", std::to_string(offset));
      FsNode node = resolveAs(p, path, NodeKind::Host, label);
      // The status holds no O_CREAT, O_EXCL or O_TRUNC: a file the program
      // created and wrote is opened as it is now.
      HostFd fd(p.fs.open(node, status & kHostOpenFlags, 0));
      if (!fd.valid()) incompatible(errnoMessage(label + ": " + path + " does not open again", -fd.get()));
      if (!(status & O_PATH)) seekTo(fd.get(), offset, label, path);
      return std::make_shared<HostFile>(std::move(fd), status, node.guestPath);
    }
    case Kind::StdStream: {
      auto which = in.get<uint8_t>();
      auto offset = in.get<int64_t>();
      if (which > static_cast<uint8_t>(StdStream::Err)) stateOutOfRange(where, "stream", std::to_string(which));
      auto stream = static_cast<StdStream>(which);
      checkStatus(status, kStreamFlags | abi::kOLargefile, where);
      if ((status & O_ACCMODE) != (stream == StdStream::In ? O_RDONLY : O_WRONLY))
        stateOutOfRange(where, "access mode", std::to_string(status & O_ACCMODE));
      if (offset < 0) stateOutOfRange(where, "offset", std::to_string(offset));
      HostFd fd = reopenStdStream(stream, p.config, status, label);
      seekTo(fd.get(), offset, label, stdStreamGuestPath(stream));
      return std::make_shared<HostFile>(std::move(fd), status, stdStreamGuestPath(stream));
    }
    case Kind::Device: {
      std::string path = in.getString(kPathMax);
      checkStatus(status, kStatusFlags, where);
      FsNode node = resolveAs(p, path, NodeKind::Device, label);
      return std::make_shared<DeviceFile>(node.device, p.random, status, node.guestPath);
    }
    case Kind::VirtualDirectory: {
      std::string path = in.getString(kPathMax);
      auto position = in.get<uint64_t>();
      checkStatus(status, kStatusFlags, where);
      FsNode node = resolveAs(p, path, NodeKind::VirtualDir, label);
      auto dir = std::make_shared<VirtualDirectory>(p.fs.virtualEntries(node.guestPath), status, node.guestPath);
      if (position > INT64_MAX || dir->seek(static_cast<int64_t>(position), SEEK_SET) < 0)
        stateOutOfRange(where, "directory position", std::to_string(position));
      return dir;
    }
    case Kind::Pipe: {
      auto index = in.get<uint64_t>();
      if (index >= pipes.size()) stateOutOfRange(where, "pipe", std::to_string(index));
      checkStatus(status, kStreamFlags, where);
      int mode = status & O_ACCMODE;
      if (mode != O_RDONLY && mode != O_WRONLY) stateOutOfRange(where, "access mode", std::to_string(mode));
      return std::make_shared<PipeEnd>(pipes[index], status);
    }
  }
  stateOutOfRange(where, "kind", std::to_string(kind));
}

}  // namespace

uint64_t OpenFileSaver::indexOf(const std::shared_ptr<OpenFile>& file, const std::string& label) {
  auto [it, added] = index_.emplace(file.get(), files_.size());
  if (added) {
    files_.push_back(file);
    labels_.push_back(label);
  }
  return it->second;
}

void OpenFileSaver::save(StateWriter& out, const ProcessState& p) const {
  std::vector<std::shared_ptr<PipeBuffer>> pipes;
  std::map<const PipeBuffer*, uint64_t> pipeIndex;
  for (const std::shared_ptr<OpenFile>& file : files_)
    if (const auto* end = dynamic_cast<const PipeEnd*>(file.get()))
      if (pipeIndex.emplace(end->buffer().get(), pipes.size()).second) pipes.push_back(end->buffer());
  out.put<uint64_t>(pipes.size());
  for (const std::shared_ptr<PipeBuffer>& pipe : pipes) {
    out.put<uint64_t>(pipe->inode);
    std::vector<uint8_t> bytes(pipe->bytes.begin(), pipe->bytes.end());
    out.putBytes(bytes.data(), bytes.size());
  }
  out.put<uint64_t>(files_.size());
  for (size_t i = 0; i < files_.size(); ++i) saveOne(out, *files_[i], labels_[i], p, pipeIndex);
}

std::vector<std::shared_ptr<OpenFile>> loadOpenFiles(StateReader& in, ProcessState& p, uint64_t nextPipeInode,
                                                     const std::map<uint64_t, std::string>& labels) {
  uint64_t pipeCount = in.get<uint64_t>();
  std::vector<std::shared_ptr<PipeBuffer>> pipes;
  for (uint64_t i = 0; i < pipeCount; ++i) {
    auto pipe = std::make_shared<PipeBuffer>();
    pipe->inode = in.get<uint64_t>();
    if (pipe->inode == 0 || pipe->inode >= nextPipeInode) stateOutOfRange(kWhat, "pipe inode", std::to_string(pipe->inode));
    std::vector<uint8_t> bytes = in.getBytes(PipeBuffer::kCapacity);
    pipe->bytes.assign(bytes.begin(), bytes.end());
    pipes.push_back(std::move(pipe));
  }
  uint64_t count = in.get<uint64_t>();
  std::vector<std::shared_ptr<OpenFile>> files;
  for (uint64_t i = 0; i < count; ++i) {
    auto label = labels.find(i);
    files.push_back(loadOne(in, p, pipes, label != labels.end() ? label->second : "open file " + std::to_string(i)));
  }
  return files;
}

}  // namespace kx::se
