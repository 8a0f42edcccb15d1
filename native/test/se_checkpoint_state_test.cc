// SE checkpoints of what the runner keeps outside guest memory: a process
// driven into a busy state (files part read, a dup'd fd, a scratch file part
// written, a pipe holding data, heap, anonymous and file mappings, random
// bytes drawn, a signal handler, a cwd), saved, and loaded into objects built
// afresh the way a restore builds them, goes on exactly as the original does.
// Records that cannot be trusted or used are refused with the right code.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>

#include <algorithm>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <functional>

#include "expect_error.hh"
#include "se/address_space.hh"
#include "se/syscalls.hh"
#include "se_test_support.hh"

namespace kx::test {
namespace {

constexpr uint64_t kMemory = 64ull << 20;
constexpr uint64_t kFramesBase = 8ull << 20;
constexpr uint64_t kArgs = 0x100000;  // read-write pages for call arguments
constexpr uint64_t kArgsSize = 0x10000;
constexpr uint64_t kBrkStart = 0x800000;
constexpr uint64_t kRunnerVa = 0xffffffff80000000ull;
constexpr uint64_t kWindow = 0xffff0000;  // past RAM, as gem5's m5ops window is
constexpr uint64_t kRW = se::kProtRead | se::kProtWrite;
constexpr uint64_t kNoFd = static_cast<uint64_t>(-1);

// One process as the SE machine builds it: guest memory, the address space
// with a runner page and a device window, and the system calls.
struct Process {
  explicit Process(const se::ProcessConfig& config, uint64_t memoryBytes = kMemory)
      : memory(memoryBytes), space(memory, kFramesBase, memoryBytes, [](uint64_t, uint64_t) {}) {
    space.mapPhysical(kRunnerVa, 0, 0x1000, true, false, false);
    space.mapDeviceWindow(kWindow, kWindow, 0x10000, "[m5ops]");
    calls = std::make_unique<se::Syscalls>(space, config, [] { return uint64_t{0}; });
  }
  // What only a fresh run does (the loader's heap start, the stack's pages).
  void start() {
    space.setBrkStart(kBrkStart);
    REQUIRE(space.mapAnonymous(kArgs, kArgsSize, kRW, true, false, "[args]") == static_cast<int64_t>(kArgs));
  }

  uint64_t put(const void* data, size_t len) {
    uint64_t va = kArgs + used;
    used += (len + 15) & ~size_t{15};
    REQUIRE(used <= kArgsSize);
    REQUIRE(space.copyOut(va, data, len));
    return va;
  }
  uint64_t put(const std::string& s) { return put(s.c_str(), s.size() + 1); }
  std::string peek(uint64_t va, uint64_t len) const {
    std::string out(len, '\0');
    REQUIRE(space.copyIn(va, out.data(), len));
    return out;
  }
  int64_t ret(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0,
              uint64_t a5 = 0) {
    se::SyscallOutcome outcome = calls->handle(se::SyscallRequest{nr, {a0, a1, a2, a3, a4, a5}});
    CHECK_MESSAGE(outcome.action == se::SyscallOutcome::Action::Return, outcome.cause << " " << outcome.detail);
    return outcome.value;
  }
  int64_t openat(const std::string& path, int flags, unsigned mode = 0) {
    return ret(SYS_openat, static_cast<uint64_t>(-100), put(path), static_cast<uint64_t>(flags), mode);
  }

  GuestMemory memory;
  se::AddressSpace space;
  std::unique_ptr<se::Syscalls> calls;
  size_t used = 0;  // of the argument pages
};

struct Saved {
  std::vector<uint8_t> space, calls;
  bool operator==(const Saved& other) const { return space == other.space && calls == other.calls; }
};

Saved save(const Process& p) {
  StateWriter space, calls;
  p.space.saveState(space);
  p.calls->saveState(calls);
  return {space.bytes(), calls.bytes()};
}

void loadSpace(Process& p, const std::vector<uint8_t>& bytes) {
  StateReader in(bytes, "SE address space");
  p.space.loadState(in);
  in.finish();
}

void loadCalls(Process& p, const std::vector<uint8_t>& bytes) {
  StateReader in(bytes, "SE process");
  p.calls->loadState(in);
  in.finish();
}

// A whole saved process into `p`, as a restore does.
void load(Process& p, const Saved& saved) {
  loadSpace(p, saved.space);
  loadCalls(p, saved.calls);
}

// The run folder of the original (scratch, out) and of the restored process
// (scratch2, out2), which share the read-only /data.
struct Runs {
  Runs() {
    tree.dir("data");
    tree.file("data/in.txt", "0123456789abcdefghijklmnopqrstuvwxyz");
    for (const char* dir : {"scratch", "scratch2", "out", "out2"}) tree.dir(dir);
    tree.file("stdin.txt", "typed\n");
  }
  se::ProcessConfig config(const std::string& scratch, const std::string& out) const {
    se::ProcessConfig c;
    c.fs.mounts = {{"/data", tree.path("data"), false}};
    c.fs.scratchHostDir = tree.path(scratch);
    c.stdinPath = tree.path("stdin.txt");
    c.stdoutPath = tree.path(out + "/stdout.log");
    c.stderrPath = tree.path(out + "/stderr.log");
    c.tracePath = tree.path(out + "/syscalls.log");
    c.seed = 42;
    return c;
  }
  // What the machine does around loadState: the output files' contents and
  // the scratch folder put back, guest memory overwritten with the image.
  void restoreFiles(Process& from, Process& to) const {
    for (const char* name : {"stdout.log", "stderr.log", "syscalls.log"})
      tree.file(std::string("out2/") + name, tree.read(std::string("out/") + name));
    std::filesystem::copy(tree.path("scratch"), tree.path("scratch2"),
                          std::filesystem::copy_options::overwrite_existing | std::filesystem::copy_options::recursive);
    std::memcpy(to.memory.host(), from.memory.host(), kMemory);
    to.used = from.used;
  }
  TempTree tree;
};

// Where the busy state's mappings are.
struct Busy {
  int64_t fileMap, anon;
};

Busy makeBusy(Process& p) {
  p.start();
  uint64_t buf = p.put(std::string(64, '\0'));
  REQUIRE(p.openat("/data/in.txt", O_RDONLY) == 3);
  CHECK(p.ret(SYS_read, 3, buf, 5) == 5);
  CHECK(p.ret(SYS_dup, 3) == 4);
  CHECK(p.ret(SYS_fcntl, 4, F_SETFD, FD_CLOEXEC) == 0);
  REQUIRE(p.openat("/tmp/out.txt", O_CREAT | O_TRUNC | O_WRONLY, 0644) == 5);
  CHECK(p.ret(SYS_write, 5, p.put("hello "), 6) == 6);
  uint64_t pipeFds = p.put(std::string(8, '\0'));
  REQUIRE(p.ret(SYS_pipe2, pipeFds, O_NONBLOCK) == 0);
  CHECK(p.peek(pipeFds, 8) == std::string("\x06\0\0\0\x07\0\0\0", 8));
  CHECK(p.ret(SYS_write, 7, p.put("pipe data"), 9) == 9);
  CHECK(p.ret(SYS_read, 6, buf, 4) == 4);
  REQUIRE(p.openat("/", O_RDONLY | O_DIRECTORY) == 8);
  CHECK(p.ret(SYS_getdents64, 8, buf, 24) == 24);  // "." only
  REQUIRE(p.openat("/dev/urandom", O_RDONLY) == 9);
  // A file mapping whose fd is closed: only the mapping holds the file.
  REQUIRE(p.openat("/data/in.txt", O_RDONLY) == 10);
  Busy busy;
  busy.fileMap = p.ret(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, 10, 0);
  REQUIRE(busy.fileMap > 0);
  CHECK(p.ret(SYS_close, 10) == 0);
  REQUIRE(p.space.copyOut(busy.fileMap, "XXXX", 4));
  CHECK(p.ret(SYS_brk, kBrkStart + 0x3000) == static_cast<int64_t>(kBrkStart + 0x3000));
  busy.anon = p.ret(SYS_mmap, 0, 0x2000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, kNoFd, 0);
  REQUIRE(busy.anon > 0);
  CHECK(p.ret(SYS_getrandom, buf, 10, 0) == 10);
  const se::abi::KernelSigaction action{0x401000, 0x04000000 /* SA_RESTORER */, 0x401100, 1};
  CHECK(p.ret(SYS_rt_sigaction, SIGUSR1, p.put(&action, sizeof action), 0, 8) == 0);
  CHECK(p.ret(SYS_umask, 077) == 022);
  CHECK(p.ret(SYS_chdir, p.put("/tmp")) == 0);
  const se::abi::Rlimit files{512, 1024};
  CHECK(p.ret(SYS_setrlimit, RLIMIT_NOFILE, p.put(&files, sizeof files)) == 0);
  CHECK(p.ret(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, 0x7000) == 0);
  CHECK(p.ret(SYS_write, 1, p.put("before\n"), 7) == 7);
  CHECK(p.ret(SYS_write, 2, p.put("err\n"), 4) == 4);
  return busy;
}

// Everything the process shows from here on, one entry per observation.
std::vector<std::string> goOn(Process& p, const Busy& busy) {
  std::vector<std::string> seen;
  auto note = [&](const std::string& what, int64_t value) { seen.push_back(what + " = " + std::to_string(value)); };
  uint64_t buf = p.put(std::string(64, '\0'));
  note("read fd 3", p.ret(SYS_read, 3, buf, 3));
  seen.push_back(p.peek(buf, 3));
  note("read its dup", p.ret(SYS_read, 4, buf, 2));
  seen.push_back(p.peek(buf, 2));
  note("fd 3 offset", p.ret(SYS_lseek, 3, 0, SEEK_CUR));
  note("write scratch", p.ret(SYS_write, 5, p.put("world"), 5));
  note("read pipe", p.ret(SYS_read, 6, buf, 64));
  seen.push_back(p.peek(buf, 5));
  note("read empty pipe", p.ret(SYS_read, 6, buf, 64));
  note("getdents", p.ret(SYS_getdents64, 8, buf, 64));
  seen.push_back(p.peek(buf + 19, 3));
  note("read urandom", p.ret(SYS_read, 9, buf, 8));
  seen.push_back(p.peek(buf, 8));
  note("getrandom", p.ret(SYS_getrandom, buf, 16, 0));
  seen.push_back(p.peek(buf, 16));
  note("madvise file mapping", p.ret(SYS_madvise, busy.fileMap, 4096, MADV_DONTNEED));
  seen.push_back(p.peek(busy.fileMap, 8));
  note("brk", p.ret(SYS_brk, 0));
  note("brk grows", p.ret(SYS_brk, kBrkStart + 0x5000));
  note("mmap", p.ret(SYS_mmap, 0, 0x3000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, kNoFd, 0));
  note("munmap anon", p.ret(SYS_munmap, busy.anon, 0x2000));
  note("mmap again", p.ret(SYS_mmap, 0, 0x1000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, kNoFd, 0));
  uint64_t old = p.put(std::string(sizeof(se::abi::KernelSigaction), '\0'));
  note("sigaction", p.ret(SYS_rt_sigaction, SIGUSR1, 0, old, 8));
  seen.push_back(p.peek(old, sizeof(se::abi::KernelSigaction)));
  note("umask", p.ret(SYS_umask, 0));
  note("getcwd", p.ret(SYS_getcwd, buf, 64));
  seen.push_back(p.peek(buf, 5));
  note("cloexec of the dup", p.ret(SYS_fcntl, 4, F_GETFD));
  note("pipe status", p.ret(SYS_fcntl, 6, F_GETFL));
  note("getrlimit", p.ret(SYS_getrlimit, RLIMIT_NOFILE, buf));
  seen.push_back(p.peek(buf, 16));
  note("arch_prctl", p.ret(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, buf));
  seen.push_back(p.peek(buf, 8));
  note("write stdout", p.ret(SYS_write, 1, p.put("after\n"), 6));
  note("dup stdin", p.ret(SYS_dup, 0));
  note("read stdin", p.ret(SYS_read, 0, buf, 64));
  note("close the write end", p.ret(SYS_close, 7));
  note("read pipe at its end", p.ret(SYS_read, 6, buf, 64));
  for (const auto& [name, count] : p.calls->counts()) note(name, static_cast<int64_t>(count));
  note("numSyscalls", static_cast<int64_t>(p.calls->numSyscalls()));
  for (const se::Mapping& m : p.space.mappings())
    seen.push_back(hex(m.start) + "-" + hex(m.end) + " " + std::to_string(m.prot) + " " + m.name);
  note("peak", static_cast<int64_t>(p.space.peakMappedBytes()));
  note("mapped", static_cast<int64_t>(p.space.mappedBytes()));
  note("cr3", static_cast<int64_t>(p.space.cr3()));
  return seen;
}

TEST_CASE("se checkpoint: a restored process goes on exactly as the original") {
  Runs runs;
  std::vector<std::string> original, restored;
  {
    Process a(runs.config("scratch", "out"));
    Busy busy = makeBusy(a);
    Saved saved = save(a);
    Process b(runs.config("scratch2", "out2"));
    runs.restoreFiles(a, b);
    load(b, saved);
    // Nothing was lost or added: the restored process saves the same record.
    CHECK(save(b) == saved);
    CHECK(runs.tree.read("scratch2/out.txt") == "hello ");  // opened again, not truncated
    original = goOn(a, busy);
    restored = goOn(b, busy);
  }
  REQUIRE(original.size() == restored.size());
  for (size_t i = 0; i < original.size(); ++i) CHECK(original[i] == restored[i]);
  // Spot checks that the continuation is the one the state implies.
  auto has = [&](const std::string& entry) { return std::find(original.begin(), original.end(), entry) != original.end(); };
  CHECK(has("567"));
  CHECK(has("89"));  // the dup shares the offset
  CHECK(has("fd 3 offset = 10"));
  CHECK(has(" data"));
  CHECK(has("read empty pipe = -11"));
  CHECK(has(std::string("..", 3)));  // the next record, with its NUL
  CHECK(has("01234567"));  // the file mapping still knows its file
  CHECK(has("umask = 63"));
  CHECK(has(std::string("/tmp", 5)));
  CHECK(has("dup stdin = 10"));
  CHECK(has("read pipe at its end = 0"));
  CHECK(runs.tree.read("out/stdout.log") == "before\nafter\n");
  CHECK(runs.tree.read("out2/stdout.log") == "before\nafter\n");
  CHECK(runs.tree.read("out2/stderr.log") == "err\n");
  CHECK(runs.tree.read("scratch/out.txt") == "hello world");
  CHECK(runs.tree.read("scratch2/out.txt") == "hello world");
  std::string trace = runs.tree.read("out/syscalls.log");
  CHECK(trace.find("getrandom(") != std::string::npos);
  CHECK(runs.tree.read("out2/syscalls.log") == trace);
}

TEST_CASE("se checkpoint: loading replaces what the set-up made, and a fresh process saves and loads too") {
  Runs runs;
  Process a(runs.config("scratch", "out"));
  a.start();
  Saved saved = save(a);
  Process b(runs.config("scratch2", "out2"));
  runs.restoreFiles(a, b);
  load(b, saved);
  CHECK(save(b) == saved);
  // One device window, not two; the heap starts where it did.
  CHECK(b.space.mappings().size() == a.space.mappings().size());
  CHECK(b.ret(SYS_brk, 0) == static_cast<int64_t>(kBrkStart));
  CHECK(b.ret(SYS_mmap, kWindow, 0x1000, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, kNoFd, 0) == -EINVAL);
}

TEST_CASE("se checkpoint: a truncated or other-version record is checkpoint-corrupt") {
  Runs runs;
  Process a(runs.config("scratch", "out"));
  makeBusy(a);
  Saved saved = save(a);
  Process b(runs.config("scratch2", "out2"));
  runs.restoreFiles(a, b);
  auto refused = [](const std::vector<uint8_t>& bytes, const std::function<void(const std::vector<uint8_t>&)>& load) {
    std::vector<uint8_t> shorter(bytes.begin(), bytes.end() - 1);
    expectCoreError([&] { load(shorter); }, "checkpoint-corrupt", {"ends 1 bytes early"});
    std::vector<uint8_t> longer = bytes;
    longer.push_back(0);
    expectCoreError([&] { load(longer); }, "checkpoint-corrupt", {"left over"});
    std::vector<uint8_t> other = bytes;
    other[0] = 2;
    expectCoreError([&] { load(other); }, "checkpoint-corrupt", {"version 2", "reads 1"});
  };
  refused(saved.space, [&](const std::vector<uint8_t>& record) { loadSpace(b, record); });
  refused(saved.calls, [&](const std::vector<uint8_t>& record) { loadCalls(b, record); });
}

TEST_CASE("se checkpoint: a file that no longer opens is checkpoint-incompatible, naming its fd") {
  Runs runs;
  Process a(runs.config("scratch", "out"));
  makeBusy(a);
  Saved saved = save(a);
  std::filesystem::remove(runs.tree.path("data/in.txt"));
  Process b(runs.config("scratch2", "out2"));
  runs.restoreFiles(a, b);
  loadSpace(b, saved.space);
  expectCoreError([&] { loadCalls(b, saved.calls); }, "checkpoint-incompatible", {"fd 3: /data/in.txt", "No such file"});
  // A failed load changed nothing: fd 3 was never installed.
  CHECK(b.ret(SYS_fcntl, 3, F_GETFD) == -EBADF);
}

TEST_CASE("se checkpoint: a machine with other frames is checkpoint-incompatible") {
  Runs runs;
  Process a(runs.config("scratch", "out"));
  a.start();
  Saved saved = save(a);
  Process small(runs.config("scratch2", "out2"), 32ull << 20);
  expectCoreError([&] { loadSpace(small, saved.space); }, "checkpoint-incompatible", {"same guest.memory"});
}

TEST_CASE("se checkpoint: a file removed while open cannot be saved") {
  Runs runs;
  Process a(runs.config("scratch", "out"));
  makeBusy(a);
  std::filesystem::remove(runs.tree.path("scratch/out.txt"));
  StateWriter out;
  expectCoreError([&] { a.calls->saveState(out); }, "checkpoint-unsupported", {"fd 5: /tmp/out.txt", "removed or replaced"});
}

TEST_CASE("se checkpoint: out-of-range fields are checkpoint-corrupt, naming the field") {
  Runs runs;
  Process a(runs.config("scratch", "out"));
  a.start();
  Saved saved = save(a);
  Process b(runs.config("scratch2", "out2"));
  runs.restoreFiles(a, b);
  // The address space: version, mmap base, then the frame pool's base, end and next frame.
  std::vector<uint8_t> badNext = saved.space;
  uint64_t next = kMemory + 0x1000;
  std::memcpy(badNext.data() + 4 + 8 + 16, &next, 8);
  expectCoreError([&] { loadSpace(b, badNext); }, "checkpoint-corrupt", {"SE frame pool", "next frame"});
  // The process: version, numSyscalls (0 so far), then the per-call counts.
  std::vector<uint8_t> badCounts = saved.calls;
  uint64_t one = 1;
  std::vector<uint8_t> entry(16, 0);
  std::memcpy(badCounts.data() + 4 + 8, &one, 8);
  badCounts.insert(badCounts.begin() + 4 + 16, entry.begin(), entry.end());
  expectCoreError([&] { loadCalls(b, badCounts); }, "checkpoint-corrupt", {"SE process", "call count"});
}

}  // namespace
}  // namespace kx::test
