#include "checkpoint/manifest_json.hh"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "kvm/unique_fd.hh"
#include "sim/core_error.hh"

namespace kx {

void JsonWriter::newline() {
  out_ += '\n';
  out_.append(2 * stack_.size(), ' ');
}

void JsonWriter::beforeValue(const char* what) {
  if (stack_.empty()) {
    if (done_) throw CoreError("internal", std::string("JSON: a second top-level value (") + what + ")");
    return;
  }
  Frame& top = stack_.back();
  if (top.object) {
    if (!top.keyPending) throw CoreError("internal", std::string("JSON: ") + what + " in an object without a key");
    top.keyPending = false;
    return;
  }
  if (top.count++ > 0) out_ += ',';
  newline();
}

void JsonWriter::begin(bool object, char open) {
  beforeValue(object ? "an object" : "an array");
  out_ += open;
  stack_.push_back(Frame{object});
}

void JsonWriter::end(bool object, char close) {
  if (stack_.empty() || stack_.back().object != object)
    throw CoreError("internal", std::string("JSON: ") + (object ? "endObject" : "endArray") + " without its begin");
  if (stack_.back().keyPending) throw CoreError("internal", "JSON: an object ends after a key with no value");
  size_t count = stack_.back().count;
  stack_.pop_back();
  if (count > 0) newline();
  out_ += close;
  if (stack_.empty()) done_ = true;
}

void JsonWriter::beginObject() { begin(true, '{'); }
void JsonWriter::endObject() { end(true, '}'); }
void JsonWriter::beginArray() { begin(false, '['); }
void JsonWriter::endArray() { end(false, ']'); }

void JsonWriter::key(std::string_view name) {
  if (stack_.empty() || !stack_.back().object)
    throw CoreError("internal", "JSON: key \"" + std::string(name) + "\" outside an object");
  Frame& top = stack_.back();
  if (top.keyPending) throw CoreError("internal", "JSON: key \"" + std::string(name) + "\" after a key with no value");
  if (top.count++ > 0) out_ += ',';
  newline();
  string(name);
  out_ += ": ";
  top.keyPending = true;
}

void JsonWriter::string(std::string_view text) {
  out_ += '"';
  for (char c : text) {
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\b': out_ += "\\b"; break;
      case '\f': out_ += "\\f"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out_ += escaped;
        } else {
          out_ += c;
        }
    }
  }
  out_ += '"';
}

void JsonWriter::value(std::string_view text) {
  beforeValue("a string");
  string(text);
  if (stack_.empty()) done_ = true;
}

void JsonWriter::value(bool b) {
  beforeValue("a boolean");
  out_ += b ? "true" : "false";
  if (stack_.empty()) done_ = true;
}

void JsonWriter::value(double number) {
  if (!std::isfinite(number)) throw CoreError("internal", "JSON: " + decimal(number) + " is not a JSON number");
  beforeValue("a number");
  // std::to_chars: the shortest round-trip form, and never a locale's decimal comma.
  char text[32];
  auto result = std::to_chars(text, text + sizeof text, number);
  out_.append(text, result.ptr);
  if (stack_.empty()) done_ = true;
}

void JsonWriter::signedValue(long long number) {
  beforeValue("a number");
  out_ += std::to_string(number);
  if (stack_.empty()) done_ = true;
}

void JsonWriter::unsignedValue(unsigned long long number) {
  beforeValue("a number");
  out_ += std::to_string(number);
  if (stack_.empty()) done_ = true;
}

void JsonWriter::null() {
  beforeValue("null");
  out_ += "null";
  if (stack_.empty()) done_ = true;
}

std::string JsonWriter::text() const {
  if (!done_) throw CoreError("internal", "JSON: the document is " + std::string(stack_.empty() ? "empty" : "unfinished"));
  return out_ + "\n";
}

void writeFileAtomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid()) throw CoreError("checkpoint-io", errnoMessage(tmp + ": cannot create", errno));
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd.get(), text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      throw CoreError("checkpoint-io", errnoMessage(tmp + ": cannot write", err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw CoreError("checkpoint-io", errnoMessage(tmp + ": cannot flush to disk", err));
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw CoreError("checkpoint-io", errnoMessage("cannot rename " + tmp + " to " + path, err));
  }
  // A rename is durable only once the folder holding it is flushed.
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  UniqueFd dirFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!dirFd.valid() || ::fsync(dirFd.get()) != 0)
    throw CoreError("checkpoint-io", errnoMessage(dir + ": cannot flush the folder to disk", errno));
}

}  // namespace kx
