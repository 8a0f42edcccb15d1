/* irqs: interrupts through the local APIC and the I/O APIC, found through the
 * MP table alone (no ACPI). Prints what the table says, then, each in its own
 * section: 5 periodic LAPIC timer interrupts; 3 PIT (channel 0, rate
 * generator) interrupts through the I/O APIC pin the table gives for ISA
 * IRQ0; 3 COM1 THRE interrupts through the pin of ISA IRQ4. Reports to
 * isa-debug-exit: 0 when every check passed, 1 otherwise.
 *
 * Every wait is `sti; hlt` (no busy loops: ring 0 may be emulated at about
 * 1 us an instruction). Every handler stops its source at its last counted
 * interrupt, so the counts printed never depend on timing. */
#include <stdint.h>

#include "bsp_start.h"
#include "console.h"
#include "cpu.h"
#include "debug_exit.h"
#include "io.h"
#include "ioapic.h"
#include "lapic.h"
#include "mptable.h"
#include "pic.h"


#define LAPIC_TIMER_TICKS 10000000u /* 10 ms a period at 1 GHz */
#define LAPIC_TIMER_INTERRUPTS 5
#define PIT_CONTROL 0x43
#define PIT_CHANNEL0 0x40
#define PIT_COUNT 11932 /* 1.193182 MHz / 11932: 100 Hz */
#define PIT_INTERRUPTS 3
#define SERIAL_INTERRUPTS 3
#define WATCHDOG_TICKS 1000000000u /* 1 s: only ever reached when an interrupt never comes */

#define MCR_DTR_RTS_OUT2 0x0b
#define IER_THRE 0x02
#define IIR_THRE 0x02
#define IIR_NONE 0x01

static struct mp_info mp;
static uint8_t bsp;

static volatile unsigned lapic_ticks, pit_ticks, serial_ticks, serial_bad_iir;

/* ---- the LAPIC timer, periodic ---- */

static void lapic_timer_isr(struct isr_frame *frame) {
  (void)frame;
  if (++lapic_ticks == LAPIC_TIMER_INTERRUPTS) {
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_LAPIC_TIMER);
    lapic_write(LAPIC_TIMER_INIT, 0);
  }
  lapic_eoi();
}

static void test_lapic_timer(void) {
  set_handler(VEC_LAPIC_TIMER, lapic_timer_isr);
  lapic_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_1);
  lapic_write(LAPIC_LVT_TIMER, LAPIC_TIMER_PERIODIC | VEC_LAPIC_TIMER);
  lapic_write(LAPIC_TIMER_INIT, LAPIC_TIMER_TICKS);
  /* No watchdog here: the timer under test is the one the watchdog uses. */
  while (lapic_ticks < LAPIC_TIMER_INTERRUPTS) sti_hlt_cli();
  puts("lapic timer: ");
  dec(LAPIC_TIMER_INTERRUPTS);
  puts(" periodic interrupts\n");
  check(lapic_read(LAPIC_LVT_TIMER) & LAPIC_LVT_MASKED, "lapic timer still unmasked");
}

/* ---- the PIT through the I/O APIC ---- */

static unsigned pit_pin;

static void pit_isr(struct isr_frame *frame) {
  (void)frame;
  if (++pit_ticks == PIT_INTERRUPTS) {
    ioapic_mask(mp.ioapic_addr, pit_pin);
    outb(PIT_CONTROL, 0x30); /* channel 0, mode 0 and no count loaded: stopped */
  }
  lapic_eoi();
}

static uint32_t ioapic_flags(uint8_t mp_flags) {
  /* "Conforms to the bus" is ISA's active high, edge triggered. */
  return ((mp_flags & MP_POLARITY_MASK) == MP_POLARITY_LOW ? IOAPIC_ACTIVE_LOW : 0) |
         ((mp_flags & MP_TRIGGER_MASK) == MP_TRIGGER_LEVEL ? IOAPIC_LEVEL : 0);
}

static void test_pit(void) {
  pit_pin = (unsigned)mp.isa_irq_pin[0];
  set_handler(VEC_PIT, pit_isr);
  ioapic_route(mp.ioapic_addr, pit_pin, VEC_PIT, bsp, ioapic_flags(mp.isa_irq_flags[0]));
  outb(PIT_CONTROL, 0x34); /* channel 0, low then high byte, mode 2 (rate generator), binary */
  outb(PIT_CHANNEL0, PIT_COUNT & 0xff);
  outb(PIT_CHANNEL0, PIT_COUNT >> 8);
  oneshot_start(WATCHDOG_TICKS);
  while (pit_ticks < PIT_INTERRUPTS && !oneshot_expired()) sti_hlt_cli();
  oneshot_stop();
  if (pit_ticks < PIT_INTERRUPTS) {
    ioapic_mask(mp.ioapic_addr, pit_pin);
    check(0, "pit: timed out");
  }
  puts("pit: ");
  dec(pit_ticks);
  puts(" interrupts on ioapic pin ");
  dec(pit_pin);
  putc('\n');
  check(ioapic_read(mp.ioapic_addr, IOAPIC_REDIRECT(pit_pin)) & IOAPIC_MASKED, "pit pin still unmasked");
}

/* ---- COM1's THRE interrupt through the I/O APIC ---- */

static unsigned serial_pin;

/* Each interrupt reads IIR (which clears the THRE interrupt) and writes one
 * byte, the interrupt's number, which re-arms it once sent; the last one
 * turns the interrupt off first. */
static void serial_isr(struct isr_frame *frame) {
  (void)frame;
  uint8_t iir = inb(COM1_IIR);
  if ((iir & 0x0f) != IIR_THRE) {
    serial_bad_iir++;
  } else if (serial_ticks < SERIAL_INTERRUPTS) {
    if (++serial_ticks == SERIAL_INTERRUPTS) outb(COM1_IER, 0);
    outb(COM1, (uint8_t)('0' + serial_ticks));
  }
  lapic_eoi();
}

static void test_serial(void) {
  serial_pin = (unsigned)mp.isa_irq_pin[4];
  set_handler(VEC_COM1, serial_isr);
  outb(COM1_IER, 0);
  outb(COM1_FCR, 0); /* no FIFOs: one byte per THRE interrupt */
  outb(COM1_MCR, MCR_DTR_RTS_OUT2);
  puts("serial: thre interrupts on ioapic pin ");
  dec(serial_pin);
  puts(" wrote \"");
  while (!(inb(COM1_LSR) & LSR_THR_EMPTY)) {
  }
  ioapic_route(mp.ioapic_addr, serial_pin, VEC_COM1, bsp, ioapic_flags(mp.isa_irq_flags[4]));
  oneshot_start(WATCHDOG_TICKS);
  outb(COM1_IER, IER_THRE); /* the transmitter is empty: this raises IRQ4 */
  while (serial_ticks < SERIAL_INTERRUPTS && !serial_bad_iir && !oneshot_expired()) sti_hlt_cli();
  oneshot_stop();
  outb(COM1_IER, 0);
  ioapic_mask(mp.ioapic_addr, serial_pin);
  puts("\", ");
  dec(serial_ticks);
  puts(" interrupts\n");
  check(!serial_bad_iir, "serial: IIR did not read 0x02 (THRE) in the handler");
  check(serial_ticks == SERIAL_INTERRUPTS, "serial: timed out");
  check((inb(COM1_IIR) & 0x0f) == IIR_NONE, "serial: IIR not 0x01 (none pending) at the end");
}

void kmain(uint32_t magic, const void *info) {
  (void)info;
  bsp = bsp_start(magic, &mp, "irqs");

  puts("irqs: mp spec 1.");
  dec(mp.spec_rev);
  puts(", ");
  dec(mp.cpus);
  puts(" cpus, bsp apic ");
  dec(bsp);
  puts(", lapic ");
  hex(mp.lapic_addr, 8);
  puts("\nirqs: ioapic ");
  hex(mp.ioapic_addr, 8);
  puts(", ");
  dec(mp.ioapic_addr ? ioapic_pins(mp.ioapic_addr) : 0);
  puts(" pins, isa irq0 -> pin ");
  dec((uint32_t)mp.isa_irq_pin[0]);
  puts(", irq4 -> pin ");
  dec((uint32_t)mp.isa_irq_pin[4]);
  putc('\n');
  check(mp.bsp_apic_id == bsp, "the MP table's bootstrap processor is not this CPU");
  check(mp.ioapics >= 1, "no I/O APIC entry");
  int ok = mp.ioapics >= 1 && mp.isa_irq_pin[0] >= 0 && mp.isa_irq_pin[4] >= 0;
  check(ok, "no I/O APIC pin for ISA IRQ0 or IRQ4");

  test_lapic_timer();
  if (ok) {
    test_pit();
    test_serial();
  }

  puts(failures ? "irqs: FAILED\n" : "irqs: ok\n");
  debug_exit(failures ? 1 : 0);
  halt_forever();
}
