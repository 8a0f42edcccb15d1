/* The I/O APIC (82093AA register interface, at the address the MP table
 * gives): an index register and a data window. Header-only. */
#pragma once
#include <stdint.h>

#include "io.h"

#define IOAPIC_REGSEL 0x00
#define IOAPIC_WINDOW 0x10
#define IOAPIC_REG_VERSION 0x01 /* bits 16-23: the highest redirection entry */
#define IOAPIC_REDIRECT(pin) (0x10 + 2 * (pin))

/* Redirection entry, low word (delivery mode fixed = 0, destination mode
 * physical = 0). */
#define IOAPIC_ACTIVE_LOW (1u << 13)
#define IOAPIC_LEVEL (1u << 15)
#define IOAPIC_MASKED (1u << 16)

static inline uint32_t ioapic_read(uint32_t base, uint8_t reg) {
  mmio_write32(base + IOAPIC_REGSEL, reg);
  return mmio_read32(base + IOAPIC_WINDOW);
}

static inline void ioapic_write(uint32_t base, uint8_t reg, uint32_t v) {
  mmio_write32(base + IOAPIC_REGSEL, reg);
  mmio_write32(base + IOAPIC_WINDOW, v);
}

static inline unsigned ioapic_pins(uint32_t base) { return ((ioapic_read(base, IOAPIC_REG_VERSION) >> 16) & 0xff) + 1; }

/* Fixed delivery of `vector` to the LAPIC with ID `apic_id`; `flags` adds
 * IOAPIC_ACTIVE_LOW / IOAPIC_LEVEL / IOAPIC_MASKED. The destination goes in
 * first so that an unmasked entry never points elsewhere. */
static inline void ioapic_route(uint32_t base, unsigned pin, uint8_t vector, uint8_t apic_id, uint32_t flags) {
  ioapic_write(base, IOAPIC_REDIRECT(pin) + 1, (uint32_t)apic_id << 24);
  ioapic_write(base, IOAPIC_REDIRECT(pin), vector | flags);
}

static inline void ioapic_mask(uint32_t base, unsigned pin) {
  ioapic_write(base, IOAPIC_REDIRECT(pin), ioapic_read(base, IOAPIC_REDIRECT(pin)) | IOAPIC_MASKED);
}
