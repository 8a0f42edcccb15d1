#include "kvm/kvm_device.hh"

#include <fcntl.h>
#include <sys/ioctl.h>

#include <algorithm>
#include <cerrno>

#include "kvm/kvm_abi.hh"
#include "sim/core_error.hh"

namespace kx {

namespace {

std::string openAdvice(const std::string& path, int err) {
  switch (err) {
    case ENOENT:
      return path + " does not exist: this host has no KVM (no hardware virtualisation, the kvm module is not "
                    "loaded, or this is a guest without nested virtualisation). Run `run-experiments doctor`.";
    case EACCES:
    case EPERM:
      return path + " is not accessible to this user: add the user to the group that owns it (usually `kvm`) "
                    "or run as root.";
    case ENXIO:
    case ENODEV:
      return path + " exists but no KVM driver is bound to it: load kvm_intel, kvm_amd or kvm_pvm.";
    default:
      return errnoMessage("cannot open " + path, err);
  }
}

}  // namespace

KvmDevice::KvmDevice(const std::string& path) : path_(path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) throw CoreError("kvm-unavailable", openAdvice(path, errno));
  fd_.reset(fd);
  int version = ::ioctl(fd, KVM_GET_API_VERSION, 0);
  if (version < 0)
    throw CoreError("kvm-unavailable", errnoMessage(path + " is not a KVM device (KVM_GET_API_VERSION failed)", errno));
  if (version != KVM_API_VERSION)
    throw CoreError("kvm-unavailable", path + " reports KVM API version " + std::to_string(version) +
                                          "; this tool needs version " + std::to_string(KVM_API_VERSION) + ".");
}

int KvmDevice::checkExtension(long capability) const {
  int r = ::ioctl(fd_.get(), KVM_CHECK_EXTENSION, capability);
  return r < 0 ? 0 : r;
}

void KvmDevice::requireExtension(long capability, const char* name) const {
  if (checkExtension(capability) <= 0)
    throw CoreError("kvm-capability-missing",
                   path_ + " lacks " + name + ", which the KVM core needs; run `run-experiments doctor` for details.");
}

int KvmDevice::vcpuMmapSize() const {
  int size = ::ioctl(fd_.get(), KVM_GET_VCPU_MMAP_SIZE, 0);
  if (size < static_cast<int>(sizeof(kvm_run)))
    throw CoreError("kvm-unavailable", errnoMessage("KVM_GET_VCPU_MMAP_SIZE", errno));
  return size;
}

std::vector<kvm_cpuid_entry2> KvmDevice::supportedCpuid() const {
  // The kernel tells us with E2BIG when the buffer is too small; grow until it fits.
  for (unsigned capacity = 64; capacity <= 4096; capacity *= 2) {
    std::vector<unsigned char> buffer(sizeof(abi::CpuidHeader) + capacity * sizeof(kvm_cpuid_entry2));
    auto* header = reinterpret_cast<abi::CpuidHeader*>(buffer.data());
    header->nent = capacity;
    if (::ioctl(fd_.get(), abi::kGetSupportedCpuid, buffer.data()) == 0) {
      const auto* entries = reinterpret_cast<const kvm_cpuid_entry2*>(buffer.data() + sizeof(abi::CpuidHeader));
      return std::vector<kvm_cpuid_entry2>(entries, entries + std::min(header->nent, capacity));
    }
    if (errno != E2BIG) throw CoreError("kvm-setup-failed", errnoMessage("KVM_GET_SUPPORTED_CPUID", errno));
  }
  throw CoreError("kvm-setup-failed", "KVM_GET_SUPPORTED_CPUID: more than 4096 entries");
}

std::vector<uint32_t> KvmDevice::msrIndexList() const {
  for (uint32_t capacity = 256; capacity <= 16384; capacity *= 2) {
    std::vector<uint32_t> buffer(1 + capacity);
    buffer[0] = capacity;
    if (::ioctl(fd_.get(), abi::kGetMsrIndexList, buffer.data()) == 0)
      return std::vector<uint32_t>(buffer.begin() + 1, buffer.begin() + 1 + std::min(buffer[0], capacity));
    if (errno != E2BIG) throw CoreError("kvm-setup-failed", errnoMessage("KVM_GET_MSR_INDEX_LIST", errno));
  }
  throw CoreError("kvm-setup-failed", "KVM_GET_MSR_INDEX_LIST: more than 16384 MSRs");
}

}  // namespace kx
