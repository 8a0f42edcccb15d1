// The file sandbox, through the calls a guest makes: escapes by `..`, by
// absolute symlinks and by symlinks that leave a mapping end inside the
// mapping (ENOENT, ELOOP), read-only mappings answer EROFS as Linux's
// read-only mounts do, and nothing of the host outside the scratch
// directory changes, whatever the guest tries.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "expect_error.hh"
#include "se/sandbox_fs.hh"
#include "se_test_support.hh"

namespace kx::test {
namespace {

// data/ read-only at /data, scratch/ writable at /tmp, the binary at
// /bin/prog, and outside/ that no mapping reaches.
struct SandboxTree {
  SandboxTree() {
    tree.dir("outside");
    tree.file("outside/secret.txt", "secret");
    tree.dir("data/sub");
    tree.file("data/in.txt", "hello data\n");
    tree.file("data/sub/nested.txt", "nested");
    tree.symlink("data/abs_link", "/in.txt");
    tree.symlink("data/escape_rel", "../outside/secret.txt");
    tree.symlink("data/escape_abs", tree.path("outside/secret.txt"));
    tree.symlink("data/dotdot_link", "../../../../../..");
    tree.symlink("data/dir_link", "sub");
    tree.symlink("data/loop_a", "loop_b");
    tree.symlink("data/loop_b", "loop_a");
    tree.dir("scratch");
    tree.symlink("scratch/evil", tree.path("outside/secret.txt"));
    tree.symlink("scratch/evil_dir", "../outside");
    tree.dir("bin");
    tree.file("bin/prog", "\x7f" "ELF binary");
    config.fs.mounts = {{"/data", tree.path("data"), false}};
    config.fs.scratchHostDir = tree.path("scratch");
    config.fs.exeGuestPath = "/bin/prog";
    config.fs.exeHostPath = tree.path("bin/prog");
  }
  TempTree tree;
  se::ProcessConfig config;
};

TEST_CASE("sandbox: paths inside a mapping read the mapped files, symlinks resolved in the mapping") {
  SandboxTree s;
  Harness h(s.config);
  CHECK(h.readAll(h.openat("/data/in.txt", O_RDONLY)) == "hello data\n");
  CHECK(h.readAll(h.openat("/data/sub/../in.txt", O_RDONLY)) == "hello data\n");
  // An absolute target starts at the mapping's root, not the host's or the guest's.
  CHECK(h.readAll(h.openat("/data/abs_link", O_RDONLY)) == "hello data\n");
  // `..` in a target stops at the mapping's root.
  CHECK(h.readAll(h.openat("/data/dotdot_link/in.txt", O_RDONLY)) == "hello data\n");
  CHECK(h.readAll(h.openat("/data/dir_link/nested.txt", O_RDONLY)) == "nested");
  // `..` after a symlink is taken from where the link led (/data/sub), as in Linux.
  CHECK(h.readAll(h.openat("/data/dir_link/../in.txt", O_RDONLY)) == "hello data\n");
  // Relative paths start at the cwd.
  REQUIRE(h.ret(SYS_chdir, h.put("/data/dir_link")) == 0);
  CHECK(h.readAll(h.openat("nested.txt", O_RDONLY)) == "nested");
  CHECK(h.readAll(h.openat("../in.txt", O_RDONLY)) == "hello data\n");
  uint64_t buf = h.space(64);
  CHECK(h.ret(SYS_getcwd, buf, 64) == 10);
  CHECK(h.memory.peek(buf, 10) == std::string("/data/sub\0", 10));
}

TEST_CASE("sandbox: escapes by .., by absolute and by relative symlinks give ENOENT or ELOOP") {
  SandboxTree s;
  Harness h(s.config);
  auto before = s.tree.snapshot("outside");
  CHECK(h.openat("/data/../outside/secret.txt", O_RDONLY) == -ENOENT);
  CHECK(h.openat("/data/sub/../../../../outside/secret.txt", O_RDONLY) == -ENOENT);
  CHECK(h.openat("../../../../../outside/secret.txt", O_RDONLY) == -ENOENT);
  CHECK(h.openat(s.tree.path("outside/secret.txt"), O_RDONLY) == -ENOENT);
  CHECK(h.openat("/data/escape_rel", O_RDONLY) == -ENOENT);
  CHECK(h.openat("/data/escape_abs", O_RDONLY) == -ENOENT);
  CHECK(h.openat("/data/loop_a", O_RDONLY) == -ELOOP);
  CHECK(h.openat("/data/in.txt/", O_RDONLY) == -ENOTDIR);
  CHECK(h.openat("/data/in.txt/x", O_RDONLY) == -ENOTDIR);
  CHECK(h.openat("/etc/passwd", O_RDONLY) == -ENOENT);
  CHECK(h.openat("/etc/ld.so.cache", O_RDONLY) == -ENOENT);
  // Writing through links in the scratch directory stays in it.
  CHECK(h.openat("/tmp/evil", O_WRONLY | O_CREAT | O_TRUNC, 0644) == -ENOENT);
  CHECK(h.openat("/tmp/evil_dir/secret.txt", O_WRONLY | O_TRUNC) == -ENOENT);
  CHECK(h.openat("/tmp/evil_dir/new.txt", O_WRONLY | O_CREAT, 0644) == -ENOENT);
  CHECK(h.ret(SYS_unlink, h.put("/tmp/evil_dir/secret.txt")) == -ENOENT);
  CHECK(h.ret(SYS_rename, h.put("/tmp/evil_dir/secret.txt"), h.put("/tmp/stolen")) == -ENOENT);
  CHECK(s.tree.snapshot("outside") == before);
  CHECK(!s.tree.exists("scratch/stolen"));
}

TEST_CASE("sandbox: /proc/self/exe is the binary, the rest of /proc is absent") {
  SandboxTree s;
  Harness h(s.config);
  uint64_t buf = h.space(64);
  CHECK(h.ret(SYS_readlink, h.put("/proc/self/exe"), buf, 64) == 9);
  CHECK(h.memory.peek(buf, 9) == "/bin/prog");
  CHECK(h.ret(SYS_readlink, h.put("/proc/self/exe"), buf, 4) == 4);  // cut, no NUL, as Linux does
  CHECK(h.readAll(h.openat("/proc/self/exe", O_RDONLY)) == "\x7f" "ELF binary");
  CHECK(h.readAll(h.openat("/bin/prog", O_RDONLY)) == "\x7f" "ELF binary");
  CHECK(h.openat("/proc/self/exe", O_WRONLY) == -EROFS);
  CHECK(h.openat("/proc/self/maps", O_RDONLY) == -ENOENT);
  CHECK(h.openat("/proc/self/fd/0", O_RDONLY) == -ENOENT);
  CHECK(h.openat("/proc/cpuinfo", O_RDONLY) == -ENOENT);
  CHECK(h.openat("/proc/self/exe/..", O_RDONLY) == -ENOTDIR);
  CHECK(h.ret(SYS_readlink, h.put("/data/in.txt"), buf, 64) == -EINVAL);
  CHECK(h.ret(SYS_readlink, h.put("/proc/self/exe"), buf, 0) == -EINVAL);
}

TEST_CASE("sandbox: a read-only mapping answers EROFS (or EEXIST, ENOENT) where a read-only mount does") {
  SandboxTree s;
  Harness h(s.config);
  auto before = s.tree.snapshot("data");
  CHECK(h.openat("/data/in.txt", O_WRONLY) == -EROFS);
  CHECK(h.openat("/data/in.txt", O_RDWR) == -EROFS);
  CHECK(h.openat("/data/in.txt", O_RDONLY | O_TRUNC) == -EROFS);
  CHECK(h.openat("/data/new.txt", O_WRONLY | O_CREAT, 0644) == -EROFS);
  CHECK(h.openat("/data/in.txt", O_RDONLY | O_CREAT | O_EXCL, 0644) == -EEXIST);
  CHECK(h.openat("/data/missing", O_RDONLY) == -ENOENT);
  CHECK(h.openat("/data/sub", O_WRONLY) == -EISDIR);
  int64_t fd = h.openat("/data/in.txt", O_RDONLY | O_CREAT, 0644);  // it exists: nothing to create
  CHECK(fd >= 3);
  CHECK(h.ret(SYS_write, fd, h.put("x"), 1) == -EBADF);
  CHECK(h.ret(SYS_ftruncate, fd, 0) == -EINVAL);
  CHECK(h.ret(SYS_mkdir, h.put("/data/newdir"), 0755) == -EROFS);
  CHECK(h.ret(SYS_mkdir, h.put("/data/sub"), 0755) == -EEXIST);
  CHECK(h.ret(SYS_unlink, h.put("/data/in.txt")) == -EROFS);
  CHECK(h.ret(SYS_unlink, h.put("/data/missing")) == -EROFS);
  CHECK(h.ret(SYS_rmdir, h.put("/data/sub")) == -EROFS);
  CHECK(h.ret(SYS_rename, h.put("/data/in.txt"), h.put("/data/moved.txt")) == -EROFS);
  CHECK(h.ret(SYS_rename, h.put("/data/in.txt"), h.put("/tmp/moved.txt")) == -EXDEV);
  CHECK(h.ret(SYS_access, h.put("/data/in.txt"), W_OK) == -EROFS);
  CHECK(h.ret(SYS_access, h.put("/data/in.txt"), R_OK) == 0);
  // The synthesized tree is read-only too, and the mount points stay.
  CHECK(h.openat("/newfile", O_WRONLY | O_CREAT, 0644) == -EROFS);
  CHECK(h.openat("/nodir/newfile", O_WRONLY | O_CREAT, 0644) == -ENOENT);
  CHECK(h.ret(SYS_unlink, h.put("/dev/null")) == -EROFS);
  CHECK(h.ret(SYS_rmdir, h.put("/tmp")) == -EBUSY);
  CHECK(h.ret(SYS_rmdir, h.put("/tmp/.")) == -EINVAL);
  CHECK(s.tree.snapshot("data") == before);
}

TEST_CASE("sandbox: the scratch directory takes writes, and they land on the host") {
  SandboxTree s;
  Harness h(s.config);
  int64_t fd = h.openat("/tmp/out.txt", O_WRONLY | O_CREAT | O_TRUNC, 0666);
  REQUIRE(fd >= 3);
  CHECK(h.ret(SYS_write, fd, h.put("written"), 7) == 7);
  CHECK(h.ret(SYS_close, fd) == 0);
  CHECK(s.tree.read("scratch/out.txt") == "written");
  struct stat st {};
  REQUIRE(::stat(s.tree.path("scratch/out.txt").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);  // the guest's umask (022) applies
  CHECK(h.ret(SYS_mkdir, h.put("/tmp/d"), 0755) == 0);
  CHECK(h.ret(SYS_mkdir, h.put("/tmp/d"), 0755) == -EEXIST);
  CHECK(h.ret(SYS_rename, h.put("/tmp/out.txt"), h.put("/tmp/d/moved.txt")) == 0);
  CHECK(s.tree.read("scratch/d/moved.txt") == "written");
  CHECK(h.ret(SYS_rmdir, h.put("/tmp/d")) == -ENOTEMPTY);
  CHECK(h.ret(SYS_unlink, h.put("/tmp/d/moved.txt")) == 0);
  CHECK(h.ret(SYS_unlinkat, static_cast<uint64_t>(-100), h.put("/tmp/d"), AT_REMOVEDIR) == 0);
  CHECK(!s.tree.exists("scratch/d"));
  CHECK(h.ret(SYS_unlink, h.put("/tmp/d")) == -ENOENT);
}

TEST_CASE("sandbox: the synthesized tree lists the mount points, /dev and /proc") {
  SandboxTree s;
  Harness h(s.config);
  int64_t fd = h.openat("/", O_RDONLY | O_DIRECTORY);
  REQUIRE(fd >= 3);
  uint64_t buf = h.space(1024);
  int64_t n = h.ret(SYS_getdents64, fd, buf, 1024);
  REQUIRE(n > 0);
  std::vector<std::string> names;
  for (int64_t off = 0; off < n;) {
    uint16_t reclen = h.get<uint16_t>(buf + off + 16);
    names.push_back(h.memory.peek(buf + off + 19, reclen - 19).c_str());
    off += reclen;
  }
  CHECK(names == std::vector<std::string>{".", "..", "bin", "data", "dev", "proc", "tmp"});
  CHECK(h.ret(SYS_getdents64, fd, buf, 1024) == 0);
  struct stat st {};
  uint64_t stBuf = h.space(sizeof st);
  REQUIRE(h.ret(SYS_stat, h.put("/dev/null"), stBuf) == 0);
  st = h.get<struct stat>(stBuf);
  CHECK(S_ISCHR(st.st_mode));
  REQUIRE(h.ret(SYS_stat, h.put("/proc/self"), stBuf) == 0);
  CHECK(S_ISDIR(h.get<struct stat>(stBuf).st_mode));
  REQUIRE(h.ret(SYS_lstat, h.put("/proc/self/exe"), stBuf) == 0);
  CHECK(S_ISLNK(h.get<struct stat>(stBuf).st_mode));
  REQUIRE(h.ret(SYS_stat, h.put("/proc/self/exe"), stBuf) == 0);
  CHECK(S_ISREG(h.get<struct stat>(stBuf).st_mode));
}

TEST_CASE("sandbox: a long name or path is ENAMETOOLONG") {
  SandboxTree s;
  Harness h(s.config);
  CHECK(h.openat("/tmp/" + std::string(256, 'a'), O_RDONLY) == -ENAMETOOLONG);
  std::string deep;
  while (deep.size() < 4200) deep += "/sub";
  CHECK(h.openat(deep, O_RDONLY) == -ENAMETOOLONG);
}

TEST_CASE("sandbox: a layout it cannot honour is refused with a sandbox-* error") {
  TempTree tree;
  tree.dir("d");
  auto layoutWith = [&](se::Mount m) {
    se::SandboxLayout layout;
    layout.mounts = {m};
    return layout;
  };
  expectCoreError([&] { se::SandboxFs fs(layoutWith({"/proc/x", tree.path("d"), false})); }, "sandbox-layout",
                  {"/proc/x", "synthesizes"});
  expectCoreError([&] { se::SandboxFs fs(layoutWith({"data", tree.path("d"), false})); }, "sandbox-layout",
                  {"\"data\"", "absolute"});
  expectCoreError([&] { se::SandboxFs fs(layoutWith({"/a/../b", tree.path("d"), false})); }, "sandbox-layout", {"/a/../b"});
  expectCoreError([&] { se::SandboxFs fs(layoutWith({"/data", tree.path("missing"), false})); }, "sandbox-mount",
                  {"/data", "missing", "No such file"});
  se::SandboxLayout badCwd = layoutWith({"/data", tree.path("d"), false});
  badCwd.cwd = "/data/nope";
  expectCoreError([&] { se::SandboxFs fs(badCwd); }, "sandbox-layout", {"/data/nope"});
}

}  // namespace
}  // namespace kx::test

namespace kx::test {
namespace {

// A sysroot mapped at "/" the way dynamic binaries need it (Debian's merged
// /usr: /lib is a relative link, the loader's path an absolute one), with the
// scratch directory mounted inside it at /tmp.
TEST_CASE("sandbox: a sysroot at / with a mount nested in it resolves as Linux's mounts do") {
  TempTree tree;
  tree.dir("root/usr/lib/x86_64-linux-gnu");
  tree.dir("root/lib64");
  tree.dir("root/tmp");
  tree.file("root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "loader");
  tree.file("root/usr/lib/x86_64-linux-gnu/libc.so.6", "libc");
  tree.file("root/tmp/hidden", "under the mount");
  tree.symlink("root/lib", "usr/lib");
  tree.symlink("root/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
  tree.symlink("root/tmp_link", "/tmp/made");
  tree.dir("scratch");
  tree.file("scratch/made", "scratch file");
  se::ProcessConfig config;
  config.fs.mounts = {{"/", tree.path("root"), false}};
  config.fs.scratchHostDir = tree.path("scratch");
  config.fs.cwd = "/usr/lib";
  Harness h(config);
  CHECK(h.readAll(h.openat("/lib64/ld-linux-x86-64.so.2", O_RDONLY)) == "loader");
  CHECK(h.readAll(h.openat("/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY)) == "libc");
  CHECK(h.readAll(h.openat("x86_64-linux-gnu/libc.so.6", O_RDONLY)) == "libc");
  CHECK(h.readAll(h.openat("/lib/x86_64-linux-gnu/../x86_64-linux-gnu/libc.so.6", O_RDONLY)) == "libc");
  // /tmp is the scratch mount, reached by name, by `..` and through a link of the sysroot.
  CHECK(h.openat("/tmp/hidden", O_RDONLY) == -ENOENT);
  CHECK(h.readAll(h.openat("/usr/../tmp/made", O_RDONLY)) == "scratch file");
  CHECK(h.readAll(h.openat("../../tmp/made", O_RDONLY)) == "scratch file");
  CHECK(h.readAll(h.openat("/tmp_link", O_RDONLY)) == "scratch file");
  CHECK(h.readAll(h.openat("/tmp/../tmp/./made", O_RDONLY)) == "scratch file");
  int64_t fd = h.openat("/tmp/new", O_WRONLY | O_CREAT, 0600);
  CHECK(fd >= 3);
  CHECK(tree.exists("scratch/new"));
  CHECK(h.openat("/usr/new", O_WRONLY | O_CREAT, 0600) == -EROFS);
  CHECK(h.ret(SYS_rename, h.put("/tmp/new"), h.put("/usr/new")) == -EXDEV);
  uint64_t buf = h.space(64);
  CHECK(h.ret(SYS_readlink, h.put("/lib"), buf, 64) == 7);
  CHECK(h.memory.peek(buf, 7) == "usr/lib");
  uint64_t cwd = h.space(64);
  CHECK(h.ret(SYS_getcwd, cwd, 64) == 9);
  CHECK(h.memory.peek(cwd, 8) == "/usr/lib");
  CHECK(h.ret(SYS_chdir, h.put("/lib/x86_64-linux-gnu")) == 0);
  CHECK(h.ret(SYS_getcwd, cwd, 64) == 26);
  CHECK(h.memory.peek(cwd, 25) == "/usr/lib/x86_64-linux-gnu");  // the physical path, as getcwd gives it
}

TEST_CASE("sandbox: no host descriptor outlives the process that opened it") {
  auto openDescriptors = [] {
    return std::distance(std::filesystem::directory_iterator("/proc/self/fd"), std::filesystem::directory_iterator());
  };
  SandboxTree s;
  auto before = openDescriptors();
  {
    Harness h(s.config);
    h.openat("/data/in.txt", O_RDONLY);
    h.openat("/data", O_RDONLY | O_DIRECTORY);
    h.openat("/tmp/f", O_RDWR | O_CREAT, 0600);
    h.openat("/data/escape_abs", O_RDONLY);
    h.ret(SYS_pipe2, h.space(8), 0);
    int64_t fd = h.openat("/data/in.txt", O_RDONLY);
    h.ret(SYS_mmap, 0, 4096, 1 /* PROT_READ */, 2 /* MAP_PRIVATE */, fd, 0);
    h.ret(SYS_close, fd);
    h.ret(SYS_rename, h.put("/tmp/f"), h.put("/tmp/g"));
    h.ret(SYS_mkdir, h.put("/tmp/d"), 0700);
    h.ret(SYS_access, h.put("/data/in.txt"), 4);
    h.ret(SYS_stat, h.put("/data/abs_link"), h.space(144));
  }
  CHECK(openDescriptors() == before);
}

}  // namespace
}  // namespace kx::test
