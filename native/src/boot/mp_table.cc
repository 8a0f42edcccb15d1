#include "boot/mp_table.hh"

#include <cstring>
#include <string>
#include <vector>

#include "boot/multiboot.hh"
#include "sim/core_error.hh"

namespace kx {

namespace {

static_assert(kMpTableAddress >= multiboot::kBiosArea, "the MP table must sit where the memory map says reserved");

enum EntryType : uint8_t { kProcessor = 0, kBus = 1, kIoApic = 2, kIoInterrupt = 3, kLocalInterrupt = 4 };
enum InterruptType : uint8_t { kInt = 0, kNmi = 1, kExtInt = 3 };
constexpr uint8_t kCpuEnabled = 1 << 0;
constexpr uint8_t kCpuBootstrap = 1 << 1;
constexpr uint8_t kIoApicEnabled = 1 << 0;
constexpr uint16_t kConforming = 0;  // polarity and trigger mode as the bus says: ISA is edge, active high
constexpr uint8_t kAllLocalApics = 0xff;
constexpr uint8_t kIsaBus = 0;
constexpr uint8_t kSpecRevision = 4;  // 1.4
constexpr char kOemId[] = "KVMEXP  ";        // 8 bytes, space padded
constexpr char kProductId[] = "EXPERIMENTS ";  // 12 bytes, space padded
constexpr char kIsaBusType[] = "ISA   ";     // 6 bytes, space padded
static_assert(sizeof kOemId == 9 && sizeof kProductId == 13 && sizeof kIsaBusType == 7);

// Little-endian fields appended to a byte buffer, in the specification's field order.
class Bytes {
 public:
  void u8(uint8_t v) { bytes_.push_back(v); }
  void u16(uint16_t v) { put(v, 2); }
  void u32(uint32_t v) { put(v, 4); }
  void text(const char* s) { bytes_.insert(bytes_.end(), s, s + std::strlen(s)); }
  void zeros(size_t n) { bytes_.insert(bytes_.end(), n, 0); }
  size_t size() const { return bytes_.size(); }
  const std::vector<uint8_t>& all() const { return bytes_; }

  // Sets the byte at `field` so that [start, start + length) sums to 0 mod 256.
  void checksum(size_t start, size_t length, size_t field) {
    uint8_t sum = 0;
    for (size_t i = start; i < start + length; ++i) sum = static_cast<uint8_t>(sum + bytes_[i]);
    bytes_[field] = static_cast<uint8_t>(bytes_[field] - sum);
  }

 private:
  void put(uint64_t v, unsigned n) {
    for (unsigned i = 0; i < n; ++i) bytes_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  std::vector<uint8_t> bytes_;
};

void floatingPointer(Bytes& out, uint32_t configTable) {
  out.text("_MP_");
  out.u32(configTable);
  out.u8(1);  // length in 16-byte units
  out.u8(kSpecRevision);
  out.u8(0);  // checksum
  out.u8(0);  // feature 1: 0 = a configuration table is present, not a default configuration
  out.u8(0);  // feature 2: IMCR bit clear = virtual wire mode, as SeaBIOS says (there is no IMCR)
  out.zeros(3);
}

void header(Bytes& out, unsigned cpus) {
  out.text("PCMP");
  out.u16(static_cast<uint16_t>(mp::configTableSize(cpus)));
  out.u8(kSpecRevision);
  out.u8(0);  // checksum
  out.text(kOemId);
  out.text(kProductId);
  out.u32(0);  // OEM table pointer
  out.u16(0);  // OEM table size
  out.u16(static_cast<uint16_t>(cpus + mp::kFixedEntries));
  out.u32(mp::kLocalApicAddress);
  out.u16(0);  // extended table length
  out.u8(0);   // extended table checksum
  out.u8(0);
}

void processor(Bytes& out, uint8_t apicId, const MpTableSpec& spec) {
  out.u8(kProcessor);
  out.u8(apicId);
  out.u8(mp::kLocalApicVersion);
  out.u8(kCpuEnabled | (apicId == 0 ? kCpuBootstrap : 0));
  out.u32(spec.cpu.signature);
  out.u32(spec.cpu.features);
  out.zeros(8);
}

void interrupt(Bytes& out, EntryType type, InterruptType kind, uint8_t sourceIrq, uint8_t destination, uint8_t pin) {
  out.u8(type);
  out.u8(kind);
  out.u16(kConforming);
  out.u8(kIsaBus);
  out.u8(sourceIrq);
  out.u8(destination);
  out.u8(pin);
}

}  // namespace

uint64_t writeMpTable(GuestMemory& memory, uint64_t address, const MpTableSpec& spec) {
  if (spec.cpus < 1 || spec.cpus > mp::kMaxCpus)
    throw CoreError("internal", "MP table: " + std::to_string(spec.cpus) + " CPUs; it describes 1 to " +
                                    std::to_string(mp::kMaxCpus));
  const uint64_t size = mp::mpTableSize(spec.cpus);
  if (address % 16 != 0 || address < multiboot::kBiosArea || address > mp::kBiosAreaEnd - size)
    throw CoreError("internal", "MP table: " + hex(size) + " bytes at " + hex(address) +
                                    " is not 16-byte aligned inside the BIOS area [" + hex(multiboot::kBiosArea) +
                                    ", " + hex(mp::kBiosAreaEnd) + ")");

  const uint64_t configTable = address + mp::kFloatingPointerSize;
  const uint8_t ioApic = mp::kIoApicId;
  Bytes out;
  floatingPointer(out, static_cast<uint32_t>(configTable));
  header(out, spec.cpus);
  for (unsigned cpu = 0; cpu < spec.cpus; ++cpu) processor(out, static_cast<uint8_t>(cpu), spec);

  out.u8(kBus);
  out.u8(kIsaBus);
  out.text(kIsaBusType);

  out.u8(kIoApic);
  out.u8(ioApic);
  out.u8(mp::kIoApicVersion);
  out.u8(kIoApicEnabled);
  out.u32(mp::kIoApicAddress);

  // IRQ2 is the PIC cascade, which never reaches the I/O APIC; its pin is the timer's.
  for (uint8_t irq = 0; irq < mp::kIsaIrqs; ++irq) {
    if (irq == 2) continue;
    interrupt(out, kIoInterrupt, kInt, irq, ioApic, irq == 0 ? mp::kTimerPin : irq);
  }
  interrupt(out, kLocalInterrupt, kExtInt, 0, kAllLocalApics, 0);
  interrupt(out, kLocalInterrupt, kNmi, 0, kAllLocalApics, 1);

  out.checksum(0, mp::kFloatingPointerSize, 10);
  out.checksum(mp::kFloatingPointerSize, mp::configTableSize(spec.cpus), mp::kFloatingPointerSize + 7);
  if (out.size() != size) throw CoreError("internal", "MP table: built " + std::to_string(out.size()) +
                                                          " bytes, expected " + std::to_string(size));
  memory.write(address, out.all().data(), out.size());
  return address + size;
}

}  // namespace kx
