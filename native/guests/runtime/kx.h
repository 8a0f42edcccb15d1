/* The guest runtime's interface: what a bundled program may call.
 * The numbers behind it are the guest ABI, described in docs/guest-abi.md. */
#ifndef KX_H
#define KX_H

#include <stdint.h>

#include "kx_ports.h"

struct kx_boot_info {
  uint32_t magic; /* "KXBI" */
  uint32_t version;
  uint64_t memory_bytes;
  uint64_t args_addr;
  uint32_t args_len;
  uint32_t reserved;
  uint64_t tsc_hz;
};

/* The program's entry: runs in ring 3; its return value is the exit status. */
int main(void);

static inline void kx_outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void kx_outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint32_t kx_inl(uint16_t port) {
  uint32_t v;
  __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline uint8_t kx_inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}
static inline void kx_mmio_write32(uint64_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }

const struct kx_boot_info *kx_boot_info(void);
/* guest.args, as "key=value key=value". */
const char *kx_args(void);
/* The value of `key` in guest.args parsed as a decimal or 0x-hex number, or `fallback`. */
uint64_t kx_arg_u64(const char *key, uint64_t fallback);

void kx_putc(char c);
void kx_puts(const char *s);
/* A small printf: %s %c %u %d %x %lu %ld %lx %llu %llx and %08x-style zero padding. */
void kx_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Periodic interrupts (vector 32) every `period_us` of simulated time. */
void kx_timer_start(uint32_t period_us);
void kx_timer_stop(void);
/* Halts until the next interrupt: `int3` to a ring-0 gate (HLT is privileged in
 * ring 3, and `int3` is the one software interrupt every KVM flavour delivers). */
void kx_wait_for_interrupt(void);
/* Interrupts the runtime's handler has taken so far. */
uint64_t kx_interrupts(void);

/* A hypercall by port: returns the result register. */
uint32_t kx_hypercall(uint32_t call, uint32_t argument);

_Noreturn void kx_exit(uint32_t status);
void kx_reset_stats(void);
void kx_dump_stats(void);

#endif
