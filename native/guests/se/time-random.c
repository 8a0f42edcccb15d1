/* time-random: clocks, sleeping and randomness.
 *
 *   time-random [show]
 *
 * Checks:
 *   - 1000 successive clock_gettime(CLOCK_MONOTONIC) never go backwards;
 *   - nanosleep(10 ms) (restarted with the remainder on EINTR) advances
 *     CLOCK_MONOTONIC by at least 10 ms;
 *   - CLOCK_REALTIME is after 2020-01-01; gettimeofday lies between two
 *     CLOCK_REALTIME readings taken around it (at microsecond resolution)
 *     and time() between their seconds (minus one: time() may read the
 *     coarse clock, which lags by up to a tick);
 *   - getrandom(32 bytes) returns 32, not all zero, and a second call
 *     differs; 32 bytes read from /dev/urandom are not all zero and differ
 *     from the getrandom bytes.
 * Prints "time ok"/"time bad" and "random ok"/"random bad" (plus "FAIL: ..."
 * lines), never the values themselves, so that the output is the same on
 * every run; exit 0 when all checks passed, else 1.
 * With argv[1] == "show" it also prints the raw values (clock readings,
 * time slept, random bytes in hex) after the checks: under SE mode with a
 * deterministic clock/random source two runs must print the same bytes.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }

static int all_zero(const unsigned char *p, size_t n) {
  unsigned char any = 0;
  for (size_t i = 0; i < n; i++) any |= p[i];
  return any == 0;
}

static void hex(const char *label, const unsigned char *p, size_t n) {
  printf("%s=", label);
  for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
  printf("\n");
}

int main(int argc, char **argv) {
  int show = argc > 1 && strcmp(argv[1], "show") == 0;
  int time_fail = 0, rnd_fail;

  /* Monotonic clock never goes backwards. */
  struct timespec first, prev, cur;
  CHECK(clock_gettime(CLOCK_MONOTONIC, &first) == 0, "clock_gettime: %s", errname(errno));
  prev = first;
  int backwards = 0;
  for (int i = 0; i < 1000; i++) {
    clock_gettime(CLOCK_MONOTONIC, &cur);
    if (ns(cur) < ns(prev)) backwards++;
    prev = cur;
  }
  CHECK(backwards == 0, "CLOCK_MONOTONIC went backwards %d times", backwards);

  /* nanosleep(10 ms) advances it by at least 10 ms. */
  struct timespec before, after, req = {0, 10 * 1000 * 1000}, rem;
  clock_gettime(CLOCK_MONOTONIC, &before);
  int rc;
  while ((rc = nanosleep(&req, &rem)) != 0 && errno == EINTR) req = rem;
  CHECK(rc == 0, "nanosleep: %s", errname(errno));
  clock_gettime(CLOCK_MONOTONIC, &after);
  int64_t slept = ns(after) - ns(before);
  CHECK(slept >= 10 * 1000 * 1000, "nanosleep(10 ms) advanced CLOCK_MONOTONIC by %lld ns",
        (long long)slept);

  /* gettimeofday and time agree with CLOCK_REALTIME. */
  struct timespec rt1, rt2;
  struct timeval tv;
  CHECK(clock_gettime(CLOCK_REALTIME, &rt1) == 0, "clock_gettime REALTIME: %s", errname(errno));
  CHECK(gettimeofday(&tv, NULL) == 0, "gettimeofday: %s", errname(errno));
  time_t t = time(NULL);
  clock_gettime(CLOCK_REALTIME, &rt2);
  CHECK(rt1.tv_sec >= 1577836800, "CLOCK_REALTIME before 2020");
  int64_t us1 = ns(rt1) / 1000, us2 = ns(rt2) / 1000;
  int64_t us = (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
  CHECK(us1 <= us && us <= us2, "gettimeofday outside [CLOCK_REALTIME, CLOCK_REALTIME]");
  CHECK(rt1.tv_sec - 1 <= t && t <= rt2.tv_sec, "time() outside CLOCK_REALTIME seconds");
  CHECK(ns(rt2) >= ns(rt1), "CLOCK_REALTIME went backwards");
  time_fail = se_failures;
  puts(time_fail ? "time bad" : "time ok");

  /* getrandom and /dev/urandom. */
  unsigned char r1[32], r2[32], u[32];
  ssize_t n1 = getrandom(r1, sizeof r1, 0);
  CHECK(n1 == 32, "getrandom returned %zd (%s)", n1, errname(errno));
  ssize_t n2 = getrandom(r2, sizeof r2, 0);
  CHECK(n2 == 32, "second getrandom returned %zd (%s)", n2, errname(errno));
  CHECK(!all_zero(r1, 32), "getrandom bytes all zero");
  CHECK(memcmp(r1, r2, 32) != 0, "two getrandom calls returned the same bytes");
  int fd = open("/dev/urandom", O_RDONLY);
  CHECK(fd >= 0, "open /dev/urandom: %s", errname(errno));
  ssize_t nu = -1;
  if (fd >= 0) {
    nu = read(fd, u, sizeof u);
    CHECK(nu == 32, "read /dev/urandom returned %zd", nu);
    close(fd);
    CHECK(nu == 32 && !all_zero(u, 32), "/dev/urandom bytes all zero");
    CHECK(nu == 32 && memcmp(u, r1, 32) != 0, "/dev/urandom bytes equal getrandom's");
  }
  rnd_fail = se_failures - time_fail;
  puts(rnd_fail ? "random bad" : "random ok");

  if (show) {
    printf("monotonic first=%lld.%09ld\n", (long long)first.tv_sec, first.tv_nsec);
    printf("monotonic before sleep=%lld.%09ld after=%lld.%09ld slept_ns=%lld\n",
           (long long)before.tv_sec, before.tv_nsec, (long long)after.tv_sec, after.tv_nsec,
           (long long)slept);
    printf("realtime=%lld.%09ld gettimeofday=%lld.%06ld time=%lld\n", (long long)rt1.tv_sec,
           rt1.tv_nsec, (long long)tv.tv_sec, (long)tv.tv_usec, (long long)t);
    hex("getrandom1", r1, 32);
    hex("getrandom2", r2, 32);
    if (nu == 32) hex("urandom", u, 32);
  }
  return se_failures ? 1 : 0;
}
