// Calls that name files by path: the sandbox resolves every path, relative
// ones against the cwd or a directory fd's guest path.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>  // RENAME_*

#include "se/guest_io.hh"
#include "se/syscall_handlers.hh"

namespace kx::se {
namespace {

SyscallOutcome ret(int64_t value) { return SyscallOutcome::returning(value); }

// The directory a relative path starts from: the cwd, or a directory fd's path.
int baseDirectory(ProcessState& p, int dirfd, const std::string& path, std::string& base) {
  if (!path.empty() && path[0] == '/') base = "/";
  else if (dirfd == abi::kAtFdCwd) base = p.fs.cwd();
  else {
    std::shared_ptr<OpenFile> dir = p.fds.get(dirfd);
    if (!dir) return -EBADF;
    if (!dir->isDirectory()) return -ENOTDIR;
    base = dir->guestPath();
  }
  return 0;
}

int resolvePath(ProcessState& p, int dirfd, const std::string& path, bool follow, FsNode& node) {
  if (path.empty()) return -ENOENT;
  std::string base;
  if (int err = baseDirectory(p, dirfd, path, base)) return err;
  return p.fs.resolve(base, path, follow, node);
}

int readAndResolve(ProcessState& p, int dirfd, uint64_t pathVa, bool follow, FsNode& node) {
  std::string path;
  if (int err = readGuestPath(p.memory, pathVa, path)) return err;
  return resolvePath(p, dirfd, path, follow, node);
}

// Like readAndResolve, but an existing file is needed.
int existingNode(ProcessState& p, int dirfd, uint64_t pathVa, bool follow, FsNode& node) {
  int err = readAndResolve(p, dirfd, pathVa, follow, node);
  return err ? err : node.exists ? 0 : -ENOENT;
}

// An fd or -errno.
int openNode(ProcessState& p, const FsNode& node, int flags, unsigned mode) {
  if (p.fds.full()) return -EMFILE;
  // F_GETFL's view: the kernel drops the open-time flags and adds O_LARGEFILE.
  int status = (flags & ~kOpenTimeFlags) | abi::kOLargefile;
  std::shared_ptr<OpenFile> file;
  bool writes = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
  if (node.exists && node.kind != NodeKind::Host) {
    if ((flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return -EEXIST;
    switch (node.kind) {
      case NodeKind::VirtualDir:
        if (writes || (flags & O_CREAT)) return -EISDIR;
        file = std::make_shared<VirtualDirectory>(p.fs.virtualEntries(node.guestPath), status, node.guestPath);
        break;
      case NodeKind::Device:
        if (flags & O_DIRECTORY) return -ENOTDIR;
        file = std::make_shared<DeviceFile>(node.device, p.random, status, node.guestPath);
        break;
      default:  // /proc/self/exe named by O_NOFOLLOW
        return -ELOOP;
    }
  } else {
    if (node.exists && node.type == S_IFLNK && !(flags & O_PATH)) return -ELOOP;
    int fd = p.fs.open(node, flags & kHostOpenFlags, mode & 07777 & ~p.umask);
    if (fd < 0) return fd;
    file = std::make_shared<HostFile>(HostFd(fd), status, node.guestPath);
  }
  return p.fds.install(std::move(file), flags & O_CLOEXEC);
}

SyscallOutcome openAt(ProcessState& p, int dirfd, uint64_t pathVa, uint64_t flagsArg, uint64_t modeArg) {
  int flags = intArg(flagsArg) & kKnownOpenFlags;
  if (flags & O_PATH) flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
  // O_CREAT|O_EXCL names the last component itself, as O_NOFOLLOW does.
  bool follow = !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
  FsNode node;
  if (int err = readAndResolve(p, dirfd, pathVa, follow, node)) return ret(err);
  return ret(openNode(p, node, flags, static_cast<unsigned>(modeArg)));
}

// stat(2) of a path, or with AT_EMPTY_PATH and an empty path, of dirfd itself.
int statAt(ProcessState& p, int dirfd, uint64_t pathVa, int flags, struct stat& st) {
  std::string path;
  // Since Linux 6.11 a null path with AT_EMPTY_PATH means an empty one.
  if (!(pathVa == 0 && (flags & AT_EMPTY_PATH)))
    if (int err = readGuestPath(p.memory, pathVa, path)) return err;
  if (path.empty() && (flags & AT_EMPTY_PATH) && dirfd != abi::kAtFdCwd) {
    std::shared_ptr<OpenFile> file = p.fds.get(dirfd);
    return file ? file->stat(st) : -EBADF;
  }
  if (path.empty() && (flags & AT_EMPTY_PATH)) path = ".";
  FsNode node;
  int err = resolvePath(p, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), node);
  if (err) return err;
  return node.exists ? p.fs.stat(node, st) : -ENOENT;
}

SyscallOutcome statPath(ProcessState& p, const SyscallRequest& r, bool follow) {
  struct stat st {};
  int err = statAt(p, abi::kAtFdCwd, r.args[0], follow ? 0 : AT_SYMLINK_NOFOLLOW, st);
  if (err) return ret(err);
  return ret(writeGuest(p.memory, r.args[1], st) ? 0 : -EFAULT);
}

struct statx toStatx(const struct stat& st) {
  struct statx x {};
  static_assert(sizeof x == 256, "struct statx is Linux's 256 bytes");
  x.stx_mask = STATX_BASIC_STATS;
  x.stx_blksize = static_cast<uint32_t>(st.st_blksize);
  x.stx_nlink = static_cast<uint32_t>(st.st_nlink);
  x.stx_uid = st.st_uid;
  x.stx_gid = st.st_gid;
  x.stx_mode = static_cast<uint16_t>(st.st_mode);
  x.stx_ino = st.st_ino;
  x.stx_size = static_cast<uint64_t>(st.st_size);
  x.stx_blocks = static_cast<uint64_t>(st.st_blocks);
  x.stx_atime = {st.st_atim.tv_sec, static_cast<uint32_t>(st.st_atim.tv_nsec), 0};
  x.stx_mtime = {st.st_mtim.tv_sec, static_cast<uint32_t>(st.st_mtim.tv_nsec), 0};
  x.stx_ctime = {st.st_ctim.tv_sec, static_cast<uint32_t>(st.st_ctim.tv_nsec), 0};
  x.stx_rdev_major = major(st.st_rdev);
  x.stx_rdev_minor = minor(st.st_rdev);
  x.stx_dev_major = major(st.st_dev);
  x.stx_dev_minor = minor(st.st_dev);
  return x;
}

SyscallOutcome accessAt(ProcessState& p, int dirfd, uint64_t pathVa, uint64_t modeArg, int flags) {
  int mode = intArg(modeArg);
  if (mode & ~(R_OK | W_OK | X_OK)) return ret(-EINVAL);
  if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) return ret(-EINVAL);
  std::string path;
  if (int err = readGuestPath(p.memory, pathVa, path)) return ret(err);
  if (path.empty() && (flags & AT_EMPTY_PATH) && dirfd != abi::kAtFdCwd) {
    std::shared_ptr<OpenFile> file = p.fds.get(dirfd);
    if (!file) return ret(-EBADF);
    // A pipe or stream has no path to check again; its owner may use it.
    if (file->guestPath().empty() || file->guestPath()[0] != '/') return ret(0);
    path = file->guestPath();
  }
  if (path.empty() && (flags & AT_EMPTY_PATH)) path = ".";
  FsNode node;
  int err = resolvePath(p, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW), node);
  if (err) return ret(err);
  return ret(node.exists ? p.fs.access(node, mode) : -ENOENT);
}

SyscallOutcome readlinkAt(ProcessState& p, int dirfd, uint64_t pathVa, uint64_t bufVa, uint64_t sizeArg) {
  int size = intArg(sizeArg);
  if (size <= 0) return ret(-EINVAL);
  FsNode node;
  if (int err = existingNode(p, dirfd, pathVa, false, node)) return ret(err);
  std::string target;
  if (int err = p.fs.readLink(node, target)) return ret(err);
  uint64_t n = std::min<uint64_t>(target.size(), static_cast<uint64_t>(size));
  return ret(p.memory.copyOut(bufVa, target.data(), n) ? static_cast<int64_t>(n) : -EFAULT);
}

SyscallOutcome removeAt(ProcessState& p, int dirfd, uint64_t pathVa, bool directory) {
  FsNode node;
  if (int err = readAndResolve(p, dirfd, pathVa, false, node)) return ret(err);
  return ret(p.fs.remove(node, directory));
}

SyscallOutcome mkdirAt(ProcessState& p, int dirfd, uint64_t pathVa, uint64_t modeArg) {
  FsNode node;
  if (int err = readAndResolve(p, dirfd, pathVa, false, node)) return ret(err);
  return ret(p.fs.makeDirectory(node, static_cast<unsigned>(modeArg) & 01777 & ~p.umask));
}

SyscallOutcome renameAt(ProcessState& p, int fromDir, uint64_t fromVa, int toDir, uint64_t toVa, uint64_t flagsArg) {
  auto flags = static_cast<unsigned>(flagsArg);
  if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) return ret(-EINVAL);
  if ((flags & RENAME_NOREPLACE) && (flags & RENAME_EXCHANGE)) return ret(-EINVAL);
  if (flags & RENAME_WHITEOUT) return ret(-EPERM);  // needs CAP_MKNOD, which the guest lacks
  FsNode from, to;
  if (int err = readAndResolve(p, fromDir, fromVa, false, from)) return ret(err);
  if (int err = readAndResolve(p, toDir, toVa, false, to)) return ret(err);
  return ret(p.fs.rename(from, to, flags));
}

}  // namespace

SyscallOutcome sysOpen(ProcessState& p, const SyscallRequest& r) {
  return openAt(p, abi::kAtFdCwd, r.args[0], r.args[1], r.args[2]);
}

SyscallOutcome sysOpenat(ProcessState& p, const SyscallRequest& r) {
  return openAt(p, intArg(r.args[0]), r.args[1], r.args[2], r.args[3]);
}

SyscallOutcome sysStat(ProcessState& p, const SyscallRequest& r) { return statPath(p, r, true); }
SyscallOutcome sysLstat(ProcessState& p, const SyscallRequest& r) { return statPath(p, r, false); }

SyscallOutcome sysNewfstatat(ProcessState& p, const SyscallRequest& r) {
  int flags = intArg(r.args[3]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT)) return ret(-EINVAL);
  struct stat st {};
  if (int err = statAt(p, intArg(r.args[0]), r.args[1], flags, st)) return ret(err);
  return ret(writeGuest(p.memory, r.args[2], st) ? 0 : -EFAULT);
}

SyscallOutcome sysStatx(ProcessState& p, const SyscallRequest& r) {
  int flags = intArg(r.args[2]);
  auto mask = static_cast<uint32_t>(r.args[3]);
  if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) return ret(-EINVAL);
  if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX__RESERVED)) return ret(-EINVAL);
  struct stat st {};
  if (int err = statAt(p, intArg(r.args[0]), r.args[1], flags, st)) return ret(err);
  return ret(writeGuest(p.memory, r.args[4], toStatx(st)) ? 0 : -EFAULT);
}

SyscallOutcome sysReadlink(ProcessState& p, const SyscallRequest& r) {
  return readlinkAt(p, abi::kAtFdCwd, r.args[0], r.args[1], r.args[2]);
}

SyscallOutcome sysReadlinkat(ProcessState& p, const SyscallRequest& r) {
  return readlinkAt(p, intArg(r.args[0]), r.args[1], r.args[2], r.args[3]);
}

SyscallOutcome sysAccess(ProcessState& p, const SyscallRequest& r) {
  return accessAt(p, abi::kAtFdCwd, r.args[0], r.args[1], 0);
}

SyscallOutcome sysFaccessat(ProcessState& p, const SyscallRequest& r) {
  return accessAt(p, intArg(r.args[0]), r.args[1], r.args[2], 0);
}

SyscallOutcome sysFaccessat2(ProcessState& p, const SyscallRequest& r) {
  return accessAt(p, intArg(r.args[0]), r.args[1], r.args[2], intArg(r.args[3]));
}

SyscallOutcome sysGetcwd(ProcessState& p, const SyscallRequest& r) {
  const std::string& cwd = p.fs.cwd();
  uint64_t len = cwd.size() + 1;
  if (r.args[1] < len) return ret(-ERANGE);
  return ret(p.memory.copyOut(r.args[0], cwd.c_str(), len) ? static_cast<int64_t>(len) : -EFAULT);
}

SyscallOutcome sysChdir(ProcessState& p, const SyscallRequest& r) {
  FsNode node;
  if (int err = existingNode(p, abi::kAtFdCwd, r.args[0], true, node)) return ret(err);
  if (node.type != S_IFDIR) return ret(-ENOTDIR);
  p.fs.setCwd(node.guestPath);
  return ret(0);
}

SyscallOutcome sysFchdir(ProcessState& p, const SyscallRequest& r) {
  std::shared_ptr<OpenFile> file = p.fds.get(intArg(r.args[0]));
  if (!file) return ret(-EBADF);
  if (!file->isDirectory()) return ret(-ENOTDIR);
  p.fs.setCwd(file->guestPath());
  return ret(0);
}

SyscallOutcome sysUnlink(ProcessState& p, const SyscallRequest& r) {
  return removeAt(p, abi::kAtFdCwd, r.args[0], false);
}

SyscallOutcome sysRmdir(ProcessState& p, const SyscallRequest& r) { return removeAt(p, abi::kAtFdCwd, r.args[0], true); }

SyscallOutcome sysUnlinkat(ProcessState& p, const SyscallRequest& r) {
  int flags = intArg(r.args[2]);
  if (flags & ~AT_REMOVEDIR) return ret(-EINVAL);
  return removeAt(p, intArg(r.args[0]), r.args[1], flags & AT_REMOVEDIR);
}

SyscallOutcome sysMkdir(ProcessState& p, const SyscallRequest& r) {
  return mkdirAt(p, abi::kAtFdCwd, r.args[0], r.args[1]);
}

SyscallOutcome sysMkdirat(ProcessState& p, const SyscallRequest& r) {
  return mkdirAt(p, intArg(r.args[0]), r.args[1], r.args[2]);
}

SyscallOutcome sysRename(ProcessState& p, const SyscallRequest& r) {
  return renameAt(p, abi::kAtFdCwd, r.args[0], abi::kAtFdCwd, r.args[1], 0);
}

SyscallOutcome sysRenameat(ProcessState& p, const SyscallRequest& r) {
  return renameAt(p, intArg(r.args[0]), r.args[1], intArg(r.args[2]), r.args[3], 0);
}

SyscallOutcome sysRenameat2(ProcessState& p, const SyscallRequest& r) {
  return renameAt(p, intArg(r.args[0]), r.args[1], intArg(r.args[2]), r.args[3], r.args[4]);
}

}  // namespace kx::se
