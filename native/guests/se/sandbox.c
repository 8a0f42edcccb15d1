/* sandbox: attempts to reach outside the host directories SE mode maps.
 *
 * FOR SE MODE ONLY: natively nothing is mapped or refused, so most probes
 * succeed there and the program exits 1.  It runs natively only to check
 * that it works (and its output is stable run to run).
 *
 *   sandbox MAPPED_DIR SYMLINK RO_DIR
 *
 *   MAPPED_DIR  a guest path of a directory the runner maps (read-write),
 *               best the root of a mapping, so that ../.. leaves it;
 *   SYMLINK     a symbolic link inside a mapped directory that points
 *               outside every mapping (the test creates it, e.g. a link
 *               to /etc/passwd, and passes its guest path);
 *   RO_DIR      a guest path of a directory mapped read-only.
 *
 * Probes, one line each, "NAME: OK" or "NAME: <errno name>":
 *   control-opendir    opendir(MAPPED_DIR)          (must succeed)
 *   dotdot-path        open("MAPPED_DIR/../../etc/passwd")      [escape]
 *   dotdot-openat      openat(fd of MAPPED_DIR, "../../etc/passwd") [escape]
 *   etc-passwd         open("/etc/passwd")
 *   symlink-out        open(SYMLINK)                             [escape]
 *   proc-self-exe      readlink("/proc/self/exe"); on success the line
 *                      is "proc-self-exe: OK <target>"
 *   proc-self-maps     open("/proc/self/maps")
 *   ro-create          open("RO_DIR/sandbox-probe", O_CREAT|O_WRONLY)
 *                      [escape]; if it succeeds a byte is written and the
 *                      file is removed again
 *   ro-mkdir           mkdir("RO_DIR/sandbox-probe.d")  [escape]; removed
 *                      again if it succeeds
 * "OK" for an open means the file was opened and one byte could be read.
 * Then "escapes=N", N = how many [escape] probes succeeded.  Exit status:
 * 0 when N == 0 and the control probe succeeded, 1 otherwise, 2 on a usage
 * error.  /etc/passwd and /proc are reported but not counted: whether a
 * runner serves them is its policy.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"

static int escapes;

static void report(const char *name, int ok, int err, int is_escape) {
  printf("%s: %s\n", name, ok ? "OK" : errname(err));
  if (ok && is_escape) escapes++;
}

/* Report an open: OK when fd is valid and one byte can be read. */
static void report_open(const char *name, int fd, int is_escape) {
  int err = errno;
  int ok = 0;
  if (fd >= 0) {
    char c;
    ssize_t n = read(fd, &c, 1);
    err = n < 0 ? errno : 0;
    ok = n >= 0;
    close(fd);
  }
  report(name, ok, err, is_escape);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s MAPPED_DIR SYMLINK RO_DIR\n", argv[0]);
    return 2;
  }
  const char *dir = argv[1], *link = argv[2], *ro = argv[3];
  char path[PATH_MAX + 64];

  DIR *d = opendir(dir);
  int control = d != NULL;
  report("control-opendir", control, errno, 0);
  if (d) closedir(d);

  snprintf(path, sizeof path, "%s/../../etc/passwd", dir);
  report_open("dotdot-path", open(path, O_RDONLY), 1);

  int dfd = open(dir, O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    report_open("dotdot-openat", openat(dfd, "../../etc/passwd", O_RDONLY), 1);
    close(dfd);
  } else {
    printf("dotdot-openat: skipped, open(MAPPED_DIR): %s\n", errname(errno));
  }

  report_open("etc-passwd", open("/etc/passwd", O_RDONLY), 0);
  report_open("symlink-out", open(link, O_RDONLY), 1);

  char target[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", target, sizeof target - 1);
  if (n >= 0) {
    target[n] = 0;
    printf("proc-self-exe: OK %s\n", target);
  } else {
    report("proc-self-exe", 0, errno, 0);
  }

  report_open("proc-self-maps", open("/proc/self/maps", O_RDONLY), 0);

  snprintf(path, sizeof path, "%s/sandbox-probe", ro);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd >= 0) {
    int ok = write(fd, "x", 1) == 1;
    int err = errno;
    close(fd);
    unlink(path);
    report("ro-create", ok, err, 1);
  } else {
    report("ro-create", 0, errno, 1);
  }

  snprintf(path, sizeof path, "%s/sandbox-probe.d", ro);
  int rc = mkdir(path, 0755);
  int err = errno;
  if (rc == 0) rmdir(path);
  report("ro-mkdir", rc == 0, err, 1);

  printf("escapes=%d\n", escapes);
  return control && escapes == 0 ? 0 : 1;
}
