#pragma once
// x86-64 Linux system-call names by number, for statistics, traces and the
// "unsupported-syscall" detail.
#include <cstdint>
#include <string>

namespace kx::se {

// "openat" for 257; "syscall_<n>" for a number Linux x86-64 does not define.
std::string syscallName(uint64_t nr);

}  // namespace kx::se
