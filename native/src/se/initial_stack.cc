#include "se/initial_stack.hh"

#include <elf.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sim/core_error.hh"

namespace kx::se {

namespace {

// MAX_ARG_STRLEN, the NUL included.
constexpr uint64_t kMaxArgStrlen = 32 * kPageSize;
// Linux's bounds on strings and pointers together (fs/exec.c,
// bprm_stack_limits): a quarter of the stack limit, but no more than 3/4 of
// _STK_LIM and no less than ARG_MAX.
constexpr uint64_t kArgMax = 32 * kPageSize;
constexpr uint64_t kStkLim = 8ull << 20;
constexpr char kPlatform[] = "x86_64";
constexpr uint64_t kClockTicks = 100;

uint64_t argumentLimit(uint64_t stackSize) { return std::max(std::min(kStkLim / 4 * 3, stackSize / 4), kArgMax); }

void checkString(const std::string& what, const std::string& s) {
  if (size_t nul = s.find('\0'); nul != std::string::npos)
    throw CoreError("se-args", what + " holds a NUL byte at offset " + std::to_string(nul));
  if (s.size() >= kMaxArgStrlen)
    throw CoreError("se-args", what + " is " + std::to_string(s.size()) + " bytes; Linux takes at most " +
                                   std::to_string(kMaxArgStrlen - 1) + " (MAX_ARG_STRLEN)");
}

uint64_t stringBytes(const std::vector<std::string>& strings) {
  uint64_t bytes = 0;
  for (const std::string& s : strings) bytes += s.size() + 1;
  return bytes;
}

// The block [rsp, top) as it is built in host memory, addressed by guest address.
class Block {
 public:
  Block(uint64_t base, uint64_t top) : base_(base), bytes_(top - base) {}
  void put(uint64_t va, const void* data, uint64_t length) { std::memcpy(bytes_.data() + (va - base_), data, length); }
  void putWord(uint64_t va, uint64_t value) { put(va, &value, sizeof value); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  uint64_t base_;
  std::vector<uint8_t> bytes_;
};

}  // namespace

StackRange mapStack(ProcessMemory& memory, bool executable, uint64_t size, uint64_t top) {
  std::string what = "the " + std::to_string(size) + "-byte stack below " + hex(top);
  if (size == 0 || !pageAligned(size) || !pageAligned(top) || top > kUserEnd || top < kMmapMinAddr ||
      size > top - kMmapMinAddr)
    throw CoreError("se-setup", what + ": not whole pages inside user space");
  unsigned prot = kProtRead | kProtWrite;
  if (executable) prot |= kProtExec;
  int64_t mapped = memory.mapAnonymous(top - size, size, prot, true, true, "[stack]");
  if (mapped == -ENOMEM) throw CoreError("se-memory", "no guest memory left for " + what + "; raise guest.memory");
  if (mapped < 0) throw CoreError("se-setup", errnoMessage("cannot map " + what, static_cast<int>(-mapped)));
  return {top - size, top};
}

uint64_t writeInitialStack(ProcessMemory& memory, const StackRange& stack, const ProgramArguments& args,
                           const AuxValues& aux) {
  // Linux (5.18 on) gives a program started with no arguments one empty one.
  const std::vector<std::string> argv = args.argv.empty() ? std::vector<std::string>{""} : args.argv;
  const std::vector<std::string>& envp = args.envp;
  for (size_t i = 0; i < argv.size(); ++i) checkString("argv[" + std::to_string(i) + "]", argv[i]);
  for (size_t i = 0; i < envp.size(); ++i) checkString("envp[" + std::to_string(i) + "]", envp[i]);
  checkString("execfn", args.execfn);

  uint64_t stackSize = stack.top - stack.bottom;
  uint64_t strings = stringBytes(argv) + stringBytes(envp) + args.execfn.size() + 1;
  uint64_t pointers = (argv.size() + envp.size()) * 8;
  if (strings + pointers > argumentLimit(stackSize))
    throw CoreError("se-args", "argv and the environment need " + std::to_string(strings + pointers) +
                                   " bytes of strings and pointers; Linux allows " +
                                   std::to_string(argumentLimit(stackSize)) + " with a " +
                                   std::to_string(stackSize) + "-byte stack");

  // Room for everything, counted before any address is computed, so that
  // nothing below can run under the stack's bottom.
  constexpr uint64_t kMostAuxEntries = 20;
  uint64_t words = 1 + argv.size() + 1 + envp.size() + 1 + 2 * kMostAuxEntries;
  uint64_t most = 8 + strings + 16 + sizeof kPlatform + 16 + words * 8 + 16;
  if (most > stackSize)
    throw CoreError("se-args", "the start-up block needs up to " + std::to_string(most) + " bytes, more than the " +
                                   std::to_string(stackSize) + "-byte stack");

  // Strings from the top down, each list in order (fs/exec.c copies them last
  // first), below one empty word.
  uint64_t p = stack.top - 8;
  auto place = [&](const std::string& s) { return p -= s.size() + 1; };
  uint64_t execfnAt = place(args.execfn);
  std::vector<uint64_t> envAt(envp.size()), argAt(argv.size());
  for (size_t i = envp.size(); i-- > 0;) envAt[i] = place(envp[i]);
  for (size_t i = argv.size(); i-- > 0;) argAt[i] = place(argv[i]);
  p &= ~uint64_t{15};
  uint64_t platformAt = p -= sizeof kPlatform;
  uint64_t randomAt = p -= aux.random.size();

  std::vector<std::pair<uint64_t, uint64_t>> auxv;
  if (aux.minSigStackSize) auxv.emplace_back(AT_MINSIGSTKSZ, *aux.minSigStackSize);
  auxv.insert(auxv.end(), {{AT_HWCAP, aux.hwcap},
                           {AT_PAGESZ, kPageSize},
                           {AT_CLKTCK, kClockTicks},
                           {AT_PHDR, aux.phdr},
                           {AT_PHENT, sizeof(Elf64_Phdr)},
                           {AT_PHNUM, aux.phnum},
                           {AT_BASE, aux.base},
                           {AT_FLAGS, 0},
                           {AT_ENTRY, aux.entry},
                           {AT_UID, aux.uid},
                           {AT_EUID, aux.euid},
                           {AT_GID, aux.gid},
                           {AT_EGID, aux.egid},
                           {AT_SECURE, aux.secure ? 1 : 0},
                           {AT_RANDOM, randomAt}});
  if (aux.hwcap2) auxv.emplace_back(AT_HWCAP2, *aux.hwcap2);
  auxv.insert(auxv.end(), {{AT_EXECFN, execfnAt}, {AT_PLATFORM, platformAt}, {AT_NULL, 0}});

  uint64_t auxvAt = p - auxv.size() * 16;
  uint64_t items = argv.size() + 1 + envp.size() + 1 + 1;
  uint64_t rsp = (auxvAt - items * 8) & ~uint64_t{15};

  Block block(rsp, stack.top);
  block.put(execfnAt, args.execfn.c_str(), args.execfn.size() + 1);
  for (size_t i = 0; i < envp.size(); ++i) block.put(envAt[i], envp[i].c_str(), envp[i].size() + 1);
  for (size_t i = 0; i < argv.size(); ++i) block.put(argAt[i], argv[i].c_str(), argv[i].size() + 1);
  block.put(platformAt, kPlatform, sizeof kPlatform);
  block.put(randomAt, aux.random.data(), aux.random.size());
  uint64_t at = rsp;
  auto push = [&](uint64_t word) {
    block.putWord(at, word);
    at += 8;
  };
  push(argv.size());
  for (uint64_t a : argAt) push(a);
  push(0);
  for (uint64_t e : envAt) push(e);
  push(0);
  for (const auto& [type, value] : auxv) {
    push(type);
    push(value);
  }
  if (!memory.copyOut(rsp, block.bytes().data(), block.bytes().size()))
    throw CoreError("se-setup", "the initial stack [" + hex(rsp) + ", " + hex(stack.top) +
                                    ") is not writable user memory; map it with mapStack first");
  return rsp;
}

}  // namespace kx::se
