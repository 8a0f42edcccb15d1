#include "console.h"

#include "io.h"

int failures;

void putc(char c) {
  while (!(inb(COM1_LSR) & LSR_THR_EMPTY)) {
  }
  outb(COM1, (uint8_t)c);
}

void puts(const char *s) {
  while (*s) putc(*s++);
}

void putsn(const char *s, unsigned max) {
  for (unsigned i = 0; i < max && s[i]; ++i) putc(s[i]);
}

void hex(uint32_t v, int digits) {
  puts("0x");
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) putc("0123456789abcdef"[(v >> shift) & 15]);
}

void hex64(uint64_t v) {
  hex((uint32_t)(v >> 32), 8);
  for (int shift = 28; shift >= 0; shift -= 4) putc("0123456789abcdef"[((uint32_t)v >> shift) & 15]);
}

void dec(uint32_t v) {
  char buf[10];
  int n = 0;
  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) putc(buf[--n]);
}

void check(int ok, const char *what) {
  if (ok) return;
  ++failures;
  puts("FAIL: ");
  puts(what);
  putc('\n');
}
