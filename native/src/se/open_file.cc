#include "se/open_file.hh"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kx::se {
namespace {

int64_t resultOf(ssize_t n) { return n < 0 ? -errno : n; }

// Plain files and devices are always ready, as Linux's DEFAULT_POLLMASK says.
constexpr unsigned kAlwaysReady = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

}  // namespace

// Linux gives EINVAL for read/write on a file whose kind has no such operation.
int64_t OpenFile::read(void*, uint64_t, int64_t) { return -EINVAL; }
int64_t OpenFile::write(const void*, uint64_t, int64_t) { return -EINVAL; }
int64_t OpenFile::seek(int64_t, int) { return -ESPIPE; }
int64_t OpenFile::readDirectory(void*, uint64_t) { return -ENOTDIR; }
unsigned OpenFile::pollEvents() const { return kAlwaysReady; }

int OpenFile::setStatusFlags(int flags) {
  constexpr int kChangeable = O_APPEND | O_NONBLOCK;
  statusFlags_ = (statusFlags_ & ~kChangeable) | (flags & kChangeable);
  return 0;
}

bool OpenFile::isDirectory() const {
  struct stat st {};
  return stat(st) == 0 && S_ISDIR(st.st_mode);
}

int64_t HostFile::read(void* dst, uint64_t len, int64_t offset) {
  return resultOf(offset < 0 ? ::read(fd_.get(), dst, len) : ::pread(fd_.get(), dst, len, offset));
}

int64_t HostFile::write(const void* src, uint64_t len, int64_t offset) {
  return resultOf(offset < 0 ? ::write(fd_.get(), src, len) : ::pwrite(fd_.get(), src, len, offset));
}

int64_t HostFile::seek(int64_t offset, int whence) { return resultOf(::lseek(fd_.get(), offset, whence)); }

// The host's linux_dirent64 records are the x86-64 guest's, byte for byte.
int64_t HostFile::readDirectory(void* dst, uint64_t len) {
  return resultOf(::syscall(SYS_getdents64, fd_.get(), dst, len));
}

int HostFile::stat(struct stat& st) const { return ::fstat(fd_.get(), &st) == 0 ? 0 : -errno; }

Mappable HostFile::mappable() const {
  struct stat st {};
  return stat(st) == 0 && S_ISREG(st.st_mode) ? Mappable::HostFile : Mappable::No;
}

int HostFile::setStatusFlags(int flags) {
  int host = ::fcntl(fd_.get(), F_GETFL);
  if (host < 0 || ::fcntl(fd_.get(), F_SETFL, (host & ~O_APPEND) | (flags & O_APPEND)) != 0) return -errno;
  return OpenFile::setStatusFlags(flags);
}

int64_t DeviceFile::read(void* dst, uint64_t len, int64_t) {
  switch (device_) {
    case Device::Null:
      return 0;
    case Device::Zero:
      std::memset(dst, 0, len);
      return static_cast<int64_t>(len);
    case Device::Random:
    case Device::Urandom:
      random_.fill(dst, len);
      return static_cast<int64_t>(len);
  }
  return -EINVAL;
}

// Writes to any of the memory devices vanish (a write to /dev/random would
// only stir the kernel's pool).
int64_t DeviceFile::write(const void*, uint64_t len, int64_t) { return static_cast<int64_t>(len); }

// Linux's null_lseek and noop_llseek: the position stays 0.
int64_t DeviceFile::seek(int64_t, int) { return 0; }

int DeviceFile::stat(struct stat& st) const {
  deviceStat(device_, st);
  return 0;
}

int64_t VirtualDirectory::read(void*, uint64_t, int64_t) { return -EISDIR; }

int64_t VirtualDirectory::seek(int64_t offset, int whence) {
  if (whence != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > entries_.size() + 2) return -EINVAL;
  position_ = static_cast<uint64_t>(offset);
  return offset;
}

int64_t VirtualDirectory::readDirectory(void* dst, uint64_t len) {
  auto* out = static_cast<uint8_t*>(dst);
  uint64_t filled = 0;
  for (; position_ < entries_.size() + 2; ++position_) {
    std::string name, path;
    unsigned char type = DT_DIR;
    if (position_ < 2) {
      name = position_ == 0 ? "." : "..";
      path = position_ == 0 ? guestPath() : guestPath().substr(0, guestPath().rfind('/'));
    } else {
      const VirtualEntry& entry = entries_[position_ - 2];
      name = entry.name;
      type = entry.type;
      path = (guestPath() == "/" ? "" : guestPath()) + "/" + name;
    }
    constexpr size_t kHeader = 19;  // d_ino, d_off, d_reclen, d_type
    uint64_t reclen = (kHeader + name.size() + 1 + 7) & ~uint64_t{7};
    if (filled + reclen > len) {
      if (filled == 0) return -EINVAL;
      break;
    }
    struct stat st {};
    virtualDirStat(path.empty() ? "/" : path, st);
    uint64_t ino = st.st_ino, next = position_ + 1;
    uint16_t reclen16 = static_cast<uint16_t>(reclen);
    uint8_t* record = out + filled;
    std::memset(record, 0, reclen);
    std::memcpy(record, &ino, 8);
    std::memcpy(record + 8, &next, 8);
    std::memcpy(record + 16, &reclen16, 2);
    record[18] = type;
    std::memcpy(record + kHeader, name.data(), name.size());
    filled += reclen;
  }
  return static_cast<int64_t>(filled);
}

int VirtualDirectory::stat(struct stat& st) const {
  virtualDirStat(guestPath(), st);
  return 0;
}

}  // namespace kx::se
