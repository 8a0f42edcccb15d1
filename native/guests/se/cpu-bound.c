/* cpu-bound: a pure computation with almost no system calls, for the bench.
 *
 *   cpu-bound [UNITS]        (default 44000, about 2 s natively on one
 *                             core of the development host)
 *
 * Runs UNITS units of the kernel in work.h (64x64 integer matrix products
 * chained through their result; time is linear in UNITS) and prints
 * "cpu-bound: units=UNITS checksum=XXXXXXXX".  The checksum depends only on
 * UNITS.  Exit 0.
 */
#include <stdio.h>
#include <stdlib.h>

#include "work.h"

int main(int argc, char **argv) {
  long units = argc > 1 ? strtol(argv[1], NULL, 0) : 44000;
  if (units < 0) units = 0;
  uint32_t sum = work_run(units);
  printf("cpu-bound: units=%ld checksum=%08x\n", units, sum);
  return 0;
}
