#include "checkpoint/part_file.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "sim/core_error.hh"

namespace kx {
namespace {

bool isSha256Hex(const std::string& text) {
  if (text.size() != 64) return false;
  for (char c : text)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// A rename is durable only once the directory holding it is flushed.
void fsyncDirectory(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw CoreError("checkpoint-io", errnoMessage(dir + ": cannot open the checkpoint folder", errno));
  if (::fsync(fd.get()) != 0)
    throw CoreError("checkpoint-io", errnoMessage(dir + ": cannot flush the checkpoint folder to disk", errno));
}

}  // namespace

bool isPartFileName(const std::string& file) {
  if (file.empty() || file.size() > 128 || file[0] == '.' || file.find("..") != std::string::npos) return false;
  for (char c : file) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
              c == '-';
    if (!ok) return false;
  }
  return true;
}

PartWriter::PartWriter(std::string dir, std::string name, std::string file)
    : dir_(std::move(dir)), name_(std::move(name)), file_(std::move(file)) {
  if (!isPartFileName(file_))
    throw CoreError("internal", "checkpoint part \"" + name_ + "\": \"" + file_ + "\" is not a plain file name");
  tmpPath_ = dir_ + "/" + file_ + ".tmp";
  fd_.reset(::open(tmpPath_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd_.valid())
    throw CoreError("checkpoint-io", errnoMessage(tmpPath_ + ": cannot create the checkpoint's " + name_ + " part", errno));
}

PartWriter::~PartWriter() {
  if (committed_) return;
  fd_.reset();
  ::unlink(tmpPath_.c_str());
}

void PartWriter::write(const void* data, size_t size) {
  if (committed_) throw CoreError("internal", tmpPath_ + ": written after it was committed");
  hash_.update(data, size);
  const auto* p = static_cast<const uint8_t*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd_.get(), p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw CoreError("checkpoint-io", errnoMessage(tmpPath_ + ": cannot write the checkpoint's " + name_ + " part", errno));
    p += n;
    size -= static_cast<size_t>(n);
    bytes_ += static_cast<uint64_t>(n);
  }
}

PartRecord PartWriter::commit() {
  if (committed_) throw CoreError("internal", tmpPath_ + ": committed twice");
  if (::fsync(fd_.get()) != 0)
    throw CoreError("checkpoint-io", errnoMessage(tmpPath_ + ": cannot flush the checkpoint's " + name_ + " part to disk", errno));
  fd_.reset();
  std::string finalPath = dir_ + "/" + file_;
  if (::rename(tmpPath_.c_str(), finalPath.c_str()) != 0)
    throw CoreError("checkpoint-io", errnoMessage("cannot rename " + tmpPath_ + " to " + finalPath, errno));
  committed_ = true;
  fsyncDirectory(dir_);
  return PartRecord{name_, file_, bytes_, toHex(hash_.finish())};
}

PartRecord writePart(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  PartWriter writer(dir, name, name + ".bin");
  writer.write(bytes.data(), bytes.size());
  return writer.commit();
}

PartReader::PartReader(const std::string& dir, PartRecord record) : record_(std::move(record)) {
  if (!isPartFileName(record_.file))
    throw CoreError("checkpoint-corrupt", "the manifest names the " + record_.name + " part's file \"" + record_.file +
                                              "\": only a plain file name in the checkpoint folder is allowed "
                                              "(letters, digits, '.', '_', '-'; no \"..\")");
  path_ = dir + "/" + record_.file;
  if (!isSha256Hex(record_.sha256))
    throw CoreError("checkpoint-corrupt", path_ + ": the manifest's checksum \"" + record_.sha256 +
                                              "\" is not 64 lowercase hex digits");
  // O_NONBLOCK: a FIFO put in place of a part must not hang the open; it is refused below.
  fd_.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd_.valid())
    throw CoreError("checkpoint-io", errnoMessage(path_ + ": cannot open the checkpoint's " + record_.name + " part", errno));
  struct stat st;
  if (::fstat(fd_.get(), &st) != 0)
    throw CoreError("checkpoint-io", errnoMessage(path_ + ": cannot stat the checkpoint's " + record_.name + " part", errno));
  if (!S_ISREG(st.st_mode)) throw CoreError("checkpoint-io", path_ + ": the checkpoint's " + record_.name + " part is not a regular file");
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size != record_.bytes)
    throw CoreError("checkpoint-corrupt", path_ + ": " + std::to_string(size) + " bytes, the manifest says " +
                                              std::to_string(record_.bytes) + (size < record_.bytes ? " (truncated?)" : ""));
}

void PartReader::read(void* data, size_t size) {
  if (size > remaining())
    throw CoreError("checkpoint-corrupt", path_ + ": its content runs " + std::to_string(size - remaining()) +
                                              " bytes past the end of the part");
  auto* p = static_cast<uint8_t*>(data);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd_.get(), p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw CoreError("checkpoint-io", errnoMessage(path_ + ": cannot read the checkpoint's " + record_.name + " part", errno));
    if (n == 0)
      throw CoreError("checkpoint-corrupt", path_ + ": ends at byte " + std::to_string(offset_ + done) +
                                                " (the file shrank while it was read)");
    done += static_cast<size_t>(n);
  }
  hash_.update(p, size);
  offset_ += size;
}

void PartReader::verify() {
  if (remaining() != 0)
    throw CoreError("checkpoint-corrupt", path_ + ": " + std::to_string(remaining()) +
                                              " bytes left over after its content was read");
  std::string actual = toHex(hash_.finish());
  if (actual != record_.sha256)
    throw CoreError("checkpoint-corrupt", path_ + ": its checksum is " + actual + ", the manifest says " +
                                              record_.sha256 + ": the file was changed or damaged");
}

std::vector<uint8_t> readPart(const std::string& dir, const PartRecord& record, uint64_t maxBytes) {
  if (record.bytes > maxBytes)
    throw CoreError("checkpoint-corrupt", dir + "/" + record.file + ": the manifest gives the " + record.name + " part " +
                                              std::to_string(record.bytes) + " bytes, more than the " +
                                              std::to_string(maxBytes) + " it may have");
  PartReader reader(dir, record);
  std::vector<uint8_t> bytes(static_cast<size_t>(record.bytes));
  reader.read(bytes.data(), bytes.size());
  reader.verify();
  return bytes;
}

}  // namespace kx
