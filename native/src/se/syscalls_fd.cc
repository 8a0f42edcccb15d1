// Calls on open fds: data moves through the one bounce buffer, a chunk at a
// time, and a fault part way ends the transfer with the bytes moved so far.
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "se/guest_io.hh"
#include "se/pipe.hh"
#include "se/syscall_handlers.hh"

namespace kx::se {
namespace {

constexpr int kUioMaxIov = 1024;

SyscallOutcome ret(int64_t value) { return SyscallOutcome::returning(value); }

bool canRead(const OpenFile& file) {
  int mode = file.statusFlags() & O_ACCMODE;
  return !(file.statusFlags() & O_PATH) && (mode == O_RDONLY || mode == O_RDWR);
}

bool canWrite(const OpenFile& file) {
  int mode = file.statusFlags() & O_ACCMODE;
  return !(file.statusFlags() & O_PATH) && (mode == O_WRONLY || mode == O_RDWR);
}

// An open fd that is not O_PATH, or null.
std::shared_ptr<OpenFile> usableFile(ProcessState& p, uint64_t fdArg) {
  std::shared_ptr<OpenFile> file = p.fds.get(intArg(fdArg));
  return file && !(file->statusFlags() & O_PATH) ? file : nullptr;
}

// From `file` into guest memory; offset -1 reads at the file position.
int64_t readToGuest(ProcessState& p, OpenFile& file, uint64_t va, uint64_t len, int64_t offset) {
  len = std::min(len, kMaxRwCount);
  uint64_t done = 0;
  int64_t error = 0;
  while (done < len) {
    uint64_t want = std::min(len - done, kChunk);
    uint64_t room = writablePrefix(p.memory, va + done, want, p.bounce.data());
    if (room == 0) {
      error = -EFAULT;
      break;
    }
    int64_t n = file.read(p.bounce.data(), room, offset < 0 ? -1 : offset + static_cast<int64_t>(done));
    if (n < 0) {
      error = n;
      break;
    }
    p.memory.copyOut(va + done, p.bounce.data(), static_cast<uint64_t>(n));  // just found writable
    done += static_cast<uint64_t>(n);
    if (static_cast<uint64_t>(n) < want) break;  // end of file, an empty pipe, or a fault next
  }
  p.bytesRead += done;
  return done > 0 ? static_cast<int64_t>(done) : error;
}

int64_t writeFromGuest(ProcessState& p, OpenFile& file, uint64_t va, uint64_t len, int64_t offset) {
  len = std::min(len, kMaxRwCount);
  uint64_t done = 0;
  int64_t error = 0;
  while (done < len) {
    uint64_t want = std::min(len - done, kChunk);
    uint64_t have = copyInPrefix(p.memory, va + done, p.bounce.data(), want);
    if (have == 0) {
      error = -EFAULT;
      break;
    }
    int64_t n = file.write(p.bounce.data(), have, offset < 0 ? -1 : offset + static_cast<int64_t>(done));
    if (n < 0) {
      error = n;
      break;
    }
    done += static_cast<uint64_t>(n);
    if (static_cast<uint64_t>(n) < want) break;
  }
  p.bytesWritten += done;
  return done > 0 ? static_cast<int64_t>(done) : error;
}

// -EAGAIN from a pipe end is the answer only when the fd is O_NONBLOCK.
SyscallOutcome transferOutcome(int64_t result, const OpenFile& file, const char* call, uint64_t fdArg) {
  if (result == -EAGAIN && !(file.statusFlags() & O_NONBLOCK))
    return blocksForever(std::string(call) + " on fd " + std::to_string(intArg(fdArg)) + " (" + file.guestPath() + ")");
  return ret(result);
}

SyscallOutcome readOrWrite(ProcessState& p, const SyscallRequest& r, bool isWrite, int64_t offset, const char* call) {
  std::shared_ptr<OpenFile> file = p.fds.get(intArg(r.args[0]));
  if (!file || !(isWrite ? canWrite(*file) : canRead(*file))) return ret(-EBADF);
  if (!inUserSpace(r.args[1], r.args[2])) return ret(-EFAULT);
  int64_t result = isWrite ? writeFromGuest(p, *file, r.args[1], r.args[2], offset)
                           : readToGuest(p, *file, r.args[1], r.args[2], offset);
  return transferOutcome(result, *file, call, r.args[0]);
}

SyscallOutcome positioned(ProcessState& p, const SyscallRequest& r, bool isWrite, const char* call) {
  auto offset = static_cast<int64_t>(r.args[3]);
  if (offset < 0 || std::min(r.args[2], kMaxRwCount) > static_cast<uint64_t>(INT64_MAX - offset)) return ret(-EINVAL);
  return readOrWrite(p, r, isWrite, offset, call);
}

SyscallOutcome vectored(ProcessState& p, const SyscallRequest& r, bool isWrite, const char* call) {
  std::shared_ptr<OpenFile> file = p.fds.get(intArg(r.args[0]));
  if (!file || !(isWrite ? canWrite(*file) : canRead(*file))) return ret(-EBADF);
  int count = intArg(r.args[2]);
  if (count < 0 || count > kUioMaxIov) return ret(-EINVAL);
  std::vector<abi::Iovec> iov(static_cast<size_t>(count));
  if (count > 0 && !p.memory.copyIn(r.args[1], iov.data(), iov.size() * sizeof(abi::Iovec))) return ret(-EFAULT);
  // As Linux's import_iovec: negative lengths are invalid, the total is cut
  // to MAX_RW_COUNT, and every segment must lie in user space.
  uint64_t total = 0;
  for (abi::Iovec& v : iov) {
    if (static_cast<int64_t>(v.len) < 0) return ret(-EINVAL);
    v.len = std::min(v.len, kMaxRwCount - total);
    total += v.len;
    if (!inUserSpace(v.base, v.len)) return ret(-EFAULT);
  }
  int64_t done = 0;
  for (const abi::Iovec& v : iov) {
    if (v.len == 0) continue;
    int64_t n = isWrite ? writeFromGuest(p, *file, v.base, v.len, -1) : readToGuest(p, *file, v.base, v.len, -1);
    if (n < 0) {
      if (done == 0) return transferOutcome(n, *file, call, r.args[0]);
      break;
    }
    done += n;
    if (static_cast<uint64_t>(n) < v.len) break;
  }
  return ret(done);
}

}  // namespace

SyscallOutcome sysRead(ProcessState& p, const SyscallRequest& r) { return readOrWrite(p, r, false, -1, "read"); }
SyscallOutcome sysWrite(ProcessState& p, const SyscallRequest& r) { return readOrWrite(p, r, true, -1, "write"); }
SyscallOutcome sysPread64(ProcessState& p, const SyscallRequest& r) { return positioned(p, r, false, "pread64"); }
SyscallOutcome sysPwrite64(ProcessState& p, const SyscallRequest& r) { return positioned(p, r, true, "pwrite64"); }
SyscallOutcome sysReadv(ProcessState& p, const SyscallRequest& r) { return vectored(p, r, false, "readv"); }
SyscallOutcome sysWritev(ProcessState& p, const SyscallRequest& r) { return vectored(p, r, true, "writev"); }

SyscallOutcome sysLseek(ProcessState& p, const SyscallRequest& r) {
  std::shared_ptr<OpenFile> file = usableFile(p, r.args[0]);
  if (!file) return ret(-EBADF);
  unsigned whence = static_cast<uint32_t>(r.args[2]);
  if (whence > SEEK_HOLE) return ret(-EINVAL);
  return ret(file->seek(static_cast<int64_t>(r.args[1]), static_cast<int>(whence)));
}

SyscallOutcome sysClose(ProcessState& p, const SyscallRequest& r) { return ret(p.fds.close(intArg(r.args[0]))); }

SyscallOutcome sysFstat(ProcessState& p, const SyscallRequest& r) {
  std::shared_ptr<OpenFile> file = p.fds.get(intArg(r.args[0]));
  if (!file) return ret(-EBADF);
  struct stat st {};
  static_assert(sizeof st == 144, "the host's struct stat is x86-64 Linux's");
  if (int err = file->stat(st)) return ret(err);
  return ret(writeGuest(p.memory, r.args[1], st) ? 0 : -EFAULT);
}

SyscallOutcome sysGetdents64(ProcessState& p, const SyscallRequest& r) {
  std::shared_ptr<OpenFile> file = usableFile(p, r.args[0]);
  if (!file) return ret(-EBADF);
  uint64_t count = static_cast<uint32_t>(r.args[2]);
  if (!inUserSpace(r.args[1], count)) return ret(-EFAULT);
  uint64_t room = writablePrefix(p.memory, r.args[1], std::min(count, kChunk), p.bounce.data());
  if (room == 0 && count > 0) return ret(-EFAULT);
  int64_t n = file->readDirectory(p.bounce.data(), room);
  if (n > 0) p.memory.copyOut(r.args[1], p.bounce.data(), static_cast<uint64_t>(n));
  return ret(n);
}

// Nothing here is a terminal, so the termios and window-size requests give
// ENOTTY as they do for a file or pipe; only the generic fd requests work.
SyscallOutcome sysIoctl(ProcessState& p, const SyscallRequest& r) {
  int fd = intArg(r.args[0]);
  std::shared_ptr<OpenFile> file = usableFile(p, r.args[0]);
  if (!file) return ret(-EBADF);
  switch (static_cast<uint32_t>(r.args[1])) {
    case FIOCLEX:
      return ret(p.fds.fcntl(fd, F_SETFD, FD_CLOEXEC));
    case FIONCLEX:
      return ret(p.fds.fcntl(fd, F_SETFD, 0));
    case FIONBIO: {
      int32_t on = 0;
      if (!readGuest(p.memory, r.args[2], on)) return ret(-EFAULT);
      int flags = file->statusFlags();
      return ret(file->setStatusFlags(on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK));
    }
    default:
      return ret(-ENOTTY);
  }
}

SyscallOutcome sysDup(ProcessState& p, const SyscallRequest& r) { return ret(p.fds.dup(intArg(r.args[0]))); }

SyscallOutcome sysDup2(ProcessState& p, const SyscallRequest& r) {
  return ret(p.fds.dup2(intArg(r.args[0]), intArg(r.args[1])));
}

SyscallOutcome sysDup3(ProcessState& p, const SyscallRequest& r) {
  return ret(p.fds.dup3(intArg(r.args[0]), intArg(r.args[1]), static_cast<uint32_t>(r.args[2])));
}

SyscallOutcome sysFcntl(ProcessState& p, const SyscallRequest& r) {
  return ret(p.fds.fcntl(intArg(r.args[0]), intArg(r.args[1]), r.args[2]));
}

SyscallOutcome sysPipe2(ProcessState& p, const SyscallRequest& r) {
  auto flags = static_cast<uint32_t>(r.args[1]);
  if (flags & ~static_cast<uint32_t>(O_CLOEXEC | O_NONBLOCK | O_DIRECT)) return ret(-EINVAL);
  auto buffer = std::make_shared<PipeBuffer>();
  buffer->inode = p.nextPipeInode++;
  int nonblock = flags & O_NONBLOCK;
  bool cloexec = flags & O_CLOEXEC;
  int readFd = p.fds.install(std::make_shared<PipeEnd>(buffer, O_RDONLY | nonblock), cloexec);
  if (readFd < 0) return ret(readFd);
  int writeFd = p.fds.install(std::make_shared<PipeEnd>(buffer, O_WRONLY | nonblock), cloexec);
  if (writeFd < 0) {
    p.fds.close(readFd);
    return ret(writeFd);
  }
  const int32_t fds[2] = {readFd, writeFd};
  if (!writeGuest(p.memory, r.args[0], fds)) {
    p.fds.close(readFd);
    p.fds.close(writeFd);
    return ret(-EFAULT);
  }
  return ret(0);
}

SyscallOutcome sysPipe(ProcessState& p, const SyscallRequest& r) {
  return sysPipe2(p, SyscallRequest{r.nr, {r.args[0], 0, 0, 0, 0, 0}});
}

SyscallOutcome sysFtruncate(ProcessState& p, const SyscallRequest& r) {
  auto length = static_cast<int64_t>(r.args[1]);
  if (length < 0) return ret(-EINVAL);
  std::shared_ptr<OpenFile> file = usableFile(p, r.args[0]);
  if (!file) return ret(-EBADF);
  struct stat st {};
  if (file->hostFd() < 0 || file->stat(st) != 0 || !S_ISREG(st.st_mode) || !canWrite(*file)) return ret(-EINVAL);
  return ret(::ftruncate(file->hostFd(), length) == 0 ? 0 : -errno);
}

// The host files are written already; nothing is gained by the host's fsync.
SyscallOutcome sysFsync(ProcessState& p, const SyscallRequest& r) {
  std::shared_ptr<OpenFile> file = usableFile(p, r.args[0]);
  if (!file) return ret(-EBADF);
  return ret(file->hostFd() >= 0 ? 0 : -EINVAL);
}

namespace {

// poll and ppoll: `timeoutNs` < 0 waits forever. With one thread, what is
// not ready now never becomes ready, so a wait is a Sleep (or forever).
SyscallOutcome pollFds(ProcessState& p, uint64_t va, uint64_t nfds, int64_t timeoutNs, const char* call) {
  if (nfds > static_cast<uint64_t>(p.fds.limit())) return ret(-EINVAL);
  std::vector<abi::Pollfd> fds(nfds);
  if (nfds > 0 && !p.memory.copyIn(va, fds.data(), nfds * sizeof(abi::Pollfd))) return ret(-EFAULT);
  int64_t ready = 0;
  for (abi::Pollfd& entry : fds) {
    entry.revents = 0;
    if (entry.fd < 0) continue;
    std::shared_ptr<OpenFile> file = p.fds.get(entry.fd);
    unsigned events = !file ? POLLNVAL : file->pollEvents() & (static_cast<uint16_t>(entry.events) | POLLERR | POLLHUP);
    entry.revents = static_cast<int16_t>(events);
    if (events) ++ready;
  }
  if (nfds > 0 && !p.memory.copyOut(va, fds.data(), nfds * sizeof(abi::Pollfd))) return ret(-EFAULT);
  if (ready > 0 || timeoutNs == 0) return ret(ready);
  if (timeoutNs < 0) return blocksForever(std::string(call) + " with no fd ready and no timeout");
  return SyscallOutcome::sleeping(static_cast<uint64_t>(timeoutNs), 0);
}

}  // namespace

SyscallOutcome sysPoll(ProcessState& p, const SyscallRequest& r) {
  int timeoutMs = intArg(r.args[2]);
  return pollFds(p, r.args[0], static_cast<uint32_t>(r.args[1]), timeoutMs < 0 ? -1 : int64_t{timeoutMs} * 1000000,
                 "poll");
}

SyscallOutcome sysPpoll(ProcessState& p, const SyscallRequest& r) {
  if (r.args[3] != 0 && r.args[4] != abi::kSigsetSize) return ret(-EINVAL);
  int64_t timeoutNs = -1;
  abi::Timespec timeout{};
  if (r.args[2] != 0) {
    if (!readGuest(p.memory, r.args[2], timeout)) return ret(-EFAULT);
    if (timeout.sec < 0 || timeout.nsec < 0 || timeout.nsec >= 1000000000) return ret(-EINVAL);
    timeoutNs = timeout.sec > INT64_MAX / 1000000000 - 1 ? INT64_MAX : timeout.sec * 1000000000 + timeout.nsec;
  }
  SyscallOutcome outcome = pollFds(p, r.args[0], static_cast<uint32_t>(r.args[1]), timeoutNs, "ppoll");
  // ppoll reports the time left: none, after a full wait.
  if (outcome.action == SyscallOutcome::Action::Sleep) writeGuest(p.memory, r.args[2], abi::Timespec{0, 0});
  return outcome;
}

}  // namespace kx::se
