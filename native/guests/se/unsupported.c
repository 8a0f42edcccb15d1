/* unsupported: a system call SE mode refuses (process creation).
 *
 *   unsupported
 *
 * Prints "unsupported: calling fork", flushes stdout, then calls fork().
 *
 * Under SE mode the run stops at fork: the runner reports the refused
 * system call and nothing after that line is printed.  Note which call that
 * is: glibc's fork() issues clone(2) (syscall 56, flags SIGCHLD |
 * CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID, no new stack), musl's issues
 * fork(2) (syscall 57).
 *
 * Natively fork succeeds.  To keep stdout deterministic only the parent
 * prints: the child _exit(7)s at once (stdout was flushed before the fork,
 * so no buffered text is duplicated), the parent waits for it and prints
 * "forked" and "child exited with 7", exit 0.  A failing fork prints
 * "fork failed: ERRNO" and exits 1.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"

int main(void) {
  printf("unsupported: calling fork\n");
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) {
    printf("fork failed: %s\n", errname(errno));
    return 1;
  }
  if (pid == 0) _exit(7);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) {
    printf("forked, waitpid failed: %s\n", errname(errno));
    return 1;
  }
  printf("forked\n");
  if (WIFEXITED(status))
    printf("child exited with %d\n", WEXITSTATUS(status));
  else
    printf("child ended abnormally (status %#x)\n", status);
  return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : 1;
}
