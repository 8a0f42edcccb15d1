#include "se/fd_table.hh"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>

namespace kx::se {

const FdTable::Slot* FdTable::slot(int64_t fd) const {
  if (fd < 0 || static_cast<uint64_t>(fd) >= slots_.size() || !slots_[fd].file) return nullptr;
  return &slots_[fd];
}

std::shared_ptr<OpenFile> FdTable::get(int64_t fd) const {
  const Slot* s = slot(fd);
  return s ? s->file : nullptr;
}

bool FdTable::closeOnExec(int64_t fd) const {
  const Slot* s = slot(fd);
  return s && s->closeOnExec;
}

int FdTable::install(std::shared_ptr<OpenFile> file, bool closeOnExec, int lowest) {
  for (int fd = std::max(lowest, 0); fd < limit_; ++fd) {
    if (static_cast<size_t>(fd) >= slots_.size()) slots_.resize(fd + 1);
    if (!slots_[fd].file) {
      slots_[fd] = Slot{std::move(file), closeOnExec};
      return fd;
    }
  }
  return -EMFILE;
}

void FdTable::installAt(int fd, std::shared_ptr<OpenFile> file, bool closeOnExec) {
  if (static_cast<size_t>(fd) >= slots_.size()) slots_.resize(fd + 1);
  slots_[fd] = Slot{std::move(file), closeOnExec};
}

int FdTable::close(int64_t fd) {
  if (!slot(fd)) return -EBADF;
  slots_[fd] = Slot{};
  return 0;
}

int FdTable::dup(int64_t fd) {
  const Slot* s = slot(fd);
  return s ? install(s->file, false) : -EBADF;
}

int FdTable::dup2(int64_t oldFd, int64_t newFd) {
  if (oldFd == newFd) return slot(oldFd) ? static_cast<int>(newFd) : -EBADF;
  return dup3(oldFd, newFd, 0);
}

int FdTable::dup3(int64_t oldFd, int64_t newFd, uint64_t flags) {
  if (flags & ~static_cast<uint64_t>(O_CLOEXEC)) return -EINVAL;
  if (oldFd == newFd) return -EINVAL;
  const Slot* s = slot(oldFd);
  if (!s || newFd < 0 || newFd >= limit_) return -EBADF;
  installAt(static_cast<int>(newFd), s->file, flags & O_CLOEXEC);
  return static_cast<int>(newFd);
}

int64_t FdTable::fcntl(int64_t fd, int64_t cmd, uint64_t arg) {
  const Slot* s = slot(fd);
  if (!s) return -EBADF;
  // An O_PATH fd answers only the fd-table commands (Linux's check_fcntl_cmd).
  bool pathOnly = s->file->statusFlags() & O_PATH;
  switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
      if (arg >= static_cast<uint64_t>(limit_)) return -EINVAL;
      return install(s->file, cmd == F_DUPFD_CLOEXEC, static_cast<int>(arg));
    case F_GETFD:
      return s->closeOnExec ? FD_CLOEXEC : 0;
    case F_SETFD:
      slots_[fd].closeOnExec = arg & FD_CLOEXEC;
      return 0;
    case F_GETFL:
      return s->file->statusFlags();
    case F_SETFL:
      if (pathOnly) return -EBADF;
      return s->file->setStatusFlags(static_cast<int>(arg));
    default:
      return pathOnly ? -EBADF : -EINVAL;
  }
}

bool FdTable::full() const {
  for (int fd = 0; fd < limit_; ++fd)
    if (static_cast<size_t>(fd) >= slots_.size() || !slots_[fd].file) return false;
  return true;
}

int FdTable::openCount() const {
  return static_cast<int>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.file != nullptr; }));
}

std::vector<FdTable::Entry> FdTable::entries() const {
  std::vector<Entry> out;
  for (size_t fd = 0; fd < slots_.size(); ++fd)
    if (slots_[fd].file) out.push_back(Entry{static_cast<int>(fd), slots_[fd].file, slots_[fd].closeOnExec});
  return out;
}

}  // namespace kx::se
