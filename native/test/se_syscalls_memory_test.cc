// Syscalls on memory: file mappings hold the file's bytes, MADV_DONTNEED
// restores them (or zeros), and mmap checks its arguments in Linux's order.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "se_test_support.hh"

namespace kx::test {
namespace {

struct MemoryTree {
  MemoryTree() {
    std::string contents;
    for (int i = 0; i < 5000; ++i) contents += static_cast<char>('a' + i % 26);
    tree.dir("data");
    tree.file("data/blob", contents);
    tree.dir("scratch");
    tree.file("scratch/rw", "read-write file");
    config.fs.mounts = {{"/data", tree.path("data"), false}};
    config.fs.scratchHostDir = tree.path("scratch");
    expected = contents;
  }
  TempTree tree;
  se::ProcessConfig config;
  std::string expected;
};

TEST_CASE("syscalls: a private file mapping holds the file's bytes, then zeros to the page end") {
  MemoryTree t;
  Harness h(t.config);
  int64_t fd = h.openat("/data/blob", O_RDONLY);
  int64_t va = h.ret(SYS_mmap, 0, 3 * 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  REQUIRE(va > 0);
  CHECK(h.memory.peek(va, 5000) == t.expected);
  CHECK(h.memory.peek(va + 5000, 3 * 4096 - 5000) == std::string(3 * 4096 - 5000, '\0'));
  CHECK(h.memory.names[va] == "/data/blob");
  int64_t shifted = h.ret(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
  CHECK(h.memory.peek(shifted, 904) == t.expected.substr(4096));
  // Writes to a private mapping stay in it; MADV_DONTNEED brings the file back.
  h.memory.fill(shifted, "XYZ", 3);
  CHECK(h.ret(SYS_madvise, shifted, 4096, MADV_DONTNEED) == 0);
  CHECK(h.memory.peek(shifted, 904) == t.expected.substr(4096));
  // After the fd is closed the mapping still knows its file.
  CHECK(h.ret(SYS_close, fd) == 0);
  h.memory.fill(va, "XYZ", 3);
  CHECK(h.ret(SYS_madvise, va, 4096, MADV_DONTNEED) == 0);
  CHECK(h.memory.peek(va, 3) == "abc");
}

TEST_CASE("syscalls: anonymous mappings are zero, and MADV_DONTNEED zeros them again") {
  MemoryTree t;
  Harness h(t.config);
  int64_t va = h.ret(SYS_mmap, 0, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, static_cast<uint64_t>(-1), 0);
  REQUIRE(va > 0);
  h.memory.fill(va + 4096, "data", 4);
  CHECK(h.ret(SYS_madvise, va, 8192, MADV_DONTNEED) == 0);
  CHECK(h.memory.peek(va + 4096, 4) == std::string(4, '\0'));
  CHECK(h.ret(SYS_madvise, va, 8192, MADV_WILLNEED) == 0);
  CHECK(h.ret(SYS_madvise, va + 1, 4096, MADV_DONTNEED) == -EINVAL);
  CHECK(h.ret(SYS_madvise, va, 4096, 999) == -EINVAL);
  CHECK(h.ret(SYS_madvise, va, uint64_t{1} << 46, MADV_DONTNEED) == -ENOMEM);  // too long to probe: refused at once
  // Pages around a hole and under PROT_NONE: the readable ones are zeroed.
  h.memory.fill(va, "head", 4);
  CHECK(h.ret(SYS_munmap, va + 4096, 4096) == 0);
  int64_t after = h.ret(SYS_mmap, va + 8192, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                        static_cast<uint64_t>(-1), 0);
  h.memory.fill(after, "more", 4);
  CHECK(h.ret(SYS_madvise, va, 3 * 4096, MADV_DONTNEED) == 0);
  CHECK(h.memory.peek(va, 4) == std::string(4, '\0'));
  CHECK(h.memory.peek(after, 4) == std::string(4, '\0'));
  CHECK(h.ret(SYS_mmap, va + 4096, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
              static_cast<uint64_t>(-1), 0) == va + 4096);
  // /dev/zero maps as anonymous memory.
  int64_t zero = h.openat("/dev/zero", O_RDWR);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, zero, 0) > 0);
  CHECK(h.ret(SYS_munmap, va, 8192) == 0);
  CHECK(h.ret(SYS_munmap, va + 1, 8192) == -EINVAL);
  CHECK(h.ret(SYS_mprotect, va, 4096, 0x10) == -EINVAL);
  CHECK(h.ret(SYS_mprotect, va, 4096, PROT_READ) == -ENOMEM);
}

TEST_CASE("syscalls: mmap refuses as Linux does, and writable shared file mappings with ENODEV") {
  MemoryTree t;
  Harness h(t.config);
  int64_t ro = h.openat("/data/blob", O_RDONLY);
  int64_t rw = h.openat("/tmp/rw", O_RDWR);
  int64_t wo = h.openat("/tmp/rw", O_WRONLY);
  int64_t dir = h.openat("/data", O_RDONLY);
  int64_t null = h.openat("/dev/null", O_RDONLY);
  const uint64_t anon = MAP_PRIVATE | MAP_ANONYMOUS, none = static_cast<uint64_t>(-1);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, ro, 1) == -EINVAL);  // offset not page aligned
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, 99, 0) == -EBADF);
  CHECK(h.ret(SYS_mmap, 0, 0, PROT_READ, anon, none, 0) == -EINVAL);
  CHECK(h.ret(SYS_mmap, 0, ~uint64_t{0} - 10, PROT_READ, anon, none, 0) == -ENOMEM);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ, MAP_ANONYMOUS, none, 0) == -EINVAL);  // neither shared nor private
  CHECK(h.ret(SYS_mmap, 0x1001, 4096, PROT_READ, anon | MAP_FIXED, none, 0) == -EINVAL);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ, anon | MAP_HUGETLB, none, 0) == -ENOMEM);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, ro, ~uint64_t{0} & ~uint64_t{4095}) == -EOVERFLOW);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, wo, 0) == -EACCES);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0) == -EACCES);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0) == -ENODEV);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, dir, 0) == -ENODEV);
  CHECK(h.ret(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, null, 0) == -ENODEV);
  // A read-only shared mapping is served as a private one.
  int64_t shared = h.ret(SYS_mmap, 0, 4096, PROT_READ, MAP_SHARED, rw, 0);
  REQUIRE(shared > 0);
  CHECK(h.memory.peek(shared, 15) == "read-write file");
  // MAP_FIXED_NOREPLACE over a mapping: EEXIST from ProcessMemory.
  CHECK(h.ret(SYS_mmap, shared, 4096, PROT_READ, anon | MAP_FIXED_NOREPLACE, none, 0) == -EEXIST);
  CHECK(h.ret(SYS_mmap, shared, 4096, PROT_READ, anon | MAP_FIXED, none, 0) == shared);
  CHECK(h.ret(SYS_mremap, shared, 4096, 8192, 8, 0) == -EINVAL);  // MREMAP_DONTUNMAP is not offered
}

TEST_CASE("syscalls: mremap growing a file mapping shows more of the file") {
  MemoryTree t;
  Harness h(t.config);
  int64_t fd = h.openat("/data/blob", O_RDONLY);
  int64_t va = h.ret(SYS_mmap, 0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  int64_t moved = h.ret(SYS_mremap, va, 4096, 8192, MREMAP_MAYMOVE, 0);
  REQUIRE(moved > 0);
  CHECK(h.memory.peek(moved, 5000) == t.expected);
}

TEST_CASE("syscalls: brk goes to ProcessMemory") {
  MemoryTree t;
  Harness h(t.config);
  int64_t start = h.ret(SYS_brk, 0);
  CHECK(start == static_cast<int64_t>(FakeProcessMemory::kBrkStart));
  CHECK(h.ret(SYS_brk, start + 10000) == start + 10000);
  CHECK(h.ret(SYS_brk, 1) == start + 10000);  // refused: the break stays
}

}  // namespace
}  // namespace kx::test
