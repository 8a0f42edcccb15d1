#include "cpu/register_dump.hh"

#include <cstdio>

#include "kvm/vcpu.hh"

namespace kx {

namespace {

void appendSegment(std::string& out, const char* name, const kvm_segment& s) {
  char line[128];
  std::snprintf(line, sizeof line, " %s=%04x(base %llx dpl %u)", name, s.selector,
                static_cast<unsigned long long>(s.base), s.dpl);
  out += line;
}

}  // namespace

std::string registerDump(const Vcpu& vcpu) {
  try {
    kvm_regs r = vcpu.getRegs();
    kvm_sregs s = vcpu.getSregs();
    char text[768];
    std::snprintf(text, sizeof text,
                  "rip=%016llx rsp=%016llx rflags=%08llx rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx "
                  "rsi=%016llx rdi=%016llx rbp=%016llx r8=%016llx r9=%016llx cr0=%08llx cr2=%016llx cr3=%016llx "
                  "cr4=%08llx efer=%llx cpl=%u",
                  r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.r8, r.r9, s.cr0, s.cr2,
                  s.cr3, s.cr4, s.efer, s.cs.dpl);
    std::string out = text;
    appendSegment(out, "cs", s.cs);
    appendSegment(out, "ss", s.ss);
    appendSegment(out, "tr", s.tr);
    return out;
  } catch (const std::exception& e) {
    return std::string("(registers unavailable: ") + e.what() + ")";
  }
}

}  // namespace kx
