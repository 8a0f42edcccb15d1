/* A flat GDT and an IDT whose 256 vectors all reach isr_dispatch (isr.S pushes
 * the vector and, where the CPU does not, a zero error code). A vector with no
 * handler set reports itself on the console and ends the run with
 * isa-debug-exit value 3: a stray interrupt or exception fails loudly instead
 * of triple-faulting. */
#pragma once

#define GDT_CODE 0x08
#define GDT_DATA 0x10

/* The vectors the kernels use. */
#define VEC_PIT 0x30       /* IOAPIC pin of ISA IRQ0 */
#define VEC_COM1 0x34      /* IOAPIC pin of ISA IRQ4 */
#define VEC_LAPIC_TIMER 0x40
#define VEC_ONESHOT 0x41   /* lapic.c's one-shot timer: delays and watchdogs */
#define VEC_SPURIOUS 0xff

#ifndef __ASSEMBLER__
#include <stdint.h>


struct isr_frame {
  uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax; /* pushal */
  uint32_t vector, error;
  uint32_t eip, cs, eflags;
};

typedef void (*isr_handler)(struct isr_frame *frame);

/* The bootstrap processor: fills the IDT, loads the GDT (reloading every
 * segment register) and the IDT. */
void cpu_init(void);
/* An application processor, already on the GDT (the trampoline loaded it). */
void cpu_load_idt(void);
void set_handler(uint8_t vector, isr_handler handler);
#endif
