/* COM1 (0x3f8) output, polled, and the formatting the test kernels share:
 * fixed-width hex and unsigned decimal, nothing timing-dependent. Not
 * locked: on SMP the caller serializes (see spinlock.h). */
#pragma once
#include <stdint.h>

#define COM1 0x3f8
#define COM1_IER (COM1 + 1)
#define COM1_IIR (COM1 + 2) /* read */
#define COM1_FCR (COM1 + 2) /* write */
#define COM1_LCR (COM1 + 3)
#define COM1_MCR (COM1 + 4)
#define COM1_LSR (COM1 + 5)
#define LSR_THR_EMPTY 0x20

void putc(char c);
void puts(const char *s);
void putsn(const char *s, unsigned max); /* at most `max` bytes of a C string */
void hex(uint32_t v, int digits);        /* "0x" and `digits` hex digits */
void hex64(uint64_t v);                  /* "0x" and 16 hex digits */
void dec(uint32_t v);

/* Counts failed checks; a failed check prints "FAIL: <what>". */
extern int failures;
void check(int ok, const char *what);
