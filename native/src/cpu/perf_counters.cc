#include "cpu/perf_counters.hh"

#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "sim/core_error.hh"

namespace kx {

namespace {

int openCounter(uint64_t config, int groupFd) {
  perf_event_attr attr{};
  attr.size = sizeof attr;
  attr.type = PERF_TYPE_HARDWARE;
  attr.config = config;
  attr.exclude_host = 1;  // count only while the guest runs
  attr.exclude_hv = 1;
  attr.disabled = groupFd < 0 ? 1 : 0;
  attr.read_format = 0;
  return static_cast<int>(::syscall(__NR_perf_event_open, &attr, 0, -1, groupFd, PERF_FLAG_FD_CLOEXEC));
}

}  // namespace

const char* perfErrnoCause(int err) {
  switch (err) {
    case ENOENT:
    case EOPNOTSUPP:
      return "this CPU exposes no hardware PMU to us (usual under nested or software virtualisation)";
    case EACCES:
    case EPERM:
      return "perf_event_paranoid forbids it for this user (lower /proc/sys/kernel/perf_event_paranoid or run as root)";
    case EMFILE:
      return "too many open files";
    default:
      return "the kernel refused the counter";
  }
}

int probeGuestPerf() {
  int fd = openCounter(PERF_COUNT_HW_INSTRUCTIONS, -1);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

GuestPerfCounters::GuestPerfCounters() {
  int leader = openCounter(PERF_COUNT_HW_CPU_CYCLES, -1);
  if (leader < 0) {
    int err = errno;
    throw CoreError("perf-unavailable", errnoMessage("perf_event_open(cycles, exclude_host)", err) + ": " + perfErrnoCause(err));
  }
  cycles_.reset(leader);
  int insts = openCounter(PERF_COUNT_HW_INSTRUCTIONS, leader);
  if (insts < 0) {
    int err = errno;
    throw CoreError("perf-unavailable", errnoMessage("perf_event_open(instructions, exclude_host)", err) + ": " + perfErrnoCause(err));
  }
  instructions_.reset(insts);
}

void GuestPerfCounters::start() {
  ::ioctl(cycles_.get(), PERF_EVENT_IOC_RESET, PERF_IOC_FLAG_GROUP);
  ::ioctl(cycles_.get(), PERF_EVENT_IOC_ENABLE, PERF_IOC_FLAG_GROUP);
}

PerfReading GuestPerfCounters::read() const {
  PerfReading r;
  if (::read(cycles_.get(), &r.cycles, sizeof r.cycles) != sizeof r.cycles) r.cycles = 0;
  if (::read(instructions_.get(), &r.instructions, sizeof r.instructions) != sizeof r.instructions) r.instructions = 0;
  return r;
}

}  // namespace kx
