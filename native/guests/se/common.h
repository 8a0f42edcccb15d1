/* Shared helpers for the SE test programs: an errno-name table (glibc's
 * strerrorname_np does not exist in musl) and a pass/fail counter.
 * Header-only so each program stays one translation unit. */
#ifndef SE_COMMON_H
#define SE_COMMON_H

#include <errno.h>
#include <stdio.h>

/* Name of an errno value: "ENOENT", ..., or "E<number>" for the rest. */
static inline const char *errname(int e) {
  static char other[24];
  switch (e) {
  case 0: return "OK";
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case ESRCH: return "ESRCH";
  case EINTR: return "EINTR";
  case EIO: return "EIO";
  case ENXIO: return "ENXIO";
  case E2BIG: return "E2BIG";
  case ENOEXEC: return "ENOEXEC";
  case EBADF: return "EBADF";
  case ECHILD: return "ECHILD";
  case EAGAIN: return "EAGAIN";
  case ENOMEM: return "ENOMEM";
  case EACCES: return "EACCES";
  case EFAULT: return "EFAULT";
  case EBUSY: return "EBUSY";
  case EEXIST: return "EEXIST";
  case EXDEV: return "EXDEV";
  case ENODEV: return "ENODEV";
  case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR";
  case EINVAL: return "EINVAL";
  case ENFILE: return "ENFILE";
  case EMFILE: return "EMFILE";
  case ENOTTY: return "ENOTTY";
  case EFBIG: return "EFBIG";
  case ENOSPC: return "ENOSPC";
  case ESPIPE: return "ESPIPE";
  case EROFS: return "EROFS";
  case EMLINK: return "EMLINK";
  case EPIPE: return "EPIPE";
  case ERANGE: return "ERANGE";
  case ENAMETOOLONG: return "ENAMETOOLONG";
  case ENOSYS: return "ENOSYS";
  case ENOTEMPTY: return "ENOTEMPTY";
  case ELOOP: return "ELOOP";
  case EOPNOTSUPP: return "EOPNOTSUPP"; /* == ENOTSUP on Linux */
  case ETIMEDOUT: return "ETIMEDOUT";
  default:
    snprintf(other, sizeof other, "E%d", e);
    return other;
  }
}

/* Each program counts failed checks here and exits 1 when any failed. */
static int se_failures __attribute__((unused));

/* Record one check; failures are also reported on stdout so the output
 * says what went wrong (a passing run prints only the summary lines). */
#define CHECK(cond, ...)                                                   \
  do {                                                                     \
    if (!(cond)) {                                                         \
      se_failures++;                                                       \
      printf("FAIL: ");                                                    \
      printf(__VA_ARGS__);                                                 \
      printf("\n");                                                        \
    }                                                                      \
  } while (0)

#endif
