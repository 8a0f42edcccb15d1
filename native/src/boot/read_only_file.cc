#include "boot/read_only_file.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "sim/core_error.hh"

namespace kx {

ReadOnlyFile::ReadOnlyFile(std::string path, const std::string& errorCode, std::string what)
    : path_(std::move(path)), errorCode_(errorCode), what_(std::move(what)) {
  // O_NONBLOCK: a FIFO given as the file must not hang the open; it is refused below.
  fd_.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd_.valid()) throw CoreError(errorCode_, errnoMessage(path_ + ": cannot open " + what_, errno));
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0) throw CoreError(errorCode_, errnoMessage(path_ + ": cannot stat " + what_, errno));
  if (!S_ISREG(st.st_mode)) throw CoreError(errorCode_, path_ + ": " + what_ + " is not a regular file");
  size_ = static_cast<uint64_t>(st.st_size);
}

void ReadOnlyFile::readAt(uint64_t offset, void* dst, uint64_t length) const {
  if (offset > size_ || length > size_ - offset)
    throw CoreError(errorCode_, path_ + ": reading " + what_ + " bytes [" + hex(offset) + ", +" + hex(length) +
                                    ") past its end at " + hex(size_));
  auto* out = static_cast<uint8_t*>(dst);
  uint64_t done = 0;
  while (done < length) {
    ssize_t n = ::pread(fd_.get(), out + done, length - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw CoreError(errorCode_, errnoMessage(path_ + ": cannot read " + what_, errno));
    if (n == 0)
      throw CoreError(errorCode_, path_ + ": short read of " + what_ + " at offset " + hex(offset + done) +
                                      " (the file shrank while in use)");
    done += static_cast<uint64_t>(n);
  }
}

}  // namespace kx
