#pragma once
// What every device's checkpoint record shares: a leading version of its
// layout, and checks on what is read back. A record comes from a file, so a
// value the device could never have held is refused as checkpoint-corrupt,
// naming the device and the field, rather than loaded into a model that
// assumes it cannot happen.
#include <cstdint>
#include <string>

#include "sim/core_error.hh"
#include "sim/state_codec.hh"

namespace kx {

[[noreturn]] inline void stateOutOfRange(const std::string& device, const char* field, const std::string& value) {
  throw CoreError("checkpoint-corrupt", device + ": " + field + " " + value + " is out of range");
}

// A record of another version has another layout: reading on would misplace every field.
inline void getStateVersion(StateReader& reader, const std::string& device, uint32_t readable) {
  uint32_t version = reader.get<uint32_t>();
  if (version != readable)
    throw CoreError("checkpoint-corrupt", device + ": state version " + std::to_string(version) +
                                              ", this build reads " + std::to_string(readable));
}

inline void putStateBool(StateWriter& writer, bool value) { writer.put<uint8_t>(value ? 1 : 0); }

inline bool getStateBool(StateReader& reader, const std::string& device, const char* field) {
  uint8_t value = reader.get<uint8_t>();
  if (value > 1) stateOutOfRange(device, field, std::to_string(value));
  return value == 1;
}

}  // namespace kx
