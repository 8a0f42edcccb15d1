#pragma once
// An open file description: what a guest fd refers to, shared by the fds
// that dup() made from one open(), with one position and one set of status
// flags. The kinds: a host file or directory of a mapping (stdin, stdout and
// stderr are host files too), a synthesized device, a pipe end, a
// synthesized directory.
#include <fcntl.h>
#include <sys/stat.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "se/host_fd.hh"
#include "se/linux_abi.hh"
#include "se/random_stream.hh"
#include "se/sandbox_fs.hh"

namespace kx::se {

// The open(2) flags Linux knows on x86-64 (it ignores the others).
constexpr int kKnownOpenFlags = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |
                                FASYNC | O_DIRECT | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | O_SYNC |
                                O_PATH | O_TMPFILE | abi::kOLargefile;
// The flags that act only while opening: a description's status never holds them.
constexpr int kOpenTimeFlags = O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_CLOEXEC;
// What the host open gets: O_CLOEXEC is the sandbox's own, O_DIRECT and
// O_NOATIME could fail on the host for reasons that are not the guest's.
constexpr int kHostOpenFlags = O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_SYNC |
                               O_DIRECTORY | O_NOFOLLOW | O_PATH | O_TMPFILE;

// What mmap can make of a file.
enum class Mappable { No, HostFile, Anonymous };

class OpenFile {
 public:
  OpenFile(int statusFlags, std::string guestPath) : statusFlags_(statusFlags), guestPath_(std::move(guestPath)) {}
  virtual ~OpenFile() = default;
  OpenFile(const OpenFile&) = delete;
  OpenFile& operator=(const OpenFile&) = delete;

  // At most `len` bytes at `offset`, or at the file position when offset is
  // -1: the count or -errno. -EAGAIN: nothing can move now (an empty or full
  // pipe); the caller decides whether that blocks forever.
  virtual int64_t read(void* dst, uint64_t len, int64_t offset);
  virtual int64_t write(const void* src, uint64_t len, int64_t offset);
  virtual int64_t seek(int64_t offset, int whence);
  // linux_dirent64 records into dst: bytes filled, 0 at the end, -EINVAL
  // when dst cannot hold the next one.
  virtual int64_t readDirectory(void* dst, uint64_t len);
  virtual int stat(struct stat& st) const = 0;
  // poll(2)'s revents before masking with the requested events.
  virtual unsigned pollEvents() const;
  virtual Mappable mappable() const { return Mappable::No; }
  virtual int hostFd() const { return -1; }
  // F_SETFL: O_APPEND and O_NONBLOCK change; the access mode stays.
  virtual int setStatusFlags(int flags);

  // The access mode (O_RDONLY, ...) with O_APPEND, O_NONBLOCK, O_PATH, O_LARGEFILE as F_GETFL gives them.
  int statusFlags() const { return statusFlags_; }
  // The canonical guest path, for a directory fd's *at() calls and for traces.
  const std::string& guestPath() const { return guestPath_; }
  bool isDirectory() const;

 protected:
  int statusFlags_;

 private:
  std::string guestPath_;
};

class HostFile : public OpenFile {
 public:
  HostFile(HostFd fd, int statusFlags, std::string guestPath)
      : OpenFile(statusFlags, std::move(guestPath)), fd_(std::move(fd)) {}
  int64_t read(void* dst, uint64_t len, int64_t offset) override;
  int64_t write(const void* src, uint64_t len, int64_t offset) override;
  int64_t seek(int64_t offset, int whence) override;
  int64_t readDirectory(void* dst, uint64_t len) override;
  int stat(struct stat& st) const override;
  Mappable mappable() const override;
  int hostFd() const override { return fd_.get(); }
  int setStatusFlags(int flags) override;

 private:
  HostFd fd_;
};

class DeviceFile : public OpenFile {
 public:
  DeviceFile(Device device, RandomStream& random, int statusFlags, std::string guestPath)
      : OpenFile(statusFlags, std::move(guestPath)), device_(device), random_(random) {}
  int64_t read(void* dst, uint64_t len, int64_t offset) override;
  int64_t write(const void* src, uint64_t len, int64_t offset) override;
  int64_t seek(int64_t offset, int whence) override;
  int stat(struct stat& st) const override;
  Mappable mappable() const override { return device_ == Device::Zero ? Mappable::Anonymous : Mappable::No; }
  Device device() const { return device_; }

 private:
  Device device_;
  RandomStream& random_;
};

class VirtualDirectory : public OpenFile {
 public:
  VirtualDirectory(std::vector<VirtualEntry> entries, int statusFlags, std::string guestPath)
      : OpenFile(statusFlags, std::move(guestPath)), entries_(std::move(entries)) {}
  int64_t read(void* dst, uint64_t len, int64_t offset) override;
  int64_t seek(int64_t offset, int whence) override;
  int64_t readDirectory(void* dst, uint64_t len) override;
  int stat(struct stat& st) const override;
  // The next record: seek(position(), SEEK_SET) comes back to it.
  uint64_t position() const { return position_; }

 private:
  std::vector<VirtualEntry> entries_;  // "." and ".." come first, before these
  uint64_t position_ = 0;              // the next record: 0 ".", 1 "..", 2 entries_[0], ...
};

}  // namespace kx::se
