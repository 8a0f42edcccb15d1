// Syscalls on files: stdio lands in the host files given, mapped files read,
// seek and list as on Linux, pipes work within the process and say when a
// single thread would wait forever.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "se_test_support.hh"

namespace kx::test {
namespace {

using Action = se::SyscallOutcome::Action;

struct FilesTree {
  FilesTree() {
    tree.dir("data/dir/inner");
    tree.file("data/in.txt", "0123456789abcdef");
    tree.file("data/dir/a.txt", "a");
    tree.file("data/dir/b.txt", "bb");
    tree.dir("scratch");
    tree.dir("out");
    tree.file("stdin.txt", "typed input\n");
    config.fs.mounts = {{"/data", tree.path("data"), false}};
    config.fs.scratchHostDir = tree.path("scratch");
    config.stdinPath = tree.path("stdin.txt");
    config.stdoutPath = tree.path("out/stdout.txt");
    config.stderrPath = tree.path("out/stderr.txt");
  }
  TempTree tree;
  se::ProcessConfig config;
};

TEST_CASE("syscalls: stdout and stderr land in their host files, stdin reads its file") {
  FilesTree t;
  {
    Harness h(t.config);
    CHECK(h.ret(SYS_write, 1, h.put("to stdout\n"), 10) == 10);
    CHECK(h.ret(SYS_write, 2, h.put("to stderr\n"), 10) == 10);
    CHECK(h.readAll(0) == "typed input\n");
    CHECK(h.ret(SYS_write, 0, h.put("x"), 1) == -EBADF);
    CHECK(h.ret(SYS_read, 1, h.space(4), 4) == -EBADF);
    const char* parts[] = {"vec", "tored\n"};
    se::abi::Iovec iov[2] = {{h.put(parts[0]), 3}, {h.put(parts[1]), 6}};
    CHECK(h.ret(SYS_writev, 1, h.put(iov, sizeof iov), 2) == 9);
  }
  CHECK(t.tree.read("out/stdout.txt") == "to stdout\nvectored\n");
  CHECK(t.tree.read("out/stderr.txt") == "to stderr\n");
}

TEST_CASE("syscalls: one path for stdout and stderr is one file, written in order") {
  FilesTree t;
  t.config.stderrPath = t.config.stdoutPath;
  t.config.stdinPath = "";
  {
    Harness h(t.config);
    h.ret(SYS_write, 1, h.put("one "), 4);
    h.ret(SYS_write, 2, h.put("two "), 4);
    h.ret(SYS_write, 1, h.put("three"), 5);
    CHECK(h.readAll(0).empty());  // no stdin file: /dev/null
  }
  CHECK(t.tree.read("out/stdout.txt") == "one two three");
}

TEST_CASE("syscalls: a mapped file reads, seeks and preads as on Linux") {
  FilesTree t;
  Harness h(t.config);
  int64_t fd = h.openat("/data/in.txt", O_RDONLY | O_CLOEXEC);
  CHECK(fd == 3);
  uint64_t buf = h.space(32);
  CHECK(h.ret(SYS_read, fd, buf, 4) == 4);
  CHECK(h.memory.peek(buf, 4) == "0123");
  CHECK(h.ret(SYS_lseek, fd, 10, SEEK_SET) == 10);
  CHECK(h.ret(SYS_read, fd, buf, 32) == 6);
  CHECK(h.memory.peek(buf, 6) == "abcdef");
  CHECK(h.ret(SYS_read, fd, buf, 32) == 0);
  CHECK(h.ret(SYS_lseek, fd, -3, SEEK_END) == 13);
  CHECK(h.ret(SYS_lseek, fd, 0, SEEK_CUR) == 13);
  CHECK(h.ret(SYS_lseek, fd, -100, SEEK_SET) == -EINVAL);
  CHECK(h.ret(SYS_lseek, fd, 0, 7) == -EINVAL);
  CHECK(h.ret(SYS_pread64, fd, buf, 3, 2) == 3);
  CHECK(h.memory.peek(buf, 3) == "234");
  CHECK(h.ret(SYS_lseek, fd, 0, SEEK_CUR) == 13);  // pread leaves the position
  CHECK(h.ret(SYS_pread64, fd, buf, 3, static_cast<uint64_t>(-1)) == -EINVAL);
  CHECK(h.ret(SYS_fcntl, fd, F_GETFD) == FD_CLOEXEC);
  CHECK(h.ret(SYS_fcntl, fd, F_GETFL) == (O_RDONLY | se::abi::kOLargefile));
  struct stat st {};
  uint64_t stBuf = h.space(sizeof st);
  CHECK(h.ret(SYS_fstat, fd, stBuf) == 0);
  st = h.get<struct stat>(stBuf);
  CHECK(S_ISREG(st.st_mode));
  CHECK(st.st_size == 16);
  CHECK(h.ret(SYS_newfstatat, fd, h.put(""), stBuf, AT_EMPTY_PATH) == 0);
  CHECK(h.get<struct stat>(stBuf).st_size == 16);
  CHECK(h.ret(SYS_newfstatat, fd, h.put(""), stBuf, 0) == -ENOENT);
  CHECK(h.ret(SYS_newfstatat, fd, h.put(""), stBuf, 0x8000) == -EINVAL);
  struct statx sx {};
  uint64_t sxBuf = h.space(sizeof sx);
  CHECK(h.ret(SYS_statx, static_cast<uint64_t>(-100), h.put("/data/in.txt"), 0, STATX_BASIC_STATS, sxBuf) == 0);
  sx = h.get<struct statx>(sxBuf);
  CHECK(sx.stx_size == 16);
  CHECK(S_ISREG(sx.stx_mode));
  CHECK(h.ret(SYS_close, fd) == 0);
  CHECK(h.ret(SYS_close, fd) == -EBADF);
  CHECK(h.ret(SYS_read, fd, buf, 1) == -EBADF);
}

TEST_CASE("syscalls: getdents64 lists a mapped directory, and openat resolves against a directory fd") {
  FilesTree t;
  Harness h(t.config);
  int64_t dir = h.openat("/data/dir", O_RDONLY | O_DIRECTORY);
  REQUIRE(dir >= 3);
  uint64_t buf = h.space(4096);
  std::vector<std::string> names;
  for (;;) {
    int64_t n = h.ret(SYS_getdents64, dir, buf, 4096);
    REQUIRE(n >= 0);
    if (n == 0) break;
    for (int64_t off = 0; off < n;) {
      uint16_t reclen = h.get<uint16_t>(buf + off + 16);
      names.push_back(h.memory.peek(buf + off + 19, reclen - 19).c_str());
      off += reclen;
    }
  }
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{".", "..", "a.txt", "b.txt", "inner"});
  CHECK(h.ret(SYS_getdents64, dir, buf, 8) == 0);  // at the end: nothing, whatever the size
  CHECK(h.ret(SYS_lseek, dir, 0, SEEK_SET) == 0);
  CHECK(h.ret(SYS_getdents64, dir, buf, 8) == -EINVAL);  // too small for one record
  int64_t b = h.ret(SYS_openat, dir, h.put("b.txt"), O_RDONLY);
  CHECK(h.readAll(b) == "bb");
  CHECK(h.ret(SYS_openat, b, h.put("x"), O_RDONLY) == -ENOTDIR);
  CHECK(h.ret(SYS_openat, 99, h.put("x"), O_RDONLY) == -EBADF);
  CHECK(h.ret(SYS_openat, 99, h.put("/data/in.txt"), O_RDONLY) >= 3);  // absolute: the fd is not used
  CHECK(h.ret(SYS_getdents64, b, buf, 4096) == -ENOTDIR);
  CHECK(h.ret(SYS_read, dir, buf, 10) == -EISDIR);
  CHECK(h.ret(SYS_fchdir, dir) == 0);
  CHECK(h.readAll(h.openat("a.txt", O_RDONLY)) == "a");
}

TEST_CASE("syscalls: /dev/null, /dev/zero and /dev/urandom behave as the devices") {
  FilesTree t;
  Harness h(t.config);
  uint64_t buf = h.put("xxxxxxxx");
  int64_t null = h.openat("/dev/null", O_RDWR);
  CHECK(h.ret(SYS_read, null, buf, 8) == 0);
  CHECK(h.ret(SYS_write, null, buf, 8) == 8);
  int64_t zero = h.openat("/dev/zero", O_RDONLY);
  CHECK(h.ret(SYS_read, zero, buf, 8) == 8);
  CHECK(h.memory.peek(buf, 8) == std::string(8, '\0'));
  int64_t random = h.openat("/dev/urandom", O_RDONLY);
  CHECK(h.ret(SYS_read, random, buf, 8) == 8);
  CHECK(h.memory.peek(buf, 8) != std::string(8, '\0'));
  CHECK(h.openat("/dev/null", O_RDONLY | O_DIRECTORY) == -ENOTDIR);
  CHECK(h.openat("/dev/tty", O_RDONLY) == -ENOENT);
  CHECK(h.ret(SYS_ioctl, 1, 0x5401 /* TCGETS */, h.space(64)) == -ENOTTY);
  CHECK(h.ret(SYS_ioctl, 1, 0x5413 /* TIOCGWINSZ */, h.space(8)) == -ENOTTY);
  CHECK(h.ret(SYS_ioctl, 77, 0x5401, 0) == -EBADF);
}

TEST_CASE("syscalls: a pipe carries bytes within the process; a read that would wait forever stops the run") {
  FilesTree t;
  Harness h(t.config);
  uint64_t fds = h.space(8);
  REQUIRE(h.ret(SYS_pipe2, fds, O_CLOEXEC) == 0);
  auto readFd = h.get<int32_t>(fds), writeFd = h.get<int32_t>(fds + 4);
  CHECK(readFd == 3);
  CHECK(writeFd == 4);
  CHECK(h.ret(SYS_fcntl, readFd, F_GETFD) == FD_CLOEXEC);
  CHECK(h.ret(SYS_write, writeFd, h.put("ping"), 4) == 4);
  uint64_t buf = h.space(16);
  CHECK(h.ret(SYS_read, readFd, buf, 16) == 4);
  CHECK(h.memory.peek(buf, 4) == "ping");
  CHECK(h.ret(SYS_lseek, readFd, 0, SEEK_SET) == -ESPIPE);
  CHECK(h.ret(SYS_pread64, readFd, buf, 1, 0) == -ESPIPE);
  se::SyscallOutcome blocked = h.call(SYS_read, readFd, buf, 16);
  CHECK(blocked.action == Action::Stop);
  CHECK(blocked.cause == "guest-deadlock");
  CHECK(blocked.detail.find("read on fd 3") != std::string::npos);
  CHECK(h.ret(SYS_fcntl, readFd, F_SETFL, O_NONBLOCK) == 0);
  CHECK(h.ret(SYS_read, readFd, buf, 16) == -EAGAIN);
  // poll: the read end is not ready, the write end is.
  se::abi::Pollfd polls[2] = {{readFd, POLLIN, 0}, {writeFd, POLLOUT, 0}};
  uint64_t pollBuf = h.put(polls, sizeof polls);
  CHECK(h.ret(SYS_poll, pollBuf, 2, 0) == 1);
  CHECK(h.get<se::abi::Pollfd>(pollBuf).revents == 0);
  CHECK(h.get<se::abi::Pollfd>(pollBuf + 8).revents == POLLOUT);
  CHECK(h.ret(SYS_close, writeFd) == 0);
  CHECK(h.ret(SYS_read, readFd, buf, 16) == 0);  // no writer left: end of file
  CHECK(h.ret(SYS_poll, pollBuf, 2, 0) == 2);
  CHECK(h.get<se::abi::Pollfd>(pollBuf).revents == POLLHUP);
  CHECK(h.get<se::abi::Pollfd>(pollBuf + 8).revents == POLLNVAL);
  CHECK(h.ret(SYS_pipe2, fds, O_TRUNC) == -EINVAL);
  REQUIRE(h.ret(SYS_pipe, fds) == 0);
  CHECK(h.ret(SYS_close, h.get<int32_t>(fds)) == 0);
  CHECK(h.ret(SYS_write, h.get<int32_t>(fds + 4), buf, 1) == -EPIPE);
}

TEST_CASE("syscalls: poll waits as a Sleep when it has a timeout, and forever never") {
  FilesTree t;
  Harness h(t.config);
  uint64_t fds = h.space(8);
  REQUIRE(h.ret(SYS_pipe2, fds, 0) == 0);
  se::abi::Pollfd poll = {h.get<int32_t>(fds), POLLIN, 0};
  uint64_t pollBuf = h.put(&poll, sizeof poll);
  se::SyscallOutcome waited = h.call(SYS_poll, pollBuf, 1, 25);
  CHECK(waited.action == Action::Sleep);
  CHECK(waited.sleepNs == 25000000);
  CHECK(waited.value == 0);
  CHECK(h.call(SYS_poll, pollBuf, 1, static_cast<uint64_t>(-1)).cause == "guest-deadlock");
  CHECK(h.ret(SYS_poll, pollBuf, 1025, 0) == -EINVAL);
  se::abi::Timespec timeout{1, 5};
  uint64_t timeoutBuf = h.put(&timeout, sizeof timeout);
  se::SyscallOutcome ppoll = h.call(SYS_ppoll, pollBuf, 1, timeoutBuf, 0, 8);
  CHECK(ppoll.action == Action::Sleep);
  CHECK(ppoll.sleepNs == 1000000005);
  CHECK(h.get<se::abi::Timespec>(timeoutBuf).sec == 0);  // the time left
  se::abi::Pollfd file = {1, POLLOUT, 0};
  CHECK(h.ret(SYS_poll, h.put(&file, sizeof file), 1, static_cast<uint64_t>(-1)) == 1);
}

TEST_CASE("syscalls: dup, dup2, dup3 and fcntl act on the guest's fd numbers") {
  FilesTree t;
  Harness h(t.config);
  int64_t fd = h.openat("/data/in.txt", O_RDONLY);
  int64_t copy = h.ret(SYS_dup, fd);
  CHECK(copy == fd + 1);
  uint64_t buf = h.space(4);
  CHECK(h.ret(SYS_read, fd, buf, 4) == 4);
  CHECK(h.ret(SYS_lseek, copy, 0, SEEK_CUR) == 4);  // one shared position
  CHECK(h.ret(SYS_dup2, fd, 1) == 1);
  CHECK(h.ret(SYS_read, 1, buf, 2) == 2);
  CHECK(h.memory.peek(buf, 2) == "45");
  CHECK(h.ret(SYS_dup3, fd, 9, O_CLOEXEC) == 9);
  CHECK(h.ret(SYS_fcntl, 9, F_GETFD) == FD_CLOEXEC);
  CHECK(h.ret(SYS_fcntl, fd, F_DUPFD, 20) == 20);
  CHECK(h.ret(SYS_dup2, fd, 5000) == -EBADF);
}

TEST_CASE("syscalls: an open beyond RLIMIT_NOFILE is EMFILE, and creates nothing") {
  FilesTree t;
  Harness h(t.config);
  se::abi::Rlimit limit{5, 1024};
  CHECK(h.ret(SYS_prlimit64, 0, RLIMIT_NOFILE, h.put(&limit, sizeof limit), 0) == 0);
  CHECK(h.openat("/data/in.txt", O_RDONLY) == 3);
  CHECK(h.openat("/data/in.txt", O_RDONLY) == 4);
  CHECK(h.openat("/tmp/new.txt", O_WRONLY | O_CREAT, 0644) == -EMFILE);
  CHECK(!t.tree.exists("scratch/new.txt"));
  limit = {2048, 2048};
  CHECK(h.ret(SYS_prlimit64, 0, RLIMIT_NOFILE, h.put(&limit, sizeof limit), 0) == -EPERM);
}

}  // namespace
}  // namespace kx::test
