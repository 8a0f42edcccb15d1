#include "boot/se_runner_pages.hh"

#include "boot/boot_state.hh"
#include "boot/layout.hh"

namespace kx {

namespace {

constexpr uint64_t kMsrStar = 0xc0000081, kMsrLstar = 0xc0000082, kMsrSfmask = 0xc0000084;
constexpr uint64_t kRflagsMask = (1u << 8) | (1u << 9) | (1u << 10) | (1u << 18);  // TF IF DF AC

bool pushesErrorCode(uint8_t vector) {
  return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21 || vector == 29 || vector == 30;
}

void allowOnlySePorts(GuestMemory& memory) {
  uint64_t bitmap = layout::kTss + layout::kTssSize;
  for (uint64_t i = 0; i < layout::kIoBitmapSize; ++i) memory.store<uint8_t>(bitmap + i, 0xff);
  for (uint16_t port : {kSeSyscallPort, kSeExceptionPort})
    memory.store<uint8_t>(bitmap + port / 8, memory.load<uint8_t>(bitmap + port / 8) & ~(1u << (port % 8)));
}

void writeStubs(GuestMemory& memory) {
  // out %al, $port; sysretq. The runner serves the call at the `out`; on PVM,
  // where the stub runs at CPL 3 and sysretq would fault, it returns to the
  // caller itself (RIP from RCX) and the sysretq is never reached.
  const uint8_t syscallStub[] = {0xe6, kSeSyscallPort, 0x48, 0x0f, 0x07};
  memory.write(kSeSyscallEntry, syscallStub, sizeof syscallStub);
  for (unsigned v = 0; v < 32; ++v) {
    // mov $v, %al; out %al, $port; 1: hlt; jmp 1b. The run ends at the `out`.
    const uint8_t stub[] = {0xb0, static_cast<uint8_t>(v), 0xe6, kSeExceptionPort, 0xf4, 0xeb, 0xfd};
    uint64_t at = kSeExceptionEntries + 8 * v;
    memory.write(at, stub, sizeof stub);
    uint64_t handler = kSeRunnerLinearBase + at;
    uint64_t gate = layout::kIdt + 16 * v;
    memory.store<uint16_t>(gate + 0, static_cast<uint16_t>(handler));
    memory.store<uint16_t>(gate + 2, layout::kKernelCs);
    memory.store<uint16_t>(gate + 4, 0x8e00);  // present, DPL 0, 64-bit interrupt gate
    memory.store<uint16_t>(gate + 6, static_cast<uint16_t>(handler >> 16));
    memory.store<uint32_t>(gate + 8, static_cast<uint32_t>(handler >> 32));
  }
}

}  // namespace

void writeSeRunnerPages(GuestMemory& memory) {
  writeGdtAndTss(memory, kSeRunnerLinearBase);
  allowOnlySePorts(memory);
  writeStubs(memory);
}

void setSeSregs(kvm_sregs& sregs, uint64_t cr3, bool osxsave) {
  setLongModeSregs(sregs, osxsave, kSeRunnerLinearBase);
  sregs.cs = flatSegment(layout::kUserCs, 11, true);
  sregs.ds = sregs.es = sregs.ss = flatSegment(layout::kUserDs, 3, false);
  // glibc and musl address thread-local storage through FS's base (arch_prctl), never a selector.
  sregs.fs = sregs.gs = flatSegment(0, 3, false);
  sregs.cr3 = cr3;
  sregs.efer |= (1u << 0) | (1u << 11);  // SCE, NXE
}

std::vector<MsrValue> seSyscallMsrs() {
  // SYSCALL loads CS from STAR[47:32] (ring-0 code) and SS from it + 8;
  // SYSRET loads CS from STAR[63:48] + 16 and SS from it + 8 (ring-3 code and data).
  uint64_t sysretBase = (layout::kUserCs & ~3u) - 16;
  static_assert(((layout::kUserCs & ~3u) - 8) == (layout::kUserDs & ~3u), "SYSRET wants user data just below user code");
  uint64_t star = (sysretBase << 48) | (uint64_t{layout::kKernelCs} << 32);
  return {{kMsrStar, star}, {kMsrLstar, kSeRunnerLinearBase + kSeSyscallEntry}, {kMsrSfmask, kRflagsMask}};
}

bool readExceptionFrame(const GuestMemory& memory, uint8_t vector, uint64_t rsp, ExceptionFrame& frame) {
  const unsigned words = pushesErrorCode(vector) ? 6 : 5;
  if (rsp < kSeRunnerLinearBase) return false;
  uint64_t at = rsp - kSeRunnerLinearBase;
  if (at > layout::kKernelStackTop || words * 8 > layout::kKernelStackTop - at) return false;
  uint64_t w[6];
  for (unsigned i = 0; i < words; ++i) w[i] = memory.load<uint64_t>(at + 8 * i);
  const uint64_t* f = w + (words - 5);
  frame = ExceptionFrame{vector, words == 6 ? w[0] : 0, f[0], f[1], f[2], f[3], f[4]};
  return true;
}

}  // namespace kx
