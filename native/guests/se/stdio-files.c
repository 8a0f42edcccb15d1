/* stdio-files: file and directory system calls, seen through stdio.
 *
 *   stdio-files INPUT_FILE OUTPUT_DIR LIST_DIR
 *
 * 1. Reads INPUT_FILE (open/read until EOF) and prints its length, an
 *    FNV-1a 32-bit checksum and its first line (up to 200 bytes, without
 *    the newline); checks fstat and stat agree on the size and that lseek
 *    to the end / to the middle then read gives the same bytes.
 * 2. Writes OUTPUT_DIR/out.txt (created or truncated, mode 0644) with a
 *    known content, partly with write(2), partly with writev(2), partly
 *    through a FILE* with fprintf/fputs; reads it back with fopen/fgets and
 *    compares; checks its size with stat.  The file is left in place (its
 *    exact content is EXPECTED_OUT below).
 * 3. Lists LIST_DIR with opendir/readdir, without "." and "..", sorted by
 *    strcmp, one "  name" line per entry.
 * 4. Writes one line to stderr ("stdio-files: stderr line").
 * stdout goes through stdio's buffer (printf/fputs), flushed at exit.
 * Ends with "files ok" (exit 0) or "FAIL: ..." lines and "files bad"
 * (exit 1).  Exit 2 on a usage error.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "common.h"

#define EXPECTED_OUT                                                       \
  "line 1: written with write(2)\n"                                        \
  "line 2: written with writev(2), "                                       \
  "in two pieces\n"                                                        \
  "line 3: written with fprintf 42 0x2a\n"                                 \
  "line 4: written with fputs\n"

static uint32_t fnv1a(const unsigned char *p, size_t n) {
  uint32_t h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
  return h;
}

static int cmpstr(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_input(const char *path) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    CHECK(0, "open %s: %s", path, errname(errno));
    return;
  }
  size_t cap = 4096, len = 0;
  unsigned char *buf = malloc(cap);
  for (;;) {
    if (len == cap) buf = realloc(buf, cap *= 2);
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0) {
      CHECK(0, "read %s: %s", path, errname(errno));
      break;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  printf("input length=%zu checksum=%08x\n", len, fnv1a(buf, len));
  size_t eol = 0;
  while (eol < len && eol < 200 && buf[eol] != '\n') eol++;
  printf("input first line: %.*s\n", (int)eol, (const char *)buf);

  struct stat st, st2;
  CHECK(fstat(fd, &st) == 0, "fstat: %s", errname(errno));
  CHECK((size_t)st.st_size == len, "fstat size %lld != %zu", (long long)st.st_size, len);
  CHECK(S_ISREG(st.st_mode), "fstat: not a regular file");
  CHECK(stat(path, &st2) == 0, "stat: %s", errname(errno));
  CHECK(st2.st_size == st.st_size && st2.st_ino == st.st_ino,
        "stat and fstat disagree");

  off_t end = lseek(fd, 0, SEEK_END);
  CHECK(end == (off_t)len, "lseek SEEK_END=%lld", (long long)end);
  if (len > 0) {
    off_t mid = (off_t)(len / 2);
    unsigned char tail[64];
    size_t want = len - (size_t)mid < sizeof tail ? len - (size_t)mid : sizeof tail;
    CHECK(lseek(fd, mid, SEEK_SET) == mid, "lseek SEEK_SET: %s", errname(errno));
    ssize_t n = read(fd, tail, want);
    CHECK(n == (ssize_t)want && memcmp(tail, buf + mid, want) == 0,
          "read after lseek differs");
    CHECK(lseek(fd, 0, SEEK_CUR) == mid + (off_t)want, "lseek SEEK_CUR");
  }
  close(fd);
  free(buf);
}

static void write_output(const char *dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/out.txt", dir);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    CHECK(0, "create out.txt: %s", errname(errno));
    return;
  }
  const char *l1 = "line 1: written with write(2)\n";
  CHECK(write(fd, l1, strlen(l1)) == (ssize_t)strlen(l1), "write: %s", errname(errno));
  struct iovec iov[2] = {
      {(void *)"line 2: written with writev(2), ", 32},
      {(void *)"in two pieces\n", 14},
  };
  CHECK(writev(fd, iov, 2) == 46, "writev: %s", errname(errno));
  FILE *f = fdopen(fd, "w");
  CHECK(f != NULL, "fdopen: %s", errname(errno));
  if (!f) {
    close(fd);
    return;
  }
  fprintf(f, "line 3: written with fprintf %d %#x\n", 42, 42);
  fputs("line 4: written with fputs\n", f);
  CHECK(fclose(f) == 0, "fclose: %s", errname(errno));

  struct stat st;
  CHECK(stat(path, &st) == 0 && st.st_size == (off_t)strlen(EXPECTED_OUT),
        "out.txt size");

  f = fopen(path, "r");
  if (!f) {
    CHECK(0, "reopen out.txt: %s", errname(errno));
    return;
  }
  char back[512] = "", line[256];
  while (fgets(line, sizeof line, f)) strncat(back, line, sizeof back - strlen(back) - 1);
  fclose(f);
  CHECK(strcmp(back, EXPECTED_OUT) == 0, "out.txt read back differs");
  printf("wrote out.txt: %zu bytes, read back %s\n", strlen(EXPECTED_OUT),
         strcmp(back, EXPECTED_OUT) == 0 ? "same" : "different");
}

static void list_dir(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    CHECK(0, "opendir %s: %s", path, errname(errno));
    return;
  }
  size_t n = 0, cap = 16;
  char **names = malloc(cap * sizeof *names);
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    if (n == cap) names = realloc(names, (cap *= 2) * sizeof *names);
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, n, sizeof *names, cmpstr);
  printf("directory: %zu entries\n", n);
  for (size_t i = 0; i < n; i++) {
    fputs("  ", stdout);
    fputs(names[i], stdout);
    fputs("\n", stdout);
    free(names[i]);
  }
  free(names);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s INPUT_FILE OUTPUT_DIR LIST_DIR\n", argv[0]);
    return 2;
  }
  read_input(argv[1]);
  write_output(argv[2]);
  list_dir(argv[3]);
  fputs("stdio-files: stderr line\n", stderr);
  puts(se_failures ? "files bad" : "files ok");
  return se_failures ? 1 : 0;
}
