#pragma once
// For the system-call layer's tests: a ProcessMemory over host buffers, a
// temporary host tree, and a harness that puts arguments in guest memory
// and makes calls.
#include <doctest/doctest.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "se/linux_abi.hh"
#include "se/process_memory.hh"
#include "se/syscalls.hh"
#include "temp_dir.hh"

namespace kx::test {

// Pages of 4 KiB with Linux's permissions, created on demand: enough of an
// address space for the calls to fault where ring 3 would.
class FakeProcessMemory : public se::ProcessMemory {
 public:
  static constexpr uint64_t kPage = 4096;
  static constexpr uint64_t kBrkStart = 0x600000;
  static constexpr uint64_t kMmapBase = 0x7f0000000000;
  static constexpr uint64_t kMaxMapping = 64 << 20;  // the fake's own bound: bigger requests are ENOMEM

  bool copyIn(uint64_t va, void* dst, uint64_t len) const override {
    if (!all(va, len, se::kProtRead)) return false;
    each(va, len, [&](const Page& page, uint64_t off, uint64_t done, uint64_t n) {
      std::memcpy(static_cast<uint8_t*>(dst) + done, page.bytes.data() + off, n);
    });
    return true;
  }
  bool copyOut(uint64_t va, const void* src, uint64_t len) override {
    if (!all(va, len, se::kProtWrite)) return false;
    return fill(va, src, len);
  }
  int copyInString(uint64_t va, std::string& out, uint64_t max) const override {
    out.clear();
    for (uint64_t i = 0; i < max; ++i) {
      char c;
      if (!copyIn(va + i, &c, 1)) return -EFAULT;
      if (c == 0) return 0;
      out += c;
    }
    return -ENAMETOOLONG;
  }
  bool fill(uint64_t va, const void* src, uint64_t len) override {
    if (!all(va, len, 0)) return false;
    eachMutable(va, len, [&](Page& page, uint64_t off, uint64_t done, uint64_t n) {
      std::memcpy(page.bytes.data() + off, static_cast<const uint8_t*>(src) + done, n);
    });
    return true;
  }

  uint64_t brk(uint64_t requested) override {
    uint64_t top = round(brk_);
    if (requested < kBrkStart || requested > kBrkStart + kMaxMapping) return brk_;
    uint64_t want = round(requested);
    for (uint64_t a = top; a < want; a += kPage) mapPage(a, se::kProtRead | se::kProtWrite);
    for (uint64_t a = want; a < top; a += kPage) pages_.erase(a);
    brk_ = requested;
    return brk_;
  }
  int64_t mapAnonymous(uint64_t hint, uint64_t len, unsigned prot, bool fixed, bool noReplace,
                       const std::string& name) override {
    if (len == 0 || len > kMaxMapping) return -ENOMEM;
    uint64_t size = round(len);
    uint64_t at = fixed ? hint : next_;
    if (fixed && noReplace && any(at, size)) return -EEXIST;
    if (!fixed) next_ += size + kPage;
    for (uint64_t a = at; a < at + size; a += kPage) mapPage(a, prot);
    names[at] = name;
    return static_cast<int64_t>(at);
  }
  int64_t unmap(uint64_t va, uint64_t len) override {
    if ((va & (kPage - 1)) || len == 0) return -EINVAL;
    for (uint64_t a = va; a < va + round(len); a += kPage) pages_.erase(a);
    return 0;
  }
  int64_t protect(uint64_t va, uint64_t len, unsigned prot) override {
    if (va & (kPage - 1)) return -EINVAL;
    if (!all(va, round(len), 0)) return -ENOMEM;
    for (uint64_t a = va; a < va + round(len); a += kPage) pages_[a].prot = prot;
    return 0;
  }
  int64_t remap(uint64_t oldVa, uint64_t oldLen, uint64_t newLen, unsigned flags, uint64_t) override {
    uint64_t oldSize = round(oldLen), newSize = round(newLen);
    if ((oldVa & (kPage - 1)) || newSize == 0 || !all(oldVa, oldSize, 0)) return -EINVAL;
    if (newSize <= oldSize) {
      if (newSize < oldSize) unmap(oldVa + newSize, oldSize - newSize);
      return static_cast<int64_t>(oldVa);
    }
    if (!(flags & 1)) return -ENOMEM;
    int64_t to = mapAnonymous(0, newSize, pages_.at(oldVa).prot, false, false, "");
    for (uint64_t off = 0; off < oldSize; off += kPage) pages_[to + off].bytes = pages_.at(oldVa + off).bytes;
    unmap(oldVa, oldSize);
    return to;
  }
  uint64_t mappedBytes() const override { return pages_.size() * kPage; }
  uint64_t peakMappedBytes() const override { return peak_; }

  // Test set-up: pages at va with prot, and raw access that ignores it.
  void map(uint64_t va, uint64_t len, unsigned prot) {
    for (uint64_t a = va & ~(kPage - 1); a < va + len; a += kPage) mapPage(a, prot);
  }
  std::string peek(uint64_t va, uint64_t len) const {
    std::string out(len, '\0');
    each(va, len, [&](const Page& page, uint64_t off, uint64_t done, uint64_t n) {
      std::memcpy(&out[done], page.bytes.data() + off, n);
    });
    return out;
  }
  std::map<uint64_t, std::string> names;  // mapAnonymous's labels by address

 private:
  struct Page {
    unsigned prot = 0;
    std::vector<uint8_t> bytes = std::vector<uint8_t>(kPage);
  };
  static uint64_t round(uint64_t v) { return (v + kPage - 1) & ~(kPage - 1); }
  void mapPage(uint64_t a, unsigned prot) {
    pages_[a] = Page{prot};
    peak_ = std::max<uint64_t>(peak_, pages_.size() * kPage);
  }
  bool all(uint64_t va, uint64_t len, unsigned need) const {
    if (va + len < va) return false;
    for (uint64_t a = va & ~(kPage - 1); a < va + len; a += kPage) {
      auto it = pages_.find(a);
      if (it == pages_.end() || (it->second.prot & need) != need) return false;
    }
    return true;
  }
  bool any(uint64_t va, uint64_t len) const {
    for (uint64_t a = va; a < va + len; a += kPage)
      if (pages_.count(a)) return true;
    return false;
  }
  template <typename F>
  void each(uint64_t va, uint64_t len, F f) const {
    for (uint64_t done = 0; done < len;) {
      uint64_t off = (va + done) & (kPage - 1);
      uint64_t n = std::min(len - done, kPage - off);
      f(pages_.at((va + done) - off), off, done, n);
      done += n;
    }
  }
  template <typename F>
  void eachMutable(uint64_t va, uint64_t len, F f) {
    for (uint64_t done = 0; done < len;) {
      uint64_t off = (va + done) & (kPage - 1);
      uint64_t n = std::min(len - done, kPage - off);
      f(pages_.at((va + done) - off), off, done, n);
      done += n;
    }
  }

  std::map<uint64_t, Page> pages_;
  uint64_t brk_ = kBrkStart;
  uint64_t next_ = kMmapBase;
  uint64_t peak_ = 0;
};

// A host directory that exists for one test, with helpers to build a tree.
class TempTree {
 public:
  std::string path(const std::string& rel) const { return root_ + "/" + rel; }
  void dir(const std::string& rel) const { std::filesystem::create_directories(path(rel)); }
  void file(const std::string& rel, const std::string& contents) const {
    std::ofstream(path(rel), std::ios::binary) << contents;
  }
  void symlink(const std::string& rel, const std::string& target) const {
    std::filesystem::create_symlink(target, path(rel));
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(path(rel), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }
  bool exists(const std::string& rel) const {
    std::error_code ignored;
    return std::filesystem::symlink_status(path(rel), ignored).type() != std::filesystem::file_type::not_found;
  }
  // Every path under `rel` with its contents (or link target): compared
  // before and after, it shows whether anything there changed.
  std::map<std::string, std::string> snapshot(const std::string& rel = "") const {
    std::map<std::string, std::string> out;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path(rel))) {
      std::string key = entry.path().string().substr(root_.size());
      if (entry.is_symlink()) out[key] = "-> " + std::filesystem::read_symlink(entry.path()).string();
      else if (entry.is_regular_file()) out[key] = read(key.substr(1));
      else out[key] = "<dir>";
    }
    return out;
  }

 private:
  TempDir dir_;
  const std::string& root_ = dir_.path();
};

// Syscalls over a FakeProcessMemory with a scratch page area for arguments.
class Harness {
 public:
  static constexpr uint64_t kArgs = 0x100000;  // 64 KiB of read-write pages for arguments
  static constexpr uint64_t kArgsSize = 0x10000;

  explicit Harness(const se::ProcessConfig& config) {
    memory.map(kArgs, kArgsSize, se::kProtRead | se::kProtWrite);
    calls = std::make_unique<se::Syscalls>(memory, config, [this] { return nowNs; });
  }

  // Copies bytes into the argument area; returns their guest address.
  uint64_t put(const void* data, size_t len) {
    uint64_t va = kArgs + used_;
    used_ += (len + 15) & ~size_t{15};
    REQUIRE(used_ <= kArgsSize);
    memory.fill(va, data, len);
    return va;
  }
  uint64_t put(const std::string& s) { return put(s.c_str(), s.size() + 1); }
  uint64_t space(size_t len) {
    std::vector<uint8_t> zeros(len);
    return put(zeros.data(), len);
  }
  template <typename T>
  T get(uint64_t va) {
    T value{};
    REQUIRE(memory.copyIn(va, &value, sizeof value));
    return value;
  }

  se::SyscallOutcome call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0,
                          uint64_t a4 = 0, uint64_t a5 = 0) {
    return calls->handle(se::SyscallRequest{nr, {a0, a1, a2, a3, a4, a5}});
  }
  // rax of a call that must Return.
  int64_t ret(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0, uint64_t a3 = 0, uint64_t a4 = 0,
              uint64_t a5 = 0) {
    se::SyscallOutcome outcome = call(nr, a0, a1, a2, a3, a4, a5);
    CHECK_MESSAGE(outcome.action == se::SyscallOutcome::Action::Return, outcome.cause << " " << outcome.detail);
    return outcome.value;
  }
  int64_t openat(const std::string& path, int flags, unsigned mode = 0) {
    return ret(SYS_openat, static_cast<uint64_t>(-100), put(path), static_cast<uint64_t>(flags), mode);
  }
  // Everything `fd` reads until its end.
  std::string readAll(int64_t fd) {
    std::string out;
    uint64_t buf = space(512);
    for (;;) {
      int64_t n = ret(SYS_read, fd, buf, 512);
      REQUIRE(n >= 0);
      if (n == 0) return out;
      out += memory.peek(buf, static_cast<uint64_t>(n));
    }
  }

  FakeProcessMemory memory;
  uint64_t nowNs = 0;
  std::unique_ptr<se::Syscalls> calls;

 private:
  size_t used_ = 0;
};

}  // namespace kx::test
