/* exit-code: exit status passing.
 *
 *   exit-code [STATUS]        (default 3)
 *
 * Prints "exit-code: exiting with STATUS" (STATUS as parsed, in decimal)
 * and calls exit(STATUS).  The parent sees STATUS & 0xff, as with any
 * exit(3) call.
 */
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int status = argc > 1 ? (int)strtol(argv[1], NULL, 0) : 3;
  printf("exit-code: exiting with %d\n", status);
  exit(status);
}
