#include "se/sandbox_fs.hh"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>

#include "sim/core_error.hh"

namespace kx::se {
namespace {

constexpr int kMaxSymlinks = 40;  // Linux's MAXSYMLINKS
constexpr size_t kNameMax = 255;
constexpr size_t kPathMax = 4096;

std::vector<std::string> split(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) parts.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

std::string joinFrom(const std::vector<std::string>& parts, size_t from) {
  std::string out;
  for (size_t i = from; i < parts.size(); ++i) {
    if (!out.empty()) out += '/';
    out += parts[i];
  }
  return out;
}

std::string guestPathOf(const std::vector<std::string>& parts) { return "/" + joinFrom(parts, 0); }

bool startsWith(const std::vector<std::string>& path, const std::vector<std::string>& prefix) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

// Host calls take `rel` inside a mapping; openat2 wants "." for its root.
const char* relOrDot(const std::string& rel) { return rel.empty() ? "." : rel.c_str(); }

int openat2InRoot(int rootFd, const char* rel, int flags, unsigned mode) {
  open_how how{};
  how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
  bool creates = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
  how.mode = creates ? mode : 0;  // openat2 refuses a mode it would not use
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  long fd = ::syscall(SYS_openat2, rootFd, rel, &how, sizeof how);
  return fd < 0 ? -errno : static_cast<int>(fd);
}

uint64_t pathHash(const std::string& path) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a: a stable inode number for synthesized entries
  for (unsigned char c : path) h = (h ^ c) * 0x100000001b3ull;
  return h | 1;
}

void synthesizedStat(struct stat& st, unsigned mode, const std::string& guestPath) {
  std::memset(&st, 0, sizeof st);
  st.st_dev = makedev(0, 1);
  st.st_ino = pathHash(guestPath);
  st.st_mode = mode;
  st.st_nlink = 1;
  st.st_blksize = 4096;
}

bool isDot(const std::string& name) { return name == "." || name == ".."; }

}  // namespace

void deviceStat(Device device, struct stat& st) {
  static const struct {
    const char* path;
    unsigned minor;  // of major 1, the memory devices
  } kDevices[] = {{"/dev/null", 3}, {"/dev/zero", 5}, {"/dev/random", 8}, {"/dev/urandom", 9}};
  const auto& d = kDevices[static_cast<int>(device)];
  synthesizedStat(st, S_IFCHR | 0666, d.path);
  st.st_rdev = makedev(1, d.minor);
}

void virtualDirStat(const std::string& guestPath, struct stat& st) {
  synthesizedStat(st, S_IFDIR | 0555, guestPath);
  st.st_nlink = 2;
}

SandboxFs::SandboxFs(const SandboxLayout& layout) : exeGuestPath_(layout.exeGuestPath) {
  // openat2 is the sandbox's wall: without it there is no safe way to walk a mapping.
  open_how probe{};
  probe.flags = O_PATH | O_CLOEXEC;
  probe.resolve = RESOLVE_IN_ROOT;
  long fd = ::syscall(SYS_openat2, AT_FDCWD, "/", &probe, sizeof probe);
  if (fd < 0) {
    int err = errno;
    struct utsname host {};
    ::uname(&host);
    throw CoreError("sandbox-openat2", errnoMessage(std::string("openat2(2), which the file sandbox needs (Linux 5.6 "
                                                                "or later), failed on this host (Linux ") +
                                                        host.release + ")",
                                                    err));
  }
  ::close(static_cast<int>(fd));

  for (const Mount& m : layout.mounts) addMount(m.guestPath, m.hostPath, m.writable);
  if (!layout.scratchHostDir.empty()) addMount(layout.scratchGuestPath, layout.scratchHostDir, true);
  if (!layout.exeHostPath.empty()) addMount(layout.exeGuestPath, layout.exeHostPath, false);

  FsNode start;
  int err = resolve("/", layout.cwd, true, start);
  if (err == 0 && (!start.exists || start.type != S_IFDIR)) err = -ENOTDIR;
  if (layout.cwd.empty() || layout.cwd[0] != '/' || err != 0)
    throw CoreError("sandbox-layout", errnoMessage("the guest's working directory \"" + layout.cwd +
                                                       "\" is no directory of the sandbox",
                                                   err ? -err : EINVAL));
  cwd_ = start.guestPath;
}

void SandboxFs::addMount(const std::string& guestPath, const std::string& hostPath, bool writable) {
  std::vector<std::string> at = split(guestPath);
  bool normal = !guestPath.empty() && guestPath[0] == '/' && std::none_of(at.begin(), at.end(), isDot);
  if (!normal)
    throw CoreError("sandbox-layout", "mount point \"" + guestPath + "\" is not an absolute path without . or ..");
  if (!at.empty() && (at[0] == "dev" || at[0] == "proc"))
    throw CoreError("sandbox-layout", "mount point \"" + guestPath + "\" is inside /dev or /proc, which the sandbox synthesizes");
  for (const MountPoint& m : mounts_)
    if (m.at == at) throw CoreError("sandbox-layout", "two mounts at \"" + guestPath + "\"");
  int fd = ::open(hostPath.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) throw CoreError("sandbox-mount", errnoMessage("mount " + guestPath + ": host path \"" + hostPath + "\"", errno));
  HostFd root(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
    throw CoreError("sandbox-mount", "mount " + guestPath + ": host path \"" + hostPath + "\" is neither a directory nor a regular file");
  mounts_.push_back(MountPoint{at, guestPathOf(at), hostPath, writable, !S_ISDIR(st.st_mode), std::move(root)});
}

int SandboxFs::mountOf(const std::vector<std::string>& at) const {
  int best = -1;
  for (size_t i = 0; i < mounts_.size(); ++i)
    if (startsWith(at, mounts_[i].at) && (best < 0 || mounts_[i].at.size() > mounts_[best].at.size()))
      best = static_cast<int>(i);
  return best;
}

bool SandboxFs::isMountAncestor(const std::vector<std::string>& at) const {
  if (at.empty()) return true;
  return std::any_of(mounts_.begin(), mounts_.end(),
                     [&](const MountPoint& m) { return m.at.size() > at.size() && startsWith(m.at, at); });
}

// /proc holds only self/exe: /proc/self/maps, /proc/cpuinfo and the rest are
// ENOENT, which glibc and musl cope with (they fall back, e.g. to
// sched_getaffinity for the CPU count).
int SandboxFs::lookupSynthesized(const std::vector<std::string>& at, Entry& entry) const {
  static const char* const kDeviceNames[] = {"null", "zero", "random", "urandom"};
  if (at.size() == 1 || (at.size() == 2 && at[0] == "proc" && at[1] == "self")) {
    entry.kind = NodeKind::VirtualDir;
    entry.type = S_IFDIR;
    return 0;
  }
  if (at.size() == 2 && at[0] == "dev") {
    for (int i = 0; i < 4; ++i)
      if (at[1] == kDeviceNames[i]) {
        entry.kind = NodeKind::Device;
        entry.type = S_IFCHR;
        entry.device = static_cast<Device>(i);
        return 0;
      }
  }
  if (at.size() == 3 && at[0] == "proc" && at[1] == "self" && at[2] == "exe" && !exeGuestPath_.empty()) {
    entry.kind = NodeKind::ExeLink;
    entry.type = S_IFLNK;
    entry.target = exeGuestPath_;
    return 0;
  }
  return -ENOENT;
}

int SandboxFs::lstatInMount(const MountPoint& mount, const std::string& rel, struct stat& st,
                            std::string* target) const {
  if (mount.isFile) return ::fstat(mount.root.get(), &st) == 0 ? 0 : -errno;
  HostFd fd(openat2InRoot(mount.root.get(), relOrDot(rel), O_PATH | O_NOFOLLOW, 0));
  if (!fd.valid()) return fd.get();
  if (::fstat(fd.get(), &st) != 0) return -errno;
  if (target && S_ISLNK(st.st_mode)) {
    char buffer[kPathMax];
    ssize_t n = ::readlinkat(fd.get(), "", buffer, sizeof buffer);
    if (n < 0) return -errno;
    if (static_cast<size_t>(n) == sizeof buffer) return -ENAMETOOLONG;
    target->assign(buffer, static_cast<size_t>(n));
  }
  return 0;
}

int SandboxFs::lookup(const std::vector<std::string>& at, Entry& entry) const {
  entry = Entry{};
  if (!at.empty() && (at[0] == "dev" || at[0] == "proc")) return lookupSynthesized(at, entry);
  int m = mountOf(at);
  if (m >= 0) {
    const MountPoint& mount = mounts_[m];
    entry.mount = m;
    entry.rel = joinFrom(at, mount.at.size());
    if (mount.isFile && !entry.rel.empty()) return -ENOTDIR;
    struct stat st {};
    int err = lstatInMount(mount, entry.rel, st, &entry.target);
    // A directory above a mount point that the mapping lacks is still there.
    if (err != -ENOENT || !isMountAncestor(at)) {
      entry.type = st.st_mode & S_IFMT;
      return err;
    }
  }
  if (!isMountAncestor(at)) return -ENOENT;
  entry = Entry{};
  entry.kind = NodeKind::VirtualDir;
  entry.type = S_IFDIR;
  return 0;
}

int SandboxFs::resolve(const std::string& base, const std::string& path, bool followFinal, FsNode& out) const {
  if (path.empty()) return -ENOENT;
  if (path.size() >= kPathMax) return -ENAMETOOLONG;
  struct Step {
    std::string name;
    int linkMount;  // the mapping whose symlink produced this step: `..` stops at its root
  };
  std::vector<std::string> at = path[0] == '/' ? std::vector<std::string>{} : split(base);
  std::deque<Step> todo;
  for (std::string& part : split(path)) todo.push_back({std::move(part), -1});
  out = FsNode{};
  out.trailingSlash = path.size() > 1 && path.back() == '/';
  out.lastWritten = todo.empty() ? "/" : todo.back().name;

  std::optional<Entry> here;  // what `at` names, once looked up
  int links = 0;
  while (!todo.empty()) {
    Step step = std::move(todo.front());
    todo.pop_front();
    bool last = todo.empty();
    if (isDot(step.name)) {
      if (here && here->type != S_IFDIR) return -ENOTDIR;
      bool atLinkRoot = step.linkMount >= 0 && at == mounts_[step.linkMount].at;
      if (step.name == ".." && !at.empty() && !atLinkRoot) {
        at.pop_back();
        here.reset();
      }
      continue;
    }
    if (step.name.size() > kNameMax) return -ENAMETOOLONG;
    at.push_back(step.name);
    Entry entry;
    int err = lookup(at, entry);
    if (err == -ENOENT && last) {
      out.exists = false;
      out.mount = mountOf(at);
      if (out.mount >= 0) out.rel = joinFrom(at, mounts_[out.mount].at.size());
      out.guestPath = guestPathOf(at);
      return 0;
    }
    if (err != 0) return err;
    if (entry.type == S_IFLNK && (!last || followFinal || out.trailingSlash)) {
      if (++links > kMaxSymlinks) return -ELOOP;
      if (entry.target.empty()) return -ENOENT;
      at.pop_back();
      here.reset();
      // An absolute target starts at the root of the link's own mapping; the
      // exe link's target is a path of the guest as a whole.
      if (entry.target[0] == '/') at = entry.mount >= 0 ? mounts_[entry.mount].at : std::vector<std::string>{};
      std::vector<std::string> parts = split(entry.target);
      for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_front({std::move(*it), entry.mount});
      continue;
    }
    if (!last && entry.type != S_IFDIR) return -ENOTDIR;
    here = std::move(entry);
  }
  if (!here) {
    here.emplace();
    if (int err = lookup(at, *here)) return err;
  }
  if (out.trailingSlash && here->type != S_IFDIR) return -ENOTDIR;
  out.kind = here->kind;
  out.mount = here->mount;
  out.rel = here->rel;
  out.type = here->type;
  out.device = here->device;
  out.guestPath = guestPathOf(at);
  return 0;
}

bool SandboxFs::writable(const FsNode& node) const {
  return node.kind == NodeKind::Host && node.mount >= 0 && mounts_[node.mount].writable;
}

int SandboxFs::openInMount(const MountPoint& mount, const std::string& rel, int flags, unsigned mode) const {
  if (mount.isFile) {
    // The mapped file itself: the guest's O_NOFOLLOW is about guest paths, not the host's.
    int fd = ::open(mount.hostPath.c_str(), (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_CLOEXEC);
    return fd < 0 ? -errno : fd;
  }
  return openat2InRoot(mount.root.get(), relOrDot(rel), flags, mode);
}

int SandboxFs::open(const FsNode& node, int flags, unsigned mode) const {
  bool tmpfile = (flags & O_TMPFILE) == O_TMPFILE;
  bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC) || tmpfile;
  if (!node.exists) {
    if (!(flags & O_CREAT)) return -ENOENT;
    if (node.trailingSlash) return -EISDIR;
    if (!writable(node)) return -EROFS;
  } else if (!writable(node)) {
    if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return -EEXIST;
    if (writes) return node.type == S_IFDIR && !tmpfile ? -EISDIR : -EROFS;
    flags &= ~(O_CREAT | O_EXCL);
  }
  if (node.kind != NodeKind::Host || node.mount < 0) return -EACCES;  // the caller opens synthesized nodes
  bool pathOnly = flags & O_PATH;
  // O_NONBLOCK: a FIFO swapped in after the lookup must not stall the host.
  int fd = openInMount(mounts_[node.mount], node.rel, pathOnly ? flags : flags | O_NONBLOCK, mode);
  if (fd < 0) return fd;
  HostFd opened(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return -errno;
  bool allowed = S_ISREG(st.st_mode) || S_ISDIR(st.st_mode) || (pathOnly && S_ISLNK(st.st_mode));
  if (!allowed) return -EACCES;
  if (!pathOnly && !(flags & O_NONBLOCK) && ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK) != 0)
    return -errno;
  return opened.release();
}

int SandboxFs::stat(const FsNode& node, struct stat& st) const {
  if (!node.exists) return -ENOENT;
  switch (node.kind) {
    case NodeKind::VirtualDir:
      virtualDirStat(node.guestPath, st);
      return 0;
    case NodeKind::Device:
      deviceStat(node.device, st);
      return 0;
    case NodeKind::ExeLink:
      synthesizedStat(st, S_IFLNK | 0777, node.guestPath);
      st.st_size = static_cast<off_t>(exeGuestPath_.size());
      return 0;
    case NodeKind::Host:
      break;
  }
  return lstatInMount(mounts_[node.mount], node.rel, st, nullptr);
}

int SandboxFs::readLink(const FsNode& node, std::string& target) const {
  if (!node.exists) return -ENOENT;
  if (node.kind == NodeKind::ExeLink) {
    target = exeGuestPath_;
    return 0;
  }
  if (node.kind != NodeKind::Host || node.type != S_IFLNK) return -EINVAL;
  struct stat st {};
  return lstatInMount(mounts_[node.mount], node.rel, st, &target);
}

int SandboxFs::access(const FsNode& node, int mode) const {
  if (!node.exists) return -ENOENT;
  switch (node.kind) {
    case NodeKind::Device:
      return (mode & X_OK) ? -EACCES : 0;
    case NodeKind::VirtualDir:
      return (mode & W_OK) ? -EACCES : 0;
    case NodeKind::ExeLink:
      return 0;
    case NodeKind::Host:
      break;
  }
  if ((mode & W_OK) && !writable(node)) return -EROFS;
  const MountPoint& mount = mounts_[node.mount];
  HostFd fd;
  if (!mount.isFile) {
    fd = HostFd(openat2InRoot(mount.root.get(), relOrDot(node.rel), O_PATH | O_NOFOLLOW, 0));
    if (!fd.valid()) return fd.get();
  }
  int target = mount.isFile ? mount.root.get() : fd.get();
  return ::syscall(SYS_faccessat2, target, "", mode, AT_EMPTY_PATH) == 0 ? 0 : -errno;
}

// The directory holding `node` and its name there, for *at() calls.
int SandboxFs::openParent(const FsNode& node, std::string& name) const {
  const MountPoint& mount = mounts_[node.mount];
  size_t slash = node.rel.rfind('/');
  std::string parent = slash == std::string::npos ? "" : node.rel.substr(0, slash);
  name = slash == std::string::npos ? node.rel : node.rel.substr(slash + 1);
  return openat2InRoot(mount.root.get(), relOrDot(parent), O_PATH | O_DIRECTORY, 0);
}

// The order of checks follows Linux's namei.c, so the errno is the one a
// real read-only mount gives: EEXIST before EROFS for mkdir, EROFS before
// ENOENT for unlink and rename.
int SandboxFs::makeDirectory(const FsNode& node, unsigned mode) const {
  if (node.exists) return -EEXIST;
  if (!writable(node)) return -EROFS;
  std::string name;
  HostFd parent(openParent(node, name));
  if (!parent.valid()) return parent.get();
  return ::mkdirat(parent.get(), name.c_str(), mode) == 0 ? 0 : -errno;
}

int SandboxFs::remove(const FsNode& node, bool directory) const {
  if (isDot(node.lastWritten) || node.lastWritten == "/") {
    if (!directory) return -EISDIR;
    return node.lastWritten == "." ? -EINVAL : node.lastWritten == ".." ? -ENOTEMPTY : -EBUSY;
  }
  if (!writable(node)) return -EROFS;
  if (!node.exists) return -ENOENT;
  if (node.rel.empty()) return -EBUSY;  // a mount point
  std::string name;
  HostFd parent(openParent(node, name));
  if (!parent.valid()) return parent.get();
  return ::unlinkat(parent.get(), name.c_str(), directory ? AT_REMOVEDIR : 0) == 0 ? 0 : -errno;
}

int SandboxFs::rename(const FsNode& from, const FsNode& to, unsigned flags) const {
  if (from.mount != to.mount) return -EXDEV;
  for (const FsNode* node : {&from, &to})
    if (isDot(node->lastWritten) || node->lastWritten == "/") return -EBUSY;
  if (!writable(from)) return -EROFS;
  if (!from.exists) return -ENOENT;
  if (from.rel.empty() || (to.exists && to.rel.empty())) return -EBUSY;  // a mount point
  std::string fromName, toName;
  HostFd fromParent(openParent(from, fromName));
  if (!fromParent.valid()) return fromParent.get();
  HostFd toParent(openParent(to, toName));
  if (!toParent.valid()) return toParent.get();
  long r = ::syscall(SYS_renameat2, fromParent.get(), fromName.c_str(), toParent.get(), toName.c_str(), flags);
  return r == 0 ? 0 : -errno;
}

std::vector<VirtualEntry> SandboxFs::virtualEntries(const std::string& guestPath) const {
  std::vector<std::string> at = split(guestPath);
  std::vector<VirtualEntry> entries;
  if (at.empty()) entries = {{"dev", DT_DIR}, {"proc", DT_DIR}};
  else if (at == std::vector<std::string>{"dev"})
    entries = {{"null", DT_CHR}, {"random", DT_CHR}, {"urandom", DT_CHR}, {"zero", DT_CHR}};
  else if (at == std::vector<std::string>{"proc"})
    entries = {{"self", DT_DIR}};
  else if (at == std::vector<std::string>{"proc", "self"} && !exeGuestPath_.empty())
    entries = {{"exe", DT_LNK}};
  for (const MountPoint& m : mounts_)
    if (m.at.size() > at.size() && startsWith(m.at, at)) {
      bool leaf = m.at.size() == at.size() + 1;
      entries.push_back({m.at[at.size()], static_cast<unsigned char>(leaf && m.isFile ? DT_REG : DT_DIR)});
    }
  std::sort(entries.begin(), entries.end(), [](const VirtualEntry& a, const VirtualEntry& b) { return a.name < b.name; });
  entries.erase(std::unique(entries.begin(), entries.end(),
                            [](const VirtualEntry& a, const VirtualEntry& b) { return a.name == b.name; }),
                entries.end());
  return entries;
}

}  // namespace kx::se
