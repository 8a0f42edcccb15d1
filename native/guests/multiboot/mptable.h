/* The Intel MultiProcessor Specification 1.4 tables: how the kernels find
 * their CPUs, local APIC and I/O APIC without ACPI. SeaBIOS builds them under
 * QEMU; the runner writes the same shape (native/src/boot/mp_table.hh). */
#pragma once

#define MP_MAX_CPUS 16 /* processor entries kept; more are counted, not kept */
#define MP_ISA_IRQS 16

/* MP interrupt entry flags (the INTI flags): polarity bits 0-1, trigger 2-3. */
#define MP_POLARITY_MASK 0x3
#define MP_POLARITY_LOW 0x3
#define MP_TRIGGER_MASK 0xc
#define MP_TRIGGER_LEVEL 0xc

#ifndef __ASSEMBLER__
#include <stdint.h>


struct mp_info {
  uint32_t floating_pointer; /* where the "_MP_" structure was found */
  uint32_t config_table;     /* where "PCMP" is */
  uint8_t spec_rev;          /* the configuration table's, 4 for 1.4 */
  uint32_t lapic_addr;
  unsigned cpus;                       /* enabled processor entries */
  uint8_t cpu_apic_id[MP_MAX_CPUS];    /* in table order, the first MP_MAX_CPUS */
  int bsp_apic_id;                     /* the entry flagged bootstrap, -1 if none */
  unsigned ioapics;                    /* enabled I/O APIC entries */
  uint8_t ioapic_id;                   /* the first one's */
  uint32_t ioapic_addr;                /* the first one's */
  int isa_bus;                         /* bus ID of the "ISA   " bus, -1 if none */
  int8_t isa_irq_pin[MP_ISA_IRQS];     /* I/O APIC pin of ISA IRQ n on the first I/O APIC, -1 if none */
  uint8_t isa_irq_flags[MP_ISA_IRQS];  /* its INTI flags */
  int extint_lint, nmi_lint;           /* LINT pin of the ExtINT and NMI local interrupt entries, -1 if none */
};

/* Searches the first KiB of the EBDA, the last KiB of base memory and the BIOS
 * area 0xf0000-0xfffff (in that order, as the MP specification says) for the
 * floating pointer, checks both checksums and parses the configuration table.
 * Returns 0, or a short reason the caller prints. */
const char *mp_find(struct mp_info *mp);
/* mp_find, or, when there is no usable table, "<kernel>: MP table: <why>"
 * and "<kernel>: FAILED" on the console and exit code 1: the kernels here
 * cannot go on without one. */
void mp_require(struct mp_info *mp, const char *kernel);
#endif
