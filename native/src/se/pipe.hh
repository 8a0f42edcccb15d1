#pragma once
// pipe(2) within the one guest process: a bounded buffer between a read end
// and a write end. With a single thread nobody else can drain or fill it, so
// where Linux would block, the ends say -EAGAIN and the caller turns that
// into "blocks forever" unless the end is O_NONBLOCK.
#include <cstdint>
#include <deque>
#include <memory>

#include "se/open_file.hh"

namespace kx::se {

struct PipeBuffer {
  static constexpr uint64_t kCapacity = 65536;  // Linux's default pipe size
  static constexpr uint64_t kAtomicWrite = 4096;  // PIPE_BUF
  std::deque<uint8_t> bytes;
  int readers = 0, writers = 0;
  uint64_t inode;  // for fstat: both ends show the same pipe
};

class PipeEnd : public OpenFile {
 public:
  // `flags`: O_RDONLY for the read end, O_WRONLY for the write end, maybe with O_NONBLOCK.
  PipeEnd(std::shared_ptr<PipeBuffer> pipe, int flags);
  ~PipeEnd() override;
  // Without readers a write gives -EPIPE (no SIGPIPE is delivered).
  int64_t read(void* dst, uint64_t len, int64_t offset) override;
  int64_t write(const void* src, uint64_t len, int64_t offset) override;
  int stat(struct stat& st) const override;
  unsigned pollEvents() const override;
  const std::shared_ptr<PipeBuffer>& buffer() const { return pipe_; }

 private:
  bool isReadEnd() const;
  std::shared_ptr<PipeBuffer> pipe_;
};

}  // namespace kx::se
