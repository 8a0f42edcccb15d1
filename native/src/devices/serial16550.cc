#include "devices/serial16550.hh"

namespace kx {

namespace {
enum : uint64_t { kData = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScratch = 7 };
constexpr uint8_t kLsrTransmitterIdle = 0x60;  // THR empty and transmitter empty: always ready
constexpr uint8_t kMsrCarrierReady = 0xb0;     // DCD, DSR, CTS
}  // namespace

uint64_t Serial16550::read(uint64_t offset, unsigned) {
  switch (offset) {
    case kData: return dlab() ? dll_ : 0;
    case kIer: return dlab() ? dlm_ : ier_;
    case kIirFcr: return (fcr_ & 1) ? 0xc1 : 0x01;  // no interrupt pending
    case kLcr: return lcr_;
    case kMcr: return mcr_;
    case kLsr: return kLsrTransmitterIdle;
    case kMsr: return kMsrCarrierReady;
    case kScratch: return scratch_;
  }
  return 0xff;
}

void Serial16550::write(uint64_t offset, uint64_t value, unsigned) {
  auto byte = static_cast<uint8_t>(value);
  switch (offset) {
    case kData:
      if (dlab()) {
        dll_ = byte;
      } else {
        ++txBytes_;
        if (console_) std::fputc(byte, console_);
      }
      break;
    case kIer: (dlab() ? dlm_ : ier_) = byte; break;
    case kIirFcr: fcr_ = byte; break;
    case kLcr: lcr_ = byte; break;
    case kMcr: mcr_ = byte; break;
    case kScratch: scratch_ = byte; break;
    default: break;  // LSR and MSR are read-only
  }
}

}  // namespace kx
