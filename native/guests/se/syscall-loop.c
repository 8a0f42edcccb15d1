/* syscall-loop: a loop of system calls, for the bench (bench/se.mjs).
 *
 *   syscall-loop [N [getppid|mprotect]]     (default: 100000 getppid)
 *
 * getppid: N getppid() calls, about the cheapest system call there is
 * (neither glibc nor musl caches it, and no vDSO answers it), so the time
 * per call is what one system call costs: well under a microsecond
 * natively, one exit to the runner and back in SE mode.
 * mprotect: N mprotect() calls on one page, flipping it between read-write
 * and read-only, so that every call changes a present page-table entry
 * (in SE mode the return path that makes the guest see the change).
 *
 * Prints "syscall-loop: calls=N MODE".  Exit 0; 2 for an unknown mode.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv) {
  long calls = argc > 1 ? strtol(argv[1], NULL, 0) : 100000;
  const char *mode = argc > 2 ? argv[2] : "getppid";
  if (calls < 0) calls = 0;
  if (strcmp(mode, "getppid") == 0) {
    volatile long sum = 0; /* keeps every call */
    for (long i = 0; i < calls; i++) sum += getppid();
  } else if (strcmp(mode, "mprotect") == 0) {
    volatile char *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (page == MAP_FAILED) {
      perror("mmap");
      return 1;
    }
    page[0] = 1;
    for (long i = 0; i < calls; i++)
      if (mprotect((void *)page, 4096, i % 2 ? PROT_READ | PROT_WRITE : PROT_READ) != 0) {
        perror("mprotect");
        return 1;
      }
  } else {
    fprintf(stderr, "usage: syscall-loop [N [getppid|mprotect]]\n");
    return 2;
  }
  printf("syscall-loop: calls=%ld %s\n", calls, mode);
  return 0;
}
