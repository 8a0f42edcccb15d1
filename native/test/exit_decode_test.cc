// decodeIoExit / decodeMmioExit over a fake run area: what KVM reports, and
// fields no correct kernel would report.
#include <doctest/doctest.h>

#include <vector>

#include "cpu/exit_decode.hh"

namespace kx {
namespace {

// A zeroed run area of three pages, like the mapping KVM gives a vCPU (the
// run structure, the PIO data page, the coalesced ring).
class FakeRun {
 public:
  static constexpr size_t kSize = 3 * 4096;
  FakeRun() : words_(kSize / 8) { static_assert(sizeof(kvm_run) <= 4096); }
  kvm_run& run() { return *reinterpret_cast<kvm_run*>(words_.data()); }
  uint8_t* base() { return reinterpret_cast<uint8_t*>(words_.data()); }

  void io(uint8_t direction, uint8_t size, uint16_t port, uint32_t count, uint64_t dataOffset) {
    run().exit_reason = KVM_EXIT_IO;
    run().io.direction = direction;
    run().io.size = size;
    run().io.port = port;
    run().io.count = count;
    run().io.data_offset = dataOffset;
  }
  void mmio(uint64_t address, uint32_t len, bool isWrite) {
    run().exit_reason = KVM_EXIT_MMIO;
    run().mmio.phys_addr = address;
    run().mmio.len = len;
    run().mmio.is_write = isWrite;
  }

 private:
  std::vector<uint64_t> words_;
};

TEST_CASE("IO exit: a valid OUT") {
  FakeRun f;
  f.io(KVM_EXIT_IO_OUT, 1, 0x3f8, 1, 4096);
  DecodedAccess io = decodeIoExit(f.run(), FakeRun::kSize);
  REQUIRE(io.ok());
  CHECK(io.address == 0x3f8);
  CHECK(io.size == 1);
  CHECK(io.count == 1);
  CHECK(io.isWrite);
  CHECK(io.dataOffset == 4096);
  CHECK(io.data(f.run()) == f.base() + 4096);
}

TEST_CASE("IO exit: a valid string IN (rep insw)") {
  FakeRun f;
  f.io(KVM_EXIT_IO_IN, 2, 0x1f0, 256, 4096);
  DecodedAccess io = decodeIoExit(f.run(), FakeRun::kSize);
  REQUIRE(io.ok());
  CHECK(io.address == 0x1f0);
  CHECK(io.size == 2);
  CHECK(io.count == 256);
  CHECK(!io.isWrite);
}

TEST_CASE("IO exit: data ending exactly at the end of the run area is accepted") {
  FakeRun f;
  f.io(KVM_EXIT_IO_OUT, 4, 0xf4, 2, FakeRun::kSize - 8);
  DecodedAccess io = decodeIoExit(f.run(), FakeRun::kSize);
  REQUIRE(io.ok());
  CHECK(io.dataOffset == FakeRun::kSize - 8);
  CHECK(io.count * io.size == 8);
}

TEST_CASE("IO exit: a size other than 1, 2 or 4 is refused") {
  FakeRun f;
  f.io(KVM_EXIT_IO_OUT, 3, 0x3f8, 1, 4096);
  DecodedAccess io = decodeIoExit(f.run(), FakeRun::kSize);
  CHECK(!io.ok());
  CHECK(io.error == "port IO exit with size 3, count 1, data offset 0x1000 outside the run area");
  for (uint8_t size : {0, 5, 8, 255}) {
    f.io(KVM_EXIT_IO_OUT, size, 0x3f8, 1, 4096);
    CHECK_MESSAGE(!decodeIoExit(f.run(), FakeRun::kSize).ok(), "size " << int(size));
  }
}

TEST_CASE("IO exit: count 0 is refused") {
  FakeRun f;
  f.io(KVM_EXIT_IO_IN, 1, 0x60, 0, 4096);
  DecodedAccess io = decodeIoExit(f.run(), FakeRun::kSize);
  CHECK(io.error == "port IO exit with size 1, count 0, data offset 0x1000 outside the run area");
}

TEST_CASE("IO exit: a data offset past the run area is refused") {
  FakeRun f;
  SUBCASE("just past") {
    f.io(KVM_EXIT_IO_OUT, 1, 0x80, 1, FakeRun::kSize + 1);
    CHECK(decodeIoExit(f.run(), FakeRun::kSize).error ==
          "port IO exit with size 1, count 1, data offset 0x3001 outside the run area");
  }
  SUBCASE("at the end, with a byte to move") {
    f.io(KVM_EXIT_IO_OUT, 1, 0x80, 1, FakeRun::kSize);
    CHECK(!decodeIoExit(f.run(), FakeRun::kSize).ok());
  }
  SUBCASE("2^64 - 1") {
    f.io(KVM_EXIT_IO_OUT, 4, 0x80, 1, UINT64_MAX);
    CHECK(decodeIoExit(f.run(), FakeRun::kSize).error ==
          "port IO exit with size 4, count 1, data offset 0xffffffffffffffff outside the run area");
  }
}

TEST_CASE("IO exit: count * size running past the run area is refused") {
  FakeRun f;
  SUBCASE("one access too many") {
    f.io(KVM_EXIT_IO_OUT, 4, 0x80, 2, FakeRun::kSize - 4);
    CHECK(decodeIoExit(f.run(), FakeRun::kSize).error ==
          "port IO exit with size 4, count 2, data offset 0x2ffc outside the run area");
  }
  SUBCASE("the largest count") {
    f.io(KVM_EXIT_IO_IN, 4, 0x80, UINT32_MAX, 4096);
    CHECK(!decodeIoExit(f.run(), FakeRun::kSize).ok());
  }
  SUBCASE("a run area smaller than the offset") {
    f.io(KVM_EXIT_IO_IN, 1, 0x80, 1, 4096);
    CHECK(!decodeIoExit(f.run(), 4096).ok());
    CHECK(decodeIoExit(f.run(), 4097).ok());
  }
}

TEST_CASE("MMIO exit: valid reads and writes of 1 to 8 bytes") {
  FakeRun f;
  for (uint32_t len : {1u, 2u, 4u, 8u}) {
    f.mmio(0xd0000000, len, len % 2 == 0);
    DecodedAccess mmio = decodeMmioExit(f.run());
    REQUIRE(mmio.ok());
    CHECK(mmio.address == 0xd0000000);
    CHECK(mmio.size == len);
    CHECK(mmio.count == 1);
    CHECK(mmio.isWrite == (len % 2 == 0));
    CHECK(mmio.data(f.run()) == f.run().mmio.data);
  }
}

TEST_CASE("MMIO exit: a length of 0 or more than 8 bytes is refused") {
  FakeRun f;
  f.mmio(0xd0000000, 0, true);
  CHECK(decodeMmioExit(f.run()).error == "MMIO exit of 0 bytes at 0xd0000000");
  f.mmio(0xffff0000, 9, false);
  CHECK(decodeMmioExit(f.run()).error == "MMIO exit of 9 bytes at 0xffff0000");
  f.mmio(0x1000, UINT32_MAX, true);
  CHECK(decodeMmioExit(f.run()).error == "MMIO exit of 4294967295 bytes at 0x1000");
}

}  // namespace
}  // namespace kx
