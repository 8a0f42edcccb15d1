#pragma once
// The kernel's layouts of the KVM structures that end in a flexible array.
// Debian 12's uapi headers declare those arrays with __DECLARE_FLEX_ARRAY,
// an empty struct followed by the array; g++ gives the empty struct one
// byte, so in C++ every such array lands at the wrong offset (kvm_cpuid2's
// entries at 12 instead of 8, kvm_stats_desc's name at 17 instead of 16).
// The ioctl numbers encode the structure size, so they are wrong too. We
// describe the headers ourselves, place the arrays by hand, and rebuild the
// ioctl numbers from the right sizes.
#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>

namespace kx::abi {

struct CpuidHeader {  // struct kvm_cpuid2; kvm_cpuid_entry2[nent] follows
  uint32_t nent;
  uint32_t padding;
};

struct SignalMaskHeader {  // struct kvm_signal_mask; `len` bytes of sigset follow
  uint32_t len;
};

struct CoalescedRing {  // struct kvm_coalesced_mmio_ring
  uint32_t first;
  uint32_t last;
  kvm_coalesced_mmio entries[1];  // really as many as fit in the page
};

struct StatsDescHeader {  // struct kvm_stats_desc; name_size bytes of name follow
  uint32_t flags;
  int16_t exponent;
  uint16_t size;
  uint32_t offset;
  uint32_t bucketSize;
};

struct MsrsHeader {  // struct kvm_msrs; kvm_msr_entry[nmsrs] follows
  uint32_t nmsrs;
  uint32_t pad;
};

struct MsrListHeader {  // struct kvm_msr_list; uint32_t indices[nmsrs] follow
  uint32_t nmsrs;
};

struct RoutingHeader {  // struct kvm_irq_routing; kvm_irq_routing_entry[nr] follows
  uint32_t nr;
  uint32_t flags;
};

struct XsaveRegion {  // struct kvm_xsave; KVM_CAP_XSAVE2's larger areas follow
  uint32_t region[1024];
};

constexpr unsigned long kGetSupportedCpuid = _IOWR(KVMIO, 0x05, CpuidHeader);
constexpr unsigned long kSetCpuid2 = _IOW(KVMIO, 0x90, CpuidHeader);
constexpr unsigned long kSetSignalMask = _IOW(KVMIO, 0x8b, SignalMaskHeader);

constexpr unsigned long kSetMsrs = _IOW(KVMIO, 0x89, MsrsHeader);
constexpr unsigned long kGetMsrs = _IOWR(KVMIO, 0x88, MsrsHeader);
constexpr unsigned long kGetMsrIndexList = _IOWR(KVMIO, 0x02, MsrListHeader);
constexpr unsigned long kGetXsave = _IOR(KVMIO, 0xa4, XsaveRegion);
constexpr unsigned long kSetXsave = _IOW(KVMIO, 0xa5, XsaveRegion);
constexpr unsigned long kGetXsave2 = _IOR(KVMIO, 0xcf, XsaveRegion);
constexpr unsigned long kSetGsiRouting = _IOW(KVMIO, 0x6a, RoutingHeader);

static_assert(kGetSupportedCpuid == 0xc008ae05ul);
static_assert(kSetMsrs == 0x4008ae89ul);
static_assert(kGetMsrs == 0xc008ae88ul);
static_assert(kGetMsrIndexList == 0xc004ae02ul);
static_assert(sizeof(kvm_msr_entry) == 16);
static_assert(kGetXsave == 0x9000aea4ul);
static_assert(kSetXsave == 0x5000aea5ul);
static_assert(kGetXsave2 == 0x9000aecful);
static_assert(kSetCpuid2 == 0x4008ae90ul);
static_assert(kSetGsiRouting == 0x4008ae6aul);
static_assert(sizeof(kvm_irq_routing_entry) == 48);
static_assert(kSetSignalMask == 0x4004ae8bul);
static_assert(sizeof(CpuidHeader) == 8);
static_assert(sizeof(SignalMaskHeader) == 4);
static_assert(offsetof(CoalescedRing, entries) == 8);
static_assert(sizeof(kvm_coalesced_mmio) == 24);
static_assert(sizeof(StatsDescHeader) == 16);
static_assert(sizeof(kvm_cpuid_entry2) == 40);

}  // namespace kx::abi
