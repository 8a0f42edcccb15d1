// Every pointer and length is the guest's: bad ones get EFAULT or EINVAL as
// Linux gives them, partial buffers move what they can, and nothing crashes
// or allocates without bound (ASan and UBSan watch these runs).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "se_test_support.hh"

namespace kx::test {
namespace {

constexpr uint64_t kUnmapped = 0xdead0000;
constexpr uint64_t kKernel = 0xffffffff81000000;

struct HostileTree {
  HostileTree() {
    std::string big(3 << 20, 'z');  // longer than the bounce buffer
    tree.dir("data");
    tree.file("data/big", big);
    tree.file("data/small", "small");
    tree.dir("scratch");
    config.fs.mounts = {{"/data", tree.path("data"), false}};
    config.fs.scratchHostDir = tree.path("scratch");
    config.stdoutPath = tree.path("stdout");
  }
  TempTree tree;
  se::ProcessConfig config;
};

TEST_CASE("hostile: unmapped, kernel and read-only buffers are EFAULT and change nothing") {
  HostileTree t;
  Harness h(t.config);
  int64_t fd = h.openat("/data/small", O_RDONLY);
  CHECK(h.ret(SYS_read, fd, kUnmapped, 5) == -EFAULT);
  CHECK(h.ret(SYS_lseek, fd, 0, SEEK_CUR) == 0);  // nothing was consumed
  CHECK(h.ret(SYS_read, fd, kKernel, 5) == -EFAULT);
  CHECK(h.ret(SYS_read, fd, 0, 5) == -EFAULT);
  CHECK(h.ret(SYS_write, 1, kUnmapped, 5) == -EFAULT);
  CHECK(h.ret(SYS_write, 1, ~uint64_t{0} - 2, 16) == -EFAULT);  // wraps around
  h.memory.map(0x200000, 4096, se::kProtRead);
  CHECK(h.ret(SYS_read, fd, 0x200000, 5) == -EFAULT);
  CHECK(h.ret(SYS_fstat, fd, 0x200000) == -EFAULT);
  CHECK(h.ret(SYS_clock_gettime, 1, 0x200000) == -EFAULT);
  CHECK(h.ret(SYS_getrandom, 0x200000, 16, 0) == -EFAULT);
  CHECK(h.ret(SYS_pipe2, 0x200000, 0) == -EFAULT);
  CHECK(h.ret(SYS_fcntl, 4, F_GETFD) == -EBADF);  // the pipe's fds were closed again
  CHECK(h.ret(SYS_fcntl, 5, F_GETFD) == -EBADF);
  CHECK(h.ret(SYS_uname, kUnmapped) == -EFAULT);
  CHECK(h.ret(SYS_getcwd, kUnmapped, 100) == -EFAULT);
  CHECK(h.ret(SYS_getcwd, h.space(4), 1) == -ERANGE);
  CHECK(h.ret(SYS_getdents64, h.openat("/data", O_RDONLY), kUnmapped, 4096) == -EFAULT);
  CHECK(h.ret(SYS_rt_sigaction, 2, kUnmapped, 0, 8) == -EFAULT);
  CHECK(h.ret(SYS_poll, kUnmapped, 1, 0) == -EFAULT);
  CHECK(h.ret(SYS_nanosleep, kUnmapped, 0) == -EFAULT);
  CHECK(h.ret(SYS_sysinfo, kKernel) == -EFAULT);
}

TEST_CASE("hostile: a buffer that ends in a hole moves the bytes before it, as Linux does") {
  HostileTree t;
  Harness h(t.config);
  h.memory.map(0x300000, 4096, se::kProtRead | se::kProtWrite);  // nothing after it
  int64_t fd = h.openat("/data/big", O_RDONLY);
  CHECK(h.ret(SYS_read, fd, 0x300000 + 4000, 1000) == 96);
  CHECK(h.ret(SYS_lseek, fd, 0, SEEK_CUR) == 96);  // the file position counts only what arrived
  h.memory.fill(0x300000, std::string(4096, 'w').data(), 4096);
  CHECK(h.ret(SYS_write, 1, 0x300000 + 4000, 1000) == 96);
  CHECK(h.ret(SYS_getrandom, 0x300000 + 4090, 100, 0) == 6);
}

TEST_CASE("hostile: huge lengths are cut or refused, and reads through the bounce buffer stay whole") {
  HostileTree t;
  Harness h(t.config);
  int64_t fd = h.openat("/data/big", O_RDONLY);
  int64_t va = h.ret(SYS_mmap, 0, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                     static_cast<uint64_t>(-1), 0);
  REQUIRE(va > 0);
  CHECK(h.ret(SYS_read, fd, va, 4 << 20) == 3 << 20);  // several chunks
  CHECK(h.memory.peek(va + (3 << 20) - 3, 3) == "zzz");
  CHECK(h.ret(SYS_read, fd, va, ~uint64_t{0}) == -EFAULT);  // past user space
  CHECK(h.ret(SYS_read, fd, va, uint64_t{1} << 62) == -EFAULT);
  CHECK(h.ret(SYS_pread64, fd, va, 16, INT64_MAX - 4) == -EINVAL);
  CHECK(h.ret(SYS_readv, fd, va, 1025) == -EINVAL);
  CHECK(h.ret(SYS_readv, fd, va, static_cast<uint64_t>(-1)) == -EINVAL);
  CHECK(h.ret(SYS_readv, fd, kUnmapped, 2) == -EFAULT);
  se::abi::Iovec negative[1] = {{static_cast<uint64_t>(va), ~uint64_t{0}}};
  CHECK(h.ret(SYS_readv, fd, h.put(negative, sizeof negative), 1) == -EINVAL);
  se::abi::Iovec one{};
  CHECK(h.ret(SYS_writev, 1, h.put(&one, sizeof one), 0) == 0);
  se::abi::Iovec holes[2] = {{static_cast<uint64_t>(va), 4}, {kUnmapped, 4}};
  CHECK(h.ret(SYS_writev, 1, h.put(holes, sizeof holes), 2) == 4);
  CHECK(h.ret(SYS_sched_getaffinity, 0, ~uint64_t{0} & ~uint64_t{7}, kUnmapped) == -EFAULT);
  CHECK(h.ret(SYS_poll, va, 1u << 31, 0) == -EINVAL);
}

TEST_CASE("hostile: paths that are unmapped, unterminated or too long") {
  HostileTree t;
  Harness h(t.config);
  CHECK(h.ret(SYS_openat, static_cast<uint64_t>(-100), kUnmapped, O_RDONLY) == -EFAULT);
  CHECK(h.ret(SYS_open, 0, O_RDONLY) == -EFAULT);
  CHECK(h.ret(SYS_stat, kKernel, h.space(144)) == -EFAULT);
  // A path running into unmapped memory before its NUL.
  h.memory.map(0x400000, 4096, se::kProtRead | se::kProtWrite);
  h.memory.fill(0x400000, std::string(4096, 'a').data(), 4096);
  CHECK(h.ret(SYS_open, 0x400000 + 4000, O_RDONLY) == -EFAULT);
  CHECK(h.ret(SYS_open, 0x400000, O_RDONLY) == -ENAMETOOLONG);  // PATH_MAX bytes without a NUL come first
  CHECK(h.ret(SYS_open, h.put(std::string(5000, 'a')), O_RDONLY) == -ENAMETOOLONG);
  CHECK(h.ret(SYS_open, h.put(""), O_RDONLY) == -ENOENT);
  CHECK(h.ret(SYS_mkdir, kUnmapped, 0755) == -EFAULT);
  CHECK(h.ret(SYS_rename, h.put("/tmp/a"), kUnmapped) == -EFAULT);
  CHECK(h.ret(SYS_readlink, h.put("/proc/self/exe"), kUnmapped, 100) == -ENOENT);  // no exe configured
  CHECK(h.ret(SYS_access, h.put("/data/small"), 8) == -EINVAL);
  CHECK(h.ret(SYS_faccessat2, static_cast<uint64_t>(-100), h.put("/data/small"), 0, 0x4000) == -EINVAL);
  CHECK(h.ret(SYS_unlinkat, static_cast<uint64_t>(-100), h.put("/tmp/a"), 1) == -EINVAL);
  CHECK(h.ret(SYS_statx, static_cast<uint64_t>(-100), h.put("/data/small"), 0x6000, 0, h.space(256)) == -EINVAL);
  CHECK(h.ret(SYS_renameat2, static_cast<uint64_t>(-100), h.put("/tmp/a"), static_cast<uint64_t>(-100),
              h.put("/tmp/b"), 3) == -EINVAL);
}

TEST_CASE("hostile: fd numbers out of range, negative or truncated to 32 bits") {
  HostileTree t;
  Harness h(t.config);
  uint64_t buf = h.space(8);
  CHECK(h.ret(SYS_read, static_cast<uint64_t>(-1), buf, 1) == -EBADF);
  CHECK(h.ret(SYS_read, 1u << 31, buf, 1) == -EBADF);
  CHECK(h.ret(SYS_close, 1024) == -EBADF);
  CHECK(h.ret(SYS_write, (uint64_t{1} << 32) | 1, h.put("x"), 1) == 1);  // the kernel reads an unsigned int: fd 1
  CHECK(h.ret(SYS_fstat, 5000, buf) == -EBADF);
  CHECK(h.ret(SYS_dup3, 0, static_cast<uint64_t>(-5), 0) == -EBADF);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, static_cast<uint64_t>(-1), 0) == -EBADF);
  CHECK(h.ret(SYS_lseek, 77, 0, 0) == -EBADF);
  CHECK(h.ret(SYS_getdents64, 0, buf, 8) == -ENOTDIR);
  CHECK(h.ret(SYS_fchdir, 0) == -ENOTDIR);
}

}  // namespace
}  // namespace kx::test
