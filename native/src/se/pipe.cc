#include "se/pipe.hh"

#include <fcntl.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace kx::se {

PipeEnd::PipeEnd(std::shared_ptr<PipeBuffer> pipe, int flags)
    : OpenFile(flags, (flags & O_ACCMODE) == O_RDONLY ? "pipe:[read]" : "pipe:[write]"), pipe_(std::move(pipe)) {
  ++(isReadEnd() ? pipe_->readers : pipe_->writers);
}

PipeEnd::~PipeEnd() { --(isReadEnd() ? pipe_->readers : pipe_->writers); }

bool PipeEnd::isReadEnd() const { return (statusFlags_ & O_ACCMODE) == O_RDONLY; }

int64_t PipeEnd::read(void* dst, uint64_t len, int64_t offset) {
  if (offset >= 0) return -ESPIPE;
  if (pipe_->bytes.empty()) return pipe_->writers > 0 ? -EAGAIN : 0;
  uint64_t n = std::min<uint64_t>(len, pipe_->bytes.size());
  std::copy_n(pipe_->bytes.begin(), n, static_cast<uint8_t*>(dst));
  pipe_->bytes.erase(pipe_->bytes.begin(), pipe_->bytes.begin() + static_cast<std::ptrdiff_t>(n));
  return static_cast<int64_t>(n);
}

int64_t PipeEnd::write(const void* src, uint64_t len, int64_t offset) {
  if (offset >= 0) return -ESPIPE;
  if (pipe_->readers == 0) return -EPIPE;
  uint64_t space = PipeBuffer::kCapacity - pipe_->bytes.size();
  bool whole = len <= space;
  // A blocking write waits for room for all of it; a non-blocking one takes
  // what fits, but never splits a write of up to PIPE_BUF bytes.
  bool nonblocking = statusFlags_ & O_NONBLOCK;
  if (!whole && (!nonblocking || space == 0 || len <= PipeBuffer::kAtomicWrite)) return -EAGAIN;
  uint64_t n = std::min(len, space);
  const auto* bytes = static_cast<const uint8_t*>(src);
  pipe_->bytes.insert(pipe_->bytes.end(), bytes, bytes + n);
  return static_cast<int64_t>(n);
}

int PipeEnd::stat(struct stat& st) const {
  std::memset(&st, 0, sizeof st);
  st.st_dev = 0xc;  // Linux's pipefs is an anonymous device of its own
  st.st_ino = pipe_->inode;
  st.st_mode = S_IFIFO | 0600;
  st.st_nlink = 1;
  st.st_blksize = 4096;
  return 0;
}

unsigned PipeEnd::pollEvents() const {
  if (isReadEnd()) return (pipe_->bytes.empty() ? 0u : POLLIN | POLLRDNORM) | (pipe_->writers == 0 ? POLLHUP : 0u);
  if (pipe_->readers == 0) return POLLERR;
  return pipe_->bytes.size() < PipeBuffer::kCapacity ? POLLOUT | POLLWRNORM : 0u;
}

}  // namespace kx::se
