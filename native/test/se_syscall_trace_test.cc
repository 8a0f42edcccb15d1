// The syscall trace: strace's format, decoded flags, quoted strings, errno
// names, and nothing that differs between two runs of the same guest.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "expect_error.hh"
#include "se/syscall_trace.hh"
#include "se_test_support.hh"

namespace kx::test {
namespace {

struct TraceTree {
  TraceTree() {
    tree.dir("data");
    tree.file("data/in.txt", "line one\nline two\n");
    config.fs.mounts = {{"/data", tree.path("data"), false}};
    config.tracePath = tree.path("trace.txt");
  }
  TempTree tree;
  se::ProcessConfig config;
};

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The same calls for both runs of the determinism check.
void run(Harness& h) {
  h.openat("/data/in.txt", O_RDONLY);
  h.openat("/data/missing", O_RDONLY | O_CLOEXEC);
  h.ret(SYS_read, 3, h.space(64), 64);
  h.ret(SYS_write, 1, h.put("hello\n"), 6);
  h.ret(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, static_cast<uint64_t>(-1), 0);
  h.call(SYS_arch_prctl, 0x1002, 0x4c8380);
  se::abi::Timespec t{1, 0};
  h.call(SYS_nanosleep, h.put(&t, sizeof t), 0);
  h.ret(SYS_openat, static_cast<uint64_t>(-100), h.put("/x"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  h.call(SYS_clone, 0x11);
  h.call(SYS_exit_group, 3);
}

TEST_CASE("trace: one strace-like line per call") {
  TraceTree t;
  {
    Harness h(t.config);
    run(h);
  }
  std::vector<std::string> got = lines(t.tree.read("trace.txt"));
  REQUIRE(got.size() == 10);
  CHECK(got[0] == "openat(AT_FDCWD, \"/data/in.txt\", O_RDONLY) = 3");
  CHECK(got[1] == "openat(AT_FDCWD, \"/data/missing\", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)");
  CHECK(got[2] == "read(3, \"line one\\nline two\\n\", 64) = 18");
  CHECK(got[3] == "write(1, \"hello\\n\", 6) = 6");
  CHECK(got[4] == "mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0x0) = 0x7f0000000000");
  CHECK(got[5] == "arch_prctl(ARCH_SET_FS, 0x4c8380) = 0");
  CHECK(got[6].rfind("nanosleep({tv_sec=1, tv_nsec=0}, NULL) = 0 <sleeps 1000000000 ns>", 0) == 0);
  CHECK(got[7] == "openat(AT_FDCWD, \"/x\", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 EROFS (Read-only file system)");
  CHECK(got[8] == "clone(0x11, 0x0, 0x0, 0x0, 0x0, 0x0) = ? <unsupported-syscall: clone (56)>");
  CHECK(got[9] == "exit_group(3) = ? <exit 3>");
}

TEST_CASE("trace: two runs of the same guest give the same trace") {
  TraceTree a, b;
  {
    Harness first(a.config), second(b.config);
    run(first);
    run(second);
  }
  CHECK(a.tree.read("trace.txt") == b.tree.read("trace.txt"));
}

TEST_CASE("trace: long strings and buffers are cut, bytes escaped, bad pointers shown as addresses") {
  Harness h(se::ProcessConfig{});
  std::string longPath = "/" + std::string(40, 'p');
  se::SyscallRequest open{SYS_open, {h.put(longPath), O_RDONLY, 0, 0, 0, 0}};
  CHECK(se::traceLine(h.memory, open, se::SyscallOutcome::returning(-ENOENT)) ==
        "open(\"/" + std::string(31, 'p') + "\"..., O_RDONLY) = -1 ENOENT (No such file or directory)");
  se::SyscallRequest write{SYS_write, {1, h.put(std::string("\x01\"\\\t", 4)), 4, 0, 0, 0}};
  CHECK(se::traceLine(h.memory, write, se::SyscallOutcome::returning(4)) == "write(1, \"\\x01\\\"\\\\\\t\", 4) = 4");
  se::SyscallRequest bad{SYS_stat, {0xdead0000, 0, 0, 0, 0, 0}};
  CHECK(se::traceLine(h.memory, bad, se::SyscallOutcome::returning(-EFAULT)) ==
        "stat(0xdead0000, NULL) = -1 EFAULT (Bad address)");
}

TEST_CASE("trace: a trace file that cannot be created is se-trace") {
  se::ProcessConfig config;
  config.tracePath = "/nonexistent-dir/trace.txt";
  FakeProcessMemory memory;
  expectCoreError([&] { se::Syscalls calls(memory, config, [] { return uint64_t{0}; }); }, "se-trace",
                  {"/nonexistent-dir/trace.txt", "No such file"});
}

}  // namespace
}  // namespace kx::test
