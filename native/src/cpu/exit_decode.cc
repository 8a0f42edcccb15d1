#include "cpu/exit_decode.hh"

#include "sim/core_error.hh"

namespace kx {

DecodedAccess decodeIoExit(const kvm_run& run, size_t runSize) {
  DecodedAccess io;
  unsigned size = run.io.size;
  uint64_t count = run.io.count;
  uint64_t offset = run.io.data_offset;
  // The data area lives in the shared run page; never trust its bounds.
  if ((size != 1 && size != 2 && size != 4) || count == 0 || offset > runSize || count * size > runSize - offset) {
    io.error = "port IO exit with size " + std::to_string(size) + ", count " + std::to_string(count) +
               ", data offset " + hex(offset) + " outside the run area";
    return io;
  }
  io.address = run.io.port;
  io.size = size;
  io.count = count;
  io.isWrite = run.io.direction == KVM_EXIT_IO_OUT;
  io.dataOffset = offset;
  return io;
}

DecodedAccess decodeMmioExit(const kvm_run& run) {
  DecodedAccess mmio;
  unsigned len = run.mmio.len;
  if (len == 0 || len > sizeof run.mmio.data) {
    mmio.error = "MMIO exit of " + std::to_string(len) + " bytes at " + hex(run.mmio.phys_addr);
    return mmio;
  }
  mmio.address = run.mmio.phys_addr;
  mmio.size = len;
  mmio.count = 1;
  mmio.isWrite = run.mmio.is_write;
  mmio.dataOffset = offsetof(kvm_run, mmio.data);
  return mmio;
}

}  // namespace kx
