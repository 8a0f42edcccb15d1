/* The two 8259 PICs: mask every line (OCW1), initialized or not, so that
 * nothing arrives through them while the I/O APIC is in use. Header-only. */
#pragma once
#include "io.h"

#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1

static inline void pic_mask_all(void) {
  outb(PIC1_DATA, 0xff);
  outb(PIC2_DATA, 0xff);
}
