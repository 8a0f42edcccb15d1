#pragma once
// Guest-side layouts and constants of the x86-64 Linux ABI that the host's
// headers do not give as the kernel sees them. (struct stat, struct statx,
// struct rusage, struct sysinfo and the O_* flags other than O_LARGEFILE are
// the host's own: the host is x86-64 Linux too, and the static_asserts where
// they are copied say so.)
#include <cstdint>

namespace kx::se::abi {

constexpr uint64_t kPageSize = 4096;
constexpr int kOLargefile = 0100000;  // glibc defines O_LARGEFILE as 0 on x86-64; the kernel sets this bit
constexpr int kAtFdCwd = -100;
constexpr uint64_t kTaskSizeMax = (uint64_t{1} << 47) - kPageSize;  // the top of user space (4-level paging)

struct Timespec {
  int64_t sec, nsec;
};
struct Timeval {
  int64_t sec, usec;
};
struct Iovec {
  uint64_t base, len;
};
struct Pollfd {
  int32_t fd;
  int16_t events, revents;
};
struct Rlimit {
  uint64_t cur, max;
};
constexpr uint64_t kRlimInfinity = ~uint64_t{0};
constexpr int kRlimitCount = 16;  // RLIM_NLIMITS

// The kernel's struct sigaction for rt_sigaction on x86-64 (not glibc's).
struct KernelSigaction {
  uint64_t handler, flags, restorer, mask;
};
struct StackT {
  uint64_t sp;
  int32_t flags;
  int32_t pad;
  uint64_t size;
};
constexpr uint64_t kSigsetSize = 8;

}  // namespace kx::se::abi
