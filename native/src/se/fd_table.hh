#pragma once
// The guest's file descriptor numbers: each names a shared open file
// description (dup'd fds share position and status flags) and carries its
// own close-on-exec flag. New fds take the lowest free number, and no fd
// reaches the RLIMIT_NOFILE soft limit (EMFILE), as in Linux.
#include <cstdint>
#include <memory>
#include <vector>

#include "se/open_file.hh"

namespace kx::se {

class FdTable {
 public:
  static constexpr int kDefaultLimit = 1024;

  explicit FdTable(int limit = kDefaultLimit) : limit_(limit) {}

  // RLIMIT_NOFILE's soft limit: fds already above it stay open.
  int limit() const { return limit_; }
  void setLimit(int limit) { limit_ = limit; }

  // The file an fd names, or null when it is not open.
  std::shared_ptr<OpenFile> get(int64_t fd) const;
  bool closeOnExec(int64_t fd) const;
  // The lowest free fd at or above `lowest`: the fd or -EMFILE.
  int install(std::shared_ptr<OpenFile> file, bool closeOnExec, int lowest = 0);
  // Puts a file at a given number, closing what was there (stdin, stdout, stderr).
  void installAt(int fd, std::shared_ptr<OpenFile> file, bool closeOnExec);
  // 0 or -EBADF.
  int close(int64_t fd);
  int dup(int64_t fd);
  int dup2(int64_t oldFd, int64_t newFd);
  // flags: 0 or O_CLOEXEC.
  int dup3(int64_t oldFd, int64_t newFd, uint64_t flags);
  // F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_SETFD, F_GETFL, F_SETFL; others -EINVAL.
  int64_t fcntl(int64_t fd, int64_t cmd, uint64_t arg);
  int openCount() const;
  // No fd below the limit is free: an open would fail with EMFILE, before it creates anything.
  bool full() const;

  struct Entry {
    int fd;
    std::shared_ptr<OpenFile> file;
    bool closeOnExec;
  };
  // The open fds, lowest first (a checkpoint saves them).
  std::vector<Entry> entries() const;

 private:
  struct Slot {
    std::shared_ptr<OpenFile> file;
    bool closeOnExec = false;
  };
  const Slot* slot(int64_t fd) const;

  std::vector<Slot> slots_;
  int limit_;
};

}  // namespace kx::se
