#pragma once
// The byte form of a model's state in a checkpoint: fixed-width
// little-endian fields written in order and read back in the same order.
// A reader is given bytes from a file, so every read is bounds-checked and a
// short or long record is a CoreError that names what was being read.
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <string>
#include <vector>

#include "sim/core_error.hh"

namespace kx {

class StateWriter {
 public:
  template <typename T>
  void put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto* p = reinterpret_cast<const uint8_t*>(&value);
    bytes_.insert(bytes_.end(), p, p + sizeof value);
  }
  void putBytes(const void* data, size_t size) {
    put<uint64_t>(size);
    const auto* p = static_cast<const uint8_t*>(data);
    bytes_.insert(bytes_.end(), p, p + size);
  }
  void putString(const std::string& s) { putBytes(s.data(), s.size()); }
  const std::vector<uint8_t>& bytes() const { return bytes_; }

 private:
  std::vector<uint8_t> bytes_;
};

class StateReader {
 public:
  // `what` names the record in errors ("device serial", "vcpu 0 registers").
  StateReader(const uint8_t* data, size_t size, std::string what) : data_(data), size_(size), what_(std::move(what)) {}
  explicit StateReader(const std::vector<uint8_t>& bytes, std::string what)
      : StateReader(bytes.data(), bytes.size(), std::move(what)) {}

  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    std::memcpy(&value, take(sizeof value), sizeof value);
    return value;
  }
  std::vector<uint8_t> getBytes(size_t maxSize) {
    uint64_t size = get<uint64_t>();
    if (size > maxSize) throw CoreError("checkpoint-corrupt", what_ + ": a field of " + std::to_string(size) + " bytes, more than the " + std::to_string(maxSize) + " it may have");
    const uint8_t* p = take(size);
    return std::vector<uint8_t>(p, p + size);
  }
  std::string getString(size_t maxSize) {
    std::vector<uint8_t> bytes = getBytes(maxSize);
    return std::string(bytes.begin(), bytes.end());
  }
  // Every byte was read: a longer record is from another version of the model.
  void finish() const {
    if (offset_ != size_)
      throw CoreError("checkpoint-corrupt", what_ + ": " + std::to_string(size_ - offset_) + " bytes left over after the state was read");
  }

 private:
  const uint8_t* take(size_t n) {
    if (n > size_ - offset_)
      throw CoreError("checkpoint-corrupt", what_ + ": the record ends " + std::to_string(n - (size_ - offset_)) + " bytes early");
    const uint8_t* p = data_ + offset_;
    offset_ += n;
    return p;
  }
  const uint8_t* data_;
  size_t size_;
  size_t offset_ = 0;
  std::string what_;
};

}  // namespace kx
