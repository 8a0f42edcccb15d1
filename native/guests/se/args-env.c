/* args-env: what the loader hands to main.
 *
 *   args-env [ARG...]
 *
 * Prints argc and every argv[i] verbatim.  Any argument of the form
 * "env:NAME" also prints that one environment variable ("env NAME=value" or
 * "env NAME unset"); the whole environ is never printed, since the host's
 * differs from run to run.  Then checks the auxiliary vector through
 * getauxval: AT_PAGESZ == 4096, AT_PHDR non-null and pointing at AT_PHNUM
 * program headers of AT_PHENT bytes that include a PT_LOAD, AT_ENTRY == the
 * address of _start, AT_RANDOM non-null with 16 bytes not all zero, AT_EXECFN a non-empty string,
 * AT_HWCAP present.  Prints "auxv ok", or one "FAIL: ..." line per failed
 * check and "auxv bad".  Exit status 0 when every check passed, else 1.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>

#include "common.h"

extern char _start[]; /* entry point of the executable (crt1.o) */

/* getauxval returns 0 for both "absent" and "value 0"; errno (set to ENOENT
 * by glibc >= 2.19 and musl) tells them apart. */
static int aux_present(unsigned long type, unsigned long *val) {
  errno = 0;
  *val = getauxval(type);
  return *val != 0 || errno != ENOENT;
}

int main(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++) printf("argv[%d]=%s\n", i, argv[i]);
  for (int i = 1; i < argc; i++) {
    if (strncmp(argv[i], "env:", 4) != 0) continue;
    const char *name = argv[i] + 4;
    const char *val = getenv(name);
    if (val)
      printf("env %s=%s\n", name, val);
    else
      printf("env %s unset\n", name);
  }

  unsigned long v;
  CHECK(aux_present(AT_PAGESZ, &v) && v == 4096, "AT_PAGESZ=%lu", v);

  unsigned long phdr = 0, phnum = 0, phent = 0;
  CHECK(aux_present(AT_PHDR, &phdr) && phdr != 0, "AT_PHDR missing or null");
  CHECK(aux_present(AT_PHNUM, &phnum) && phnum > 0, "AT_PHNUM=%lu", phnum);
  CHECK(aux_present(AT_PHENT, &phent) && phent == sizeof(Elf64_Phdr),
        "AT_PHENT=%lu", phent);
  if (phdr && phnum && phent == sizeof(Elf64_Phdr)) {
    const Elf64_Phdr *ph = (const Elf64_Phdr *)phdr;
    int loads = 0;
    for (unsigned long i = 0; i < phnum; i++)
      if (ph[i].p_type == PT_LOAD) loads++;
    CHECK(loads > 0, "AT_PHDR has no PT_LOAD among %lu headers", phnum);
  }

  unsigned long entry = 0;
  CHECK(aux_present(AT_ENTRY, &entry) && entry == (unsigned long)_start,
        "AT_ENTRY=%#lx, _start=%p", entry, (void *)_start);

  unsigned long rnd = 0;
  CHECK(aux_present(AT_RANDOM, &rnd) && rnd != 0, "AT_RANDOM missing or null");
  if (rnd) { /* the 16 bytes must be readable, and not all zero */
    const unsigned char *r = (const unsigned char *)rnd;
    unsigned char any = 0;
    for (int i = 0; i < 16; i++) any |= r[i];
    CHECK(any != 0, "AT_RANDOM bytes all zero");
  }

  unsigned long execfn = 0;
  CHECK(aux_present(AT_EXECFN, &execfn) && execfn != 0 &&
            strlen((const char *)execfn) > 0,
        "AT_EXECFN missing, null or empty");

  CHECK(aux_present(AT_HWCAP, &v), "AT_HWCAP absent");

  printf(se_failures ? "auxv bad\n" : "auxv ok\n");
  return se_failures ? 1 : 0;
}
