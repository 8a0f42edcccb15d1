#pragma once
// One binary part of a checkpoint directory, with the size and SHA-256 that
// the manifest records for it. Writing goes to "<file>.tmp" and is renamed
// into place only once complete and on disk, so a killed run never leaves a
// half-written part under its final name. Reading checks the size when the
// file is opened and the checksum at the end, because the manifest (and so
// every name and number here) comes from a file a user could edit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "checkpoint/sha256.hh"
#include "kvm/unique_fd.hh"

namespace kx {

struct PartRecord {
  std::string name;    // what the part holds, as the manifest lists it ("memory")
  std::string file;    // relative to the checkpoint directory ("memory.bin")
  uint64_t bytes = 0;
  std::string sha256;  // 64 lowercase hex digits
};

// A plain file name inside the checkpoint directory: 1 to 128 of [A-Za-z0-9._-],
// not starting with '.', with no "..": nothing that reaches outside the folder.
bool isPartFileName(const std::string& file);

class PartWriter {
 public:
  // Errors are CoreError("checkpoint-io") naming the file and the errno text.
  PartWriter(std::string dir, std::string name, std::string file);
  // Not committed: the temporary file is removed.
  ~PartWriter();
  PartWriter(const PartWriter&) = delete;
  PartWriter& operator=(const PartWriter&) = delete;

  // Unbuffered: callers write in large pieces (runs of pages, whole records).
  void write(const void* data, size_t size);
  uint64_t bytes() const { return bytes_; }
  // Flushes the file to disk, renames it to its final name, and flushes the
  // directory so the rename survives a crash. Once only.
  PartRecord commit();

 private:
  std::string dir_, name_, file_, tmpPath_;
  UniqueFd fd_;
  Sha256 hash_;
  uint64_t bytes_ = 0;
  bool committed_ = false;
};

// The whole part in one call; its file is "<name>.bin".
PartRecord writePart(const std::string& dir, const std::string& name, const std::vector<uint8_t>& bytes);

class PartReader {
 public:
  // Refuses a bad file name or checksum spelling and a size that differs
  // from record.bytes ("checkpoint-corrupt"), an unopenable file ("checkpoint-io").
  PartReader(const std::string& dir, PartRecord record);
  PartReader(const PartReader&) = delete;
  PartReader& operator=(const PartReader&) = delete;

  const std::string& path() const { return path_; }
  uint64_t remaining() const { return record_.bytes - offset_; }
  // Exactly `size` bytes; asking for more than remain means the content
  // disagrees with its length ("checkpoint-corrupt").
  void read(void* data, size_t size);
  // Once every byte was read: compares the SHA-256 with the manifest's.
  void verify();

 private:
  std::string path_;
  PartRecord record_;
  UniqueFd fd_;
  Sha256 hash_;
  uint64_t offset_ = 0;
};

// A small part read whole and verified. A record of more than maxBytes is
// refused before anything is allocated.
std::vector<uint8_t> readPart(const std::string& dir, const PartRecord& record, uint64_t maxBytes);

}  // namespace kx
