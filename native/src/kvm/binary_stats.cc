#include "kvm/binary_stats.hh"

#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kvm/kvm_abi.hh"

#include <cstring>
#include <unordered_map>

namespace kx {

BinaryStats::BinaryStats(int vcpuFd) {
  int fd = ::ioctl(vcpuFd, KVM_GET_STATS_FD, 0);
  if (fd < 0) return;
  UniqueFd owned(fd);
  kvm_stats_header header{};
  if (::pread(fd, &header, sizeof header, 0) != static_cast<ssize_t>(sizeof header)) return;
  // Bound what the kernel tells us before allocating on its word.
  if (header.num_desc > 4096 || header.name_size > 1024) return;
  size_t stride = sizeof(abi::StatsDescHeader) + header.name_size;
  std::vector<unsigned char> raw(stride * header.num_desc);
  if (::pread(fd, raw.data(), raw.size(), header.desc_offset) != static_cast<ssize_t>(raw.size())) return;
  for (uint32_t i = 0; i < header.num_desc; ++i) {
    abi::StatsDescHeader desc;
    std::memcpy(&desc, raw.data() + i * stride, sizeof desc);
    const char* name = reinterpret_cast<const char*>(raw.data() + i * stride + sizeof desc);
    bool cumulative = (desc.flags & KVM_STATS_TYPE_MASK) == KVM_STATS_TYPE_CUMULATIVE;
    if (!cumulative || desc.size != 1) continue;
    descriptors_.push_back({std::string(name, strnlen(name, header.name_size)), desc.offset});
  }
  dataOffset_ = header.data_offset;
  fd_ = std::move(owned);
}

StatValues BinaryStats::snapshot() const {
  StatValues values;
  if (!fd_.valid()) return values;
  values.reserve(descriptors_.size());
  for (const auto& desc : descriptors_) {
    uint64_t value = 0;
    if (::pread(fd_.get(), &value, sizeof value, dataOffset_ + desc.offset) == sizeof value)
      values.emplace_back(desc.name, value);
  }
  return values;
}

StatValues statDelta(const StatValues& before, const StatValues& after) {
  std::unordered_map<std::string, uint64_t> start(before.begin(), before.end());
  StatValues delta;
  for (const auto& [name, value] : after) {
    auto it = start.find(name);
    if (it != start.end()) delta.emplace_back(name, value - it->second);
  }
  return delta;
}

}  // namespace kx
