#include "devices/serial16550.hh"

#include "devices/device_state.hh"

namespace kx {

namespace {
enum : uint64_t { kData = 0, kIer = 1, kIirFcr = 2, kLcr = 3, kMcr = 4, kLsr = 5, kMsr = 6, kScratch = 7 };
constexpr uint8_t kIerMask = 0x0f;             // the 16550's four enable bits; the rest read 0, as in QEMU
constexpr uint8_t kIerThrEmpty = 0x02;         // ETBEI
constexpr uint8_t kIirNone = 0x01;
constexpr uint8_t kIirThrEmpty = 0x02;
constexpr uint8_t kIirFifosEnabled = 0xc0;
constexpr uint8_t kLsrTransmitterIdle = 0x60;  // THR empty and transmitter empty: always ready
constexpr uint8_t kMsrCarrierReady = 0xb0;     // DCD, DSR, CTS
constexpr uint32_t kStateVersion = 1;
}  // namespace

uint64_t Serial16550::read(uint64_t offset, unsigned) {
  switch (offset) {
    case kData: return dlab() ? dll_ : 0;
    case kIer: return dlab() ? dlm_ : ier_;
    case kIirFcr: {
      uint8_t fifos = (fcr_ & 1) ? kIirFifosEnabled : 0;
      if (!(thrInterruptEnabled() && thrEmptyPending_)) return fifos | kIirNone;
      // Reading the identification is the acknowledgement for THRE.
      thrEmptyPending_ = false;
      updateIrq();
      return fifos | kIirThrEmpty;
    }
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
      if (dlab()) dll_ = byte;
      else transmit(byte);
      break;
    case kIer:
      if (dlab()) dlm_ = byte;
      else writeIer(byte);
      break;
    case kIirFcr: fcr_ = byte; break;
    case kLcr: lcr_ = byte; break;
    case kMcr: mcr_ = byte; break;
    case kScratch: scratch_ = byte; break;
    default: break;  // LSR and MSR are read-only
  }
}

// Only an ETBEI change re-arms THRE: QEMU does so (Windows toggles IER to get
// a fresh THRE interrupt), and rewriting the same IER leaves an acknowledged
// THRE acknowledged.
void Serial16550::writeIer(uint8_t value) {
  uint8_t changed = (ier_ ^ value) & kIerMask;
  ier_ = value & kIerMask;
  if (changed & kIerThrEmpty) thrEmptyPending_ = thrInterruptEnabled();  // THR is always empty
  updateIrq();
}

// The write fills THR, which clears THRE; the instant transmit empties it
// again. The pin drops and rises as in QEMU, so an edge-triggered controller
// sees a fresh interrupt for every byte even if the last one was never acknowledged.
void Serial16550::transmit(uint8_t byte) {
  thrEmptyPending_ = false;
  updateIrq();
  ++txBytes_;
  if (console_) std::fputc(byte, console_);
  thrEmptyPending_ = true;
  updateIrq();
}

void Serial16550::updateIrq() {
  bool level = thrInterruptEnabled() && thrEmptyPending_;
  if (level == level_) return;
  level_ = level;
  if (level) ++interrupts_;
  irq_.set(level);
}

// The pin's level is not saved: it follows from IER and the pending THRE.
void Serial16550::saveState(StateWriter& writer) const {
  writer.put<uint32_t>(kStateVersion);
  for (uint8_t reg : {ier_, lcr_, mcr_, scratch_, dll_, dlm_, fcr_}) writer.put<uint8_t>(reg);
  putStateBool(writer, thrEmptyPending_);
  writer.put<uint64_t>(txBytes_);
  writer.put<uint64_t>(interrupts_);
}

void Serial16550::loadState(StateReader& reader) {
  getStateVersion(reader, name(), kStateVersion);
  auto ier = reader.get<uint8_t>();
  if (ier & ~kIerMask) stateOutOfRange(name(), "IER", hex(ier));
  auto lcr = reader.get<uint8_t>(), mcr = reader.get<uint8_t>(), scratch = reader.get<uint8_t>();
  auto dll = reader.get<uint8_t>(), dlm = reader.get<uint8_t>(), fcr = reader.get<uint8_t>();
  bool thrEmptyPending = getStateBool(reader, name(), "THRE pending");
  auto txBytes = reader.get<uint64_t>(), interrupts = reader.get<uint64_t>();

  ier_ = ier;
  lcr_ = lcr;
  mcr_ = mcr;
  scratch_ = scratch;
  dll_ = dll;
  dlm_ = dlm;
  fcr_ = fcr;
  thrEmptyPending_ = thrEmptyPending;
  updateIrq();
  // After the pin: raising it here is the restored interrupt, not a new one to count.
  txBytes_ = txBytes;
  interrupts_ = interrupts;
}

}  // namespace kx
