#pragma once
// A regular file the runner reads on the guest's behalf (a guest image, an SE
// binary): opened once, so that what is checked is what is later read, and
// read at offsets without trusting the caller's arithmetic.
#include <cstdint>
#include <string>

#include "kvm/unique_fd.hh"

namespace kx {

class ReadOnlyFile {
 public:
  // Errors are CoreError(errorCode, "<path>: cannot open <what>: ..."), and
  // likewise for a file that is not a regular one (a FIFO must not hang).
  ReadOnlyFile(std::string path, const std::string& errorCode, std::string what);

  const std::string& path() const { return path_; }
  uint64_t size() const { return size_; }
  // Exactly `length` bytes at `offset`; a range past the end (the file shrank
  // since it was opened, or the caller miscounted) is an error, not a short read.
  void readAt(uint64_t offset, void* dst, uint64_t length) const;

 private:
  std::string path_;
  std::string errorCode_;
  std::string what_;
  UniqueFd fd_;
  uint64_t size_ = 0;
};

}  // namespace kx
