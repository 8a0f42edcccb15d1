#include "devices/guest_fault.hh"

#include <cstdio>

namespace kx {

namespace {

// Pushed by the handler (cr2) and by the CPU (the rest), lowest address first.
struct FaultRecord {
  uint64_t cr2, vector, errorCode, rip, cs, rflags, rsp, ss;
};

const char* vectorName(uint64_t vector) {
  static const char* const names[] = {
      "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
      "#UD invalid opcode", "#NM no math coprocessor", "#DF double fault", "coprocessor overrun",
      "#TS invalid TSS", "#NP segment not present", "#SS stack fault", "#GP general protection",
      "#PF page fault", "reserved", "#MF x87 error", "#AC alignment check", "#MC machine check",
      "#XM SIMD error", "#VE virtualisation", "#CP control protection"};
  return vector < sizeof names / sizeof *names ? names[vector] : "reserved";
}

}  // namespace

std::string describeFault(const GuestMemory& memory, uint64_t recordAddress) {
  if (!memory.contains(recordAddress, sizeof(FaultRecord))) {
    char text[128];
    std::snprintf(text, sizeof text, "the guest reported a fault with its record at 0x%llx, outside guest memory",
                  static_cast<unsigned long long>(recordAddress));
    return text;
  }
  FaultRecord f = memory.load<FaultRecord>(recordAddress);
  char text[320];
  std::snprintf(text, sizeof text,
                "guest exception %llu (%s), error code 0x%llx, at rip=%016llx cs=%04llx rflags=%08llx rsp=%016llx "
                "ss=%04llx cr2=%016llx",
                static_cast<unsigned long long>(f.vector), vectorName(f.vector),
                static_cast<unsigned long long>(f.errorCode), static_cast<unsigned long long>(f.rip),
                static_cast<unsigned long long>(f.cs), static_cast<unsigned long long>(f.rflags),
                static_cast<unsigned long long>(f.rsp), static_cast<unsigned long long>(f.ss),
                static_cast<unsigned long long>(f.cr2));
  return text;
}

}  // namespace kx
