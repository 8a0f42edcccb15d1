/* m5ops-roi: a region of interest delimited with gem5 m5ops (m5ops.h).
 *
 *   m5ops-roi [MODE [UNITS]]     MODE: roi (default) | all | fail | checkpoint | native
 *                                UNITS: work units, default 2000 (~0.1 s)
 *
 *   roi     m5_reset_stats(0, 0); work; m5_dump_stats(0, 0); print the
 *           result; m5_exit(0).
 *   all     additionally m5_work_begin(1, 0) / m5_work_end(1, 0) around the
 *           work and m5_dump_reset_stats(0, 0) after it, then as roi.
 *   fail    as roi, but ends with m5_fail(0, 42) instead of m5_exit.
 *   checkpoint  m5_checkpoint(0, 0) where the region begins, then as roi:
 *           a run can stop there and later runs start from it
 *           (checkpoint.warmup, experiments/se-roi-sweep.yaml).
 *   native  the same work and output with every m5 call skipped.
 *
 * The m5ops need the 64 KiB window at 0xffff0000 that our SE runner maps;
 * natively nothing is mapped there and the first m5op would die of
 * SIGSEGV, so natively run it as `m5ops-roi native`: its stdout is then
 * byte-for-byte what an SE run in mode roi/all prints.
 *
 * stdout: "m5ops-roi: start", "m5ops-roi: units=N checksum=XXXXXXXX",
 * "m5ops-roi: done" (flushed before the final m5op).  m5_exit/m5_fail end
 * the run, so they do not return; if one does return, the program says so
 * on stderr and exits 4.  Exit 0 in native mode, 2 on an unknown MODE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "m5ops.h"
#include "work.h"

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "roi";
  long units = argc > 2 ? strtol(argv[2], NULL, 0) : 2000;
  int native = !strcmp(mode, "native"), all = !strcmp(mode, "all"), fail = !strcmp(mode, "fail");
  int checkpoint = !strcmp(mode, "checkpoint");
  if (!native && !all && !fail && !checkpoint && strcmp(mode, "roi") != 0) {
    fprintf(stderr, "usage: %s [roi|all|fail|checkpoint|native [UNITS]]\n", argv[0]);
    return 2;
  }

  printf("m5ops-roi: start\n");
  fflush(stdout);
  if (checkpoint) m5_checkpoint(0, 0);
  if (!native) m5_reset_stats(0, 0);
  if (all) m5_work_begin(1, 0);
  uint32_t sum = work_run(units);
  if (all) m5_work_end(1, 0);
  if (all) m5_dump_reset_stats(0, 0);
  if (!native) m5_dump_stats(0, 0);
  printf("m5ops-roi: units=%ld checksum=%08x\n", units, sum);
  printf("m5ops-roi: done\n");
  fflush(stdout);
  if (native) return 0;
  if (fail)
    m5_fail(0, 42);
  else
    m5_exit(0);
  fprintf(stderr, "m5ops-roi: %s returned\n", fail ? "m5_fail" : "m5_exit");
  return 4;
}
