#pragma once
// Guest RAM: one anonymous mapping, with bounds-checked access. Every address
// that comes from the guest or from an image is checked here before use.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace kx {

class GuestMemory {
 public:
  explicit GuestMemory(uint64_t size);
  ~GuestMemory();
  GuestMemory(const GuestMemory&) = delete;
  GuestMemory& operator=(const GuestMemory&) = delete;

  uint64_t size() const { return size_; }
  uint8_t* host() const { return base_; }
  bool contains(uint64_t guestPhys, uint64_t length) const {
    return guestPhys <= size_ && length <= size_ - guestPhys;
  }
  // Throws CoreError("guest-memory-range") when [guestPhys, +length) is not RAM.
  uint8_t* at(uint64_t guestPhys, uint64_t length) const;

  void write(uint64_t guestPhys, const void* data, uint64_t length) { std::memcpy(at(guestPhys, length), data, length); }
  template <typename T>
  void store(uint64_t guestPhys, T value) {
    std::memcpy(at(guestPhys, sizeof(T)), &value, sizeof(T));
  }
  template <typename T>
  T load(uint64_t guestPhys) const {
    T value;
    std::memcpy(&value, at(guestPhys, sizeof(T)), sizeof(T));
    return value;
  }

 private:
  uint64_t size_;
  uint8_t* base_;
};

}  // namespace kx
