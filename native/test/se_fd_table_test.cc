// FdTable: Linux's fd numbering, sharing and flags.
#include <doctest/doctest.h>
#include <fcntl.h>

#include "se/fd_table.hh"

namespace kx::se {
namespace {

struct Files {
  RandomStream random{0};
  std::shared_ptr<OpenFile> make(int flags = O_RDWR) {
    return std::make_shared<DeviceFile>(Device::Null, random, flags, "/dev/null");
  }
};

TEST_CASE("fd table: new fds take the lowest free number, up to the limit") {
  Files files;
  FdTable fds(8);
  for (int i = 0; i < 8; ++i) CHECK(fds.install(files.make(), false) == i);
  CHECK(fds.install(files.make(), false) == -EMFILE);
  CHECK(fds.full());
  CHECK(fds.close(3) == 0);
  CHECK(fds.close(3) == -EBADF);
  CHECK(fds.close(-1) == -EBADF);
  CHECK(fds.close(100) == -EBADF);
  CHECK(fds.install(files.make(), false) == 3);
  CHECK(fds.dup(0) == -EMFILE);
  CHECK(fds.openCount() == 8);
}

TEST_CASE("fd table: dup'd fds share one description, each has its own close-on-exec") {
  Files files;
  FdTable fds;
  int a = fds.install(files.make(O_WRONLY), true);
  int b = fds.dup(a);
  CHECK(b == a + 1);
  CHECK(fds.get(a).get() == fds.get(b).get());
  CHECK(fds.fcntl(a, F_GETFD, 0) == FD_CLOEXEC);
  CHECK(fds.fcntl(b, F_GETFD, 0) == 0);  // dup clears it
  CHECK(fds.fcntl(b, F_SETFL, O_APPEND | O_NONBLOCK | O_RDONLY) == 0);
  CHECK(fds.fcntl(a, F_GETFL, 0) == (O_WRONLY | O_APPEND | O_NONBLOCK));  // shared; the access mode stays
  CHECK(fds.close(a) == 0);
  CHECK(fds.get(b).get() != nullptr);  // the description lives while an fd names it
  int c = static_cast<int>(fds.fcntl(b, F_DUPFD_CLOEXEC, 10));
  CHECK(c == 10);
  CHECK(fds.closeOnExec(c));
  CHECK(fds.fcntl(b, F_DUPFD, 10) == 11);
  CHECK(fds.fcntl(b, F_SETFD, FD_CLOEXEC) == 0);
  CHECK(fds.closeOnExec(b));
}

TEST_CASE("fd table: dup2 and dup3 replace the target and check their arguments as Linux does") {
  Files files;
  FdTable fds(16);
  int a = fds.install(files.make(), false);
  int b = fds.install(files.make(), false);
  auto replaced = fds.get(b);
  CHECK(fds.dup2(a, b) == b);
  CHECK(fds.get(b).get() == fds.get(a).get());
  CHECK(fds.get(b).get() != replaced.get());
  CHECK(fds.dup2(a, a) == a);
  CHECK(fds.dup2(9, 9) == -EBADF);
  CHECK(fds.dup3(a, a, 0) == -EINVAL);
  CHECK(fds.dup3(a, 5, O_NONBLOCK) == -EINVAL);
  CHECK(fds.dup3(a, 5, O_CLOEXEC) == 5);
  CHECK(fds.closeOnExec(5));
  CHECK(fds.dup2(a, 16) == -EBADF);  // at the limit
  CHECK(fds.dup2(a, -1) == -EBADF);
  CHECK(fds.dup2(7, 8) == -EBADF);
}

TEST_CASE("fd table: fcntl refuses what Linux refuses") {
  Files files;
  FdTable fds(16);
  int a = fds.install(files.make(), false);
  CHECK(fds.fcntl(a, F_DUPFD, 16) == -EINVAL);
  CHECK(fds.fcntl(a, F_DUPFD, static_cast<uint64_t>(-1)) == -EINVAL);
  CHECK(fds.fcntl(a, 9999, 0) == -EINVAL);
  CHECK(fds.fcntl(5, F_GETFD, 0) == -EBADF);
  int path = fds.install(files.make(O_PATH), false);
  CHECK(fds.fcntl(path, F_SETFL, O_NONBLOCK) == -EBADF);
  CHECK(fds.fcntl(path, F_GETFL, 0) == O_PATH);
  CHECK(fds.fcntl(path, F_DUPFD, 0) == 2);
}

TEST_CASE("fd table: lowering the limit keeps open fds and refuses new ones above it") {
  Files files;
  FdTable fds;
  for (int i = 0; i < 5; ++i) fds.install(files.make(), false);
  fds.setLimit(3);
  CHECK(fds.get(4).get() != nullptr);
  CHECK(fds.install(files.make(), false) == -EMFILE);
  CHECK(fds.close(1) == 0);
  CHECK(fds.install(files.make(), false) == 1);
}

}  // namespace
}  // namespace kx::se
