#include "kvm/kvm_error.hh"

#include <cstring>

namespace kx {

std::string errnoMessage(const std::string& what, int err) {
  return what + ": " + std::strerror(err) + " (errno " + std::to_string(err) + ")";
}

}  // namespace kx
