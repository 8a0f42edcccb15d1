#pragma once
namespace kx {
// "KVM_EXIT_IO" for 2, ...; "KVM_EXIT_<n>" for reasons newer than our headers.
const char* exitReasonName(unsigned reason);
}  // namespace kx
