/* The ring-3 runtime: console output over the 16550 serial port, guest.args
 * from the boot-info page, and sim-control requests. */
#include <stdarg.h>

#include "kx.h"

extern const struct kx_boot_info *kx_boot_info_ptr;
extern volatile uint64_t kx_interrupt_count;

const struct kx_boot_info *kx_boot_info(void) { return kx_boot_info_ptr; }

const char *kx_args(void) { return (const char *)kx_boot_info_ptr->args_addr; }

_Noreturn void kx_exit(uint32_t status) {
  kx_outl(KX_SIMCTL_PORT + 0x0, status);
  for (;;) __asm__ volatile("pause");
}

void kx_reset_stats(void) { kx_outl(KX_SIMCTL_PORT + 0x4, 0); }
void kx_dump_stats(void) { kx_outl(KX_SIMCTL_PORT + 0x8, 0); }

void kx_start(void) { kx_exit((uint32_t)main()); }

void kx_timer_start(uint32_t period_us) {
  kx_outl(KX_TIMER_PORT + 0x0, period_us);
  kx_outl(KX_TIMER_PORT + 0x4, 1);
}

void kx_timer_stop(void) { kx_outl(KX_TIMER_PORT + 0x4, 0); }

void kx_wait_for_interrupt(void) { __asm__ volatile("int3" ::: "memory"); }

uint64_t kx_interrupts(void) { return kx_interrupt_count; }

uint32_t kx_hypercall(uint32_t call, uint32_t argument) {
  kx_outl(KX_HYPERCALL_PORT + 0x4, argument);
  kx_outl(KX_HYPERCALL_PORT + 0x0, call);
  return kx_inl(KX_HYPERCALL_PORT + 0x8);
}

void kx_putc(char c) {
  while (!(kx_inb(KX_SERIAL_PORT + 5) & 0x20)) {
  }
  kx_outb(KX_SERIAL_PORT, (uint8_t)c);
}

void kx_puts(const char *s) {
  while (*s) kx_putc(*s++);
}

static int starts_with_key(const char *p, const char *key) {
  while (*key)
    if (*p++ != *key++) return 0;
  return *p == '=';
}

uint64_t kx_arg_u64(const char *key, uint64_t fallback) {
  const char *p = kx_args();
  while (*p) {
    while (*p == ' ') p++;
    if (starts_with_key(p, key)) {
      p++;
      while (*p != '=') p++;
      p++;
      uint64_t base = 10, value = 0;
      if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) base = 16, p += 2;
      for (;; p++) {
        unsigned digit;
        if (*p >= '0' && *p <= '9') digit = (unsigned)(*p - '0');
        else if (base == 16 && *p >= 'a' && *p <= 'f') digit = (unsigned)(*p - 'a' + 10);
        else if (base == 16 && *p >= 'A' && *p <= 'F') digit = (unsigned)(*p - 'A' + 10);
        else break;
        value = value * base + digit;
      }
      return value;
    }
    while (*p && *p != ' ') p++;
  }
  return fallback;
}

static void put_number(uint64_t value, unsigned base, int width, char pad) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[value % base];
    value /= base;
  } while (value);
  while (width-- > n) kx_putc(pad);
  while (n) kx_putc(digits[--n]);
}

void kx_printf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      kx_putc(*fmt);
      continue;
    }
    fmt++;
    char pad = ' ';
    int width = 0, longs = 0;
    if (*fmt == '0') pad = '0', fmt++;
    while (*fmt >= '0' && *fmt <= '9') width = width * 10 + (*fmt++ - '0');
    while (*fmt == 'l') longs++, fmt++;
    switch (*fmt) {
      case 's': kx_puts(va_arg(ap, const char *)); break;
      case 'c': kx_putc((char)va_arg(ap, int)); break;
      case 'd': {
        int64_t v = longs ? va_arg(ap, int64_t) : va_arg(ap, int);
        if (v < 0) kx_putc('-'), v = -v;
        put_number((uint64_t)v, 10, width, pad);
        break;
      }
      case 'u': put_number(longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, width, pad); break;
      case 'x': put_number(longs ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, width, pad); break;
      case '%': kx_putc('%'); break;
      default: kx_putc('?'); break;
    }
  }
  va_end(ap);
}
