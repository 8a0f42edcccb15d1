/* The bootstrap processor's start, common to the kernels built on the MP
 * table and the LAPIC: the GDT and IDT loaded, the boot loader's magic
 * checked, the MP table found (or the run failed, naming the kernel), the
 * PICs masked and the LAPIC enabled at the address the table gives. */
#pragma once
#include <stdint.h>

#include "mptable.h"

#define MB_BOOTLOADER_MAGIC 0x2badb002u

/* Returns the bootstrap processor's APIC ID. */
uint8_t bsp_start(uint32_t magic, struct mp_info *mp, const char *kernel);
