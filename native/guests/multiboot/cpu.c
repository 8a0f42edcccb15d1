#include "cpu.h"

#include "console.h"
#include "debug_exit.h"
#include "io.h"

/* Null, flat 4 GiB code (0x08), flat 4 GiB data (0x10). trampoline.S loads
 * it too. */
const uint64_t gdt[3] __attribute__((aligned(8))) = {0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull};

struct __attribute__((packed)) table_register {
  uint16_t limit;
  uint32_t base;
};

static uint32_t idt[256][2] __attribute__((aligned(8)));
static isr_handler handlers[256];
extern const uint32_t isr_stubs[256]; /* isr.S */

void set_handler(uint8_t vector, isr_handler handler) { handlers[vector] = handler; }

void cpu_load_idt(void) {
  static const struct table_register idtr = {sizeof idt - 1, (uint32_t)idt};
  __asm__ volatile("lidt %0" : : "m"(idtr));
}

void cpu_init(void) {
  static const struct table_register gdtr = {sizeof gdt - 1, (uint32_t)gdt};
  __asm__ volatile(
      "lgdt %0\n\t"
      "ljmp %1, $1f\n"
      "1:\tmovw %w2, %%ds\n\t"
      "movw %w2, %%es\n\t"
      "movw %w2, %%fs\n\t"
      "movw %w2, %%gs\n\t"
      "movw %w2, %%ss"
      :
      : "m"(gdtr), "i"(GDT_CODE), "r"(GDT_DATA)
      : "memory");
  /* 32-bit interrupt gates (interrupts off in the handler), DPL 0. */
  for (int v = 0; v < 256; ++v) {
    uint32_t stub = isr_stubs[v];
    idt[v][0] = (GDT_CODE << 16) | (stub & 0xffff);
    idt[v][1] = (stub & 0xffff0000) | 0x8e00;
  }
  cpu_load_idt();
}

void isr_dispatch(struct isr_frame *frame) {
  isr_handler handler = handlers[frame->vector];
  if (handler) {
    handler(frame);
    return;
  }
  puts(frame->vector < 32 ? "\nexception " : "\nunexpected interrupt, vector ");
  dec(frame->vector);
  puts(" error ");
  hex(frame->error, 8);
  puts(" eip ");
  hex(frame->eip, 8);
  putc('\n');
  debug_exit(3);
  halt_forever();
}
