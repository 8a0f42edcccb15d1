#include "checkpoint/folder_archive.hh"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "kvm/unique_fd.hh"
#include "sim/core_error.hh"
#include "sim/state_codec.hh"

namespace kx {

namespace {

namespace fs = std::filesystem;

enum class Kind : uint8_t { Folder = 1, File = 2 };
constexpr uint64_t kMaxEntries = 1 << 20;
constexpr size_t kMaxPath = 4096;
constexpr size_t kMaxFile = size_t{1} << 30;

std::vector<uint8_t> readWhole(const fs::path& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) throw CoreError("checkpoint-io", errnoMessage("cannot read " + path.string(), errno));
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  ssize_t got;
  while ((got = ::read(fd.get(), buffer, sizeof buffer)) > 0) bytes.insert(bytes.end(), buffer, buffer + got);
  if (got < 0) throw CoreError("checkpoint-io", errnoMessage("cannot read " + path.string(), errno));
  return bytes;
}

// A path from an archive: relative, with no empty, "." or ".." component.
bool plainRelative(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.size() > kMaxPath) return false;
  for (const fs::path& part : fs::path(path))
    if (part.empty() || part == "." || part == "..") return false;
  return path.find('\0') == std::string::npos;
}

}  // namespace

std::vector<uint8_t> packFolder(const std::string& dir) {
  StateWriter out;
  out.put<uint32_t>(1);
  std::vector<std::pair<std::string, fs::file_status>> entries;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    entries.emplace_back(it->path().lexically_relative(dir).string(), it->symlink_status());
  if (ec) throw CoreError("checkpoint-io", "cannot list " + dir + ": " + ec.message());
  out.put<uint64_t>(entries.size());
  for (const auto& [relative, status] : entries) {
    if (status.type() != fs::file_type::directory && status.type() != fs::file_type::regular)
      throw CoreError("checkpoint-unsupported", dir + "/" + relative + " is neither a folder nor a regular file: a checkpoint cannot keep it");
    bool folder = status.type() == fs::file_type::directory;
    out.put<uint8_t>(static_cast<uint8_t>(folder ? Kind::Folder : Kind::File));
    out.putString(relative);
    out.put<uint32_t>(static_cast<uint32_t>(status.permissions()) & 07777);
    if (!folder) {
      std::vector<uint8_t> bytes = readWhole(fs::path(dir) / relative);
      out.putBytes(bytes.data(), bytes.size());
    }
  }
  return out.bytes();
}

void unpackFolder(const std::vector<uint8_t>& archive, const std::string& dir) {
  StateReader in(archive, "scratch folder");
  uint32_t version = in.get<uint32_t>();
  if (version != 1) throw CoreError("checkpoint-corrupt", "scratch folder version " + std::to_string(version) + ", this build reads 1");
  uint64_t count = in.get<uint64_t>();
  if (count > kMaxEntries) throw CoreError("checkpoint-corrupt", "scratch folder: " + std::to_string(count) + " entries");
  for (uint64_t i = 0; i < count; ++i) {
    uint8_t kind = in.get<uint8_t>();
    std::string relative = in.getString(kMaxPath);
    uint32_t mode = in.get<uint32_t>() & 07777;
    if (!plainRelative(relative) || (kind != static_cast<uint8_t>(Kind::Folder) && kind != static_cast<uint8_t>(Kind::File)))
      throw CoreError("checkpoint-corrupt", "scratch folder: entry " + std::to_string(i) + " (\"" + relative + "\") is not a plain relative folder or file");
    fs::path path = fs::path(dir) / relative;
    std::error_code ec;
    if (kind == static_cast<uint8_t>(Kind::Folder)) {
      fs::create_directories(path, ec);
      if (ec) throw CoreError("checkpoint-io", "cannot create " + path.string() + ": " + ec.message());
      fs::permissions(path, static_cast<fs::perms>(mode | 0700), ec);
      continue;
    }
    std::vector<uint8_t> bytes = in.getBytes(kMaxFile);
    fs::remove(path, ec);
    // Entries come parents first (the order they were listed in); O_NOFOLLOW
    // and O_EXCL keep a crafted archive from writing through a link.
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode | 0600));
    if (!fd.valid()) throw CoreError("checkpoint-io", errnoMessage("cannot create " + path.string(), errno));
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t wrote = ::write(fd.get(), bytes.data() + done, bytes.size() - done);
      if (wrote <= 0) throw CoreError("checkpoint-io", errnoMessage("cannot write " + path.string(), errno));
      done += static_cast<size_t>(wrote);
    }
    ::fchmod(fd.get(), mode);
  }
}

}  // namespace kx
