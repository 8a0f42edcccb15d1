#pragma once
// Writing the checkpoint's manifest.json: a tiny JSON writer (the TypeScript
// side parses and validates it; C++ never reads it back) and an atomic file
// write, so a killed run leaves either the old manifest or the new one.
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace kx {

// Pretty-printed, two-space indent, keys in the order written. Misuse (a value
// in an object without a key, an unbalanced end, a second top-level value) is
// CoreError("internal"): it is a bug in the caller, never in the data.
class JsonWriter {
 public:
  void beginObject();
  void endObject();
  void beginArray();
  void endArray();
  void key(std::string_view name);

  // Strings are UTF-8 bytes: quotes, backslashes and control characters are
  // escaped, anything else (non-ASCII included) passes through.
  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(bool b);
  // The shortest form that reads back as the same double; NaN and infinities,
  // which JSON cannot spell, are refused.
  void value(double number);
  // Every integer type, printed exactly (2^64-1 included). JavaScript reads
  // integers above 2^53 inexactly: the reader must expect that.
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool>, int> = 0>
  void value(T number) {
    if constexpr (std::is_signed_v<T>)
      signedValue(number);
    else
      unsignedValue(number);
  }
  void null();

  // The document with a final newline, once exactly one top-level value is complete.
  std::string text() const;

 private:
  struct Frame {
    bool object;
    size_t count = 0;
    bool keyPending = false;
  };
  void beforeValue(const char* what);
  void begin(bool object, char open);
  void end(bool object, char close);
  void newline();
  void signedValue(long long number);
  void unsignedValue(unsigned long long number);
  void string(std::string_view text);

  std::string out_;
  std::vector<Frame> stack_;
  bool done_ = false;
};

// Writes "<path>.tmp", flushes it to disk, renames it over `path`, and
// flushes the folder. Errors are CoreError("checkpoint-io") with the errno text.
void writeFileAtomically(const std::string& path, const std::string& text);

}  // namespace kx
