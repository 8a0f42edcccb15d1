/* Port and memory-mapped I/O, and the few privileged instructions the test
 * kernels use. Header-only. */
#pragma once
#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static inline uint32_t mmio_read32(uint32_t addr) { return *(volatile uint32_t *)addr; }
static inline void mmio_write32(uint32_t addr, uint32_t v) { *(volatile uint32_t *)addr = v; }

/* A pointer to physical address `addr` that gcc cannot see is constant, so
 * that reading the BIOS data area (0x400..) draws no -Warray-bounds. */
static inline const void *phys(uint32_t addr) {
  __asm__("" : "+r"(addr));
  return (const void *)addr;
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void cpu_pause(void) { __asm__ volatile("pause" ::: "memory"); }
/* Enables interrupts and halts until one arrives: sti's one-instruction
 * shadow means no interrupt can slip in between the two. Returns with
 * interrupts disabled again, after the handler ran. */
static inline void sti_hlt_cli(void) { __asm__ volatile("sti; hlt; cli" ::: "memory"); }
static inline void __attribute__((noreturn)) halt_forever(void) {
  for (;;) __asm__ volatile("cli; hlt" ::: "memory");
}
