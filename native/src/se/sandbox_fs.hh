#pragma once
// The guest's view of files. Nothing of the host is visible unless mapped: a
// mount table of guest path -> host directory or file, read-only unless
// writable, plus a writable scratch directory and the binary itself. /dev and
// /proc are synthesized here and hide any mapping of them.
//
// Paths resolve as Linux would, component by component: `..` at a mount's
// root climbs to the guest directory above it, and a mount point reached by
// name enters that mount. Symlinks are read and followed here, never by the
// host: an absolute target starts again at the root of the mapping holding
// the link, and `..` in a target stops there, so a link cannot leave its
// mapping. Every host access goes through openat2(2) on the mapping's root
// with RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS, so the kernel holds that line
// even if the host tree changes under the walk.
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <vector>

#include "se/host_fd.hh"

namespace kx::se {

struct Mount {
  std::string guestPath;  // absolute: "/data", or "/" for a whole sysroot
  std::string hostPath;   // a directory, or a single file
  bool writable = false;
};

// The default layout is a parameter: whatever the run maps, where scratch
// space sits and where the guest starts.
struct SandboxLayout {
  std::vector<Mount> mounts;
  std::string scratchHostDir;  // writable at scratchGuestPath; empty: no scratch
  std::string scratchGuestPath = "/tmp";
  std::string cwd = "/";
  // The binary: readable at exeGuestPath, and the target of /proc/self/exe.
  std::string exeGuestPath, exeHostPath;
};

enum class NodeKind {
  Host,        // a file or directory of a mapping
  VirtualDir,  // "/", /dev, /proc, /proc/self and the directories above mount points
  Device,      // /dev/null, /dev/zero, /dev/random, /dev/urandom
  ExeLink,     // /proc/self/exe
};

enum class Device { Null, Zero, Random, Urandom };

// What a guest path names.
struct FsNode {
  NodeKind kind = NodeKind::Host;
  bool exists = true;  // false: the last component is missing and its parent is a directory
  int mount = -1;      // the mapping holding it; -1 for the synthesized tree
  std::string rel;     // its path inside the mapping, "" for the mapping's root
  std::string guestPath;  // canonical: symlinks and dots resolved
  unsigned type = 0;      // S_IFREG, S_IFDIR, ... (0 when missing)
  Device device = Device::Null;
  std::string lastWritten;  // the last component as the guest wrote it ("." and ".." matter)
  bool trailingSlash = false;
};

struct VirtualEntry {
  std::string name;
  unsigned char type;  // DT_DIR, DT_CHR, ...
};

class SandboxFs {
 public:
  // Throws CoreError: sandbox-layout (a guest path that is not absolute and
  // normal, a duplicate, one under /dev or /proc, a cwd that is no
  // directory), sandbox-mount (a host path that does not open),
  // sandbox-openat2 (the host kernel predates openat2, Linux 5.6).
  explicit SandboxFs(const SandboxLayout& layout);

  // `path` from the guest, relative ones against `base` (a canonical guest
  // directory: the cwd or a directory fd's path). `followFinal`: a symlink
  // as the last component is followed (stat) or named (lstat, unlink). 0 or
  // -ENOENT, -ENOTDIR, -ELOOP, -ENAMETOOLONG, -EACCES.
  int resolve(const std::string& base, const std::string& path, bool followFinal, FsNode& out) const;

  // A host descriptor (close-on-exec) for a Host node, existing or to be
  // created; `flags` are open(2)'s, `mode` already masked by the umask.
  // Read-only mappings and the synthesized tree give EROFS where Linux does.
  // Only regular files and directories open (O_PATH also opens symlinks):
  // host FIFOs and device nodes in a mapping give EACCES, as on a nodev mount.
  int open(const FsNode& node, int flags, unsigned mode) const;
  int stat(const FsNode& node, struct stat& st) const;
  // A symlink's target: 0, or -EINVAL for anything else.
  int readLink(const FsNode& node, std::string& target) const;
  int access(const FsNode& node, int mode) const;
  int makeDirectory(const FsNode& node, unsigned mode) const;
  int remove(const FsNode& node, bool directory) const;
  // `flags`: renameat2's RENAME_NOREPLACE / RENAME_EXCHANGE.
  int rename(const FsNode& from, const FsNode& to, unsigned flags) const;
  // The entries of a VirtualDir node, sorted (without "." and "..").
  std::vector<VirtualEntry> virtualEntries(const std::string& guestPath) const;

  const std::string& cwd() const { return cwd_; }
  void setCwd(const std::string& guestPath) { cwd_ = guestPath; }
  const std::string& exeGuestPath() const { return exeGuestPath_; }

 private:
  struct MountPoint {
    std::vector<std::string> at;  // the guest path's components
    std::string guestPath, hostPath;
    bool writable;
    bool isFile;
    HostFd root;  // O_PATH
  };
  // What one guest path is, before symlinks at it are followed.
  struct Entry {
    NodeKind kind = NodeKind::Host;
    int mount = -1;
    std::string rel;
    unsigned type = 0;
    Device device = Device::Null;
    std::string target;  // of a symlink
  };

  void addMount(const std::string& guestPath, const std::string& hostPath, bool writable);
  // lstat of `rel` in a mount, and a symlink's target when `target` is given.
  int lstatInMount(const MountPoint& mount, const std::string& rel, struct stat& st, std::string* target) const;
  int lookup(const std::vector<std::string>& at, Entry& entry) const;
  int lookupSynthesized(const std::vector<std::string>& at, Entry& entry) const;
  int mountOf(const std::vector<std::string>& at) const;
  bool isMountAncestor(const std::vector<std::string>& at) const;
  bool writable(const FsNode& node) const;
  int openInMount(const MountPoint& mount, const std::string& rel, int flags, unsigned mode) const;
  int openParent(const FsNode& node, std::string& name) const;

  std::vector<MountPoint> mounts_;
  std::string cwd_;
  std::string exeGuestPath_;
};

// fstat of a synthesized node, also answered for open descriptors of one.
void deviceStat(Device device, struct stat& st);
void virtualDirStat(const std::string& guestPath, struct stat& st);

}  // namespace kx::se
