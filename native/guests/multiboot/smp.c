/* smp: starts every application processor the MP table lists, the MP
 * specification's way (INIT, then STARTUP twice, per AP by APIC ID, one AP at
 * a time), and has each report in from 32-bit protected mode. Prints the
 * processor count, one "cpu K: up" line per AP (printed by the AP, under the
 * console lock), then how many CPUs came up; reports to isa-debug-exit 0 when
 * all did (and each AP was the one started), 1 otherwise.
 *
 * The BSP waits halted, woken by its LAPIC's one-shot timer (1 ms at a time,
 * up to AP_TIMEOUT_MS per AP): how long it waits changes nothing printed
 * unless an AP never comes. Because the BSP starts the next AP, and prints
 * its own last line, only after the previous AP counted itself in (after its
 * line), the output order is fixed. */
#include <stdint.h>

#include "console.h"
#include "cpu.h"
#include "debug_exit.h"
#include "io.h"
#include "lapic.h"
#include "mptable.h"
#include "pic.h"
#include "smp.h"
#include "spinlock.h"

#define MB_BOOTLOADER_MAGIC 0x2badb002u

#define INIT_DELAY_TICKS 10000000u /* 10 ms at 1 GHz, the specification's INIT to STARTUP wait */
#define SIPI_DELAY_TICKS 200000u   /* 200 us after each STARTUP */
#define POLL_TICKS 1000000u        /* 1 ms */
#define AP_TIMEOUT_MS 2000         /* generous: only matters when an AP never comes */

uint8_t ap_stacks[MP_MAX_CPUS][1u << AP_STACK_SHIFT] __attribute__((aligned(16)));
extern const uint8_t trampoline_start[], trampoline_end[]; /* trampoline.S */

static struct mp_info mp;
static spinlock_t console_lock;
static volatile uint32_t cpus_up = 1; /* the BSP */
static volatile int ap_last_id = -1;  /* the APIC ID the last AP read from its LAPIC */

/* Called by trampoline.S on the AP's own stack, interrupts off. */
void __attribute__((noreturn)) ap_main(uint32_t apic_id);
void ap_main(uint32_t apic_id) {
  cpu_load_idt();
  spin_lock(&console_lock);
  puts("cpu ");
  dec(apic_id);
  puts(": up\n");
  spin_unlock(&console_lock);
  ap_last_id = (int)apic_id;
  __atomic_fetch_add(&cpus_up, 1, __ATOMIC_SEQ_CST);
  halt_forever();
}

static void locked_puts(const char *s) {
  spin_lock(&console_lock);
  puts(s);
  spin_unlock(&console_lock);
}

static void copy_trampoline(void) {
  uint8_t *to = (uint8_t *)phys(TRAMPOLINE_ADDR);
  for (const uint8_t *from = trampoline_start; from < trampoline_end; ++from) *to++ = *from;
}

/* INIT, 10 ms, STARTUP, 200 us, STARTUP, 200 us (Intel SDM 8.4.4.1, MP spec
 * B.4), then wait for the AP to count itself in. Returns whether it did. */
static int start_ap(uint8_t apic_id) {
  uint32_t before = cpus_up;
  int sent = lapic_send_ipi(apic_id, LAPIC_ICR_INIT) == 0;
  lapic_delay(INIT_DELAY_TICKS);
  for (int i = 0; i < 2; ++i) {
    sent &= lapic_send_ipi(apic_id, LAPIC_ICR_STARTUP | (TRAMPOLINE_ADDR >> 12)) == 0;
    lapic_delay(SIPI_DELAY_TICKS);
  }
  check(sent, "an IPI stayed pending");
  for (int ms = 0; cpus_up == before && ms < AP_TIMEOUT_MS; ++ms) lapic_delay(POLL_TICKS);
  if (cpus_up == before) return 0;
  check(ap_last_id == apic_id, "an AP reported another APIC ID than the one started");
  return 1;
}

void kmain(uint32_t magic, const void *info) {
  (void)info;
  cpu_init();
  check(magic == MB_BOOTLOADER_MAGIC, "boot loader magic");
  mp_require(&mp, "smp");
  lapic_base = mp.lapic_addr;
  pic_mask_all();
  lapic_enable();
  uint8_t bsp = lapic_id();
  puts("mp: ");
  dec(mp.cpus);
  puts(" cpus, bsp apic ");
  dec(bsp);
  putc('\n');
  check(mp.bsp_apic_id == bsp, "the MP table's bootstrap processor is not this CPU");
  check(mp.cpus <= MP_MAX_CPUS, "more CPUs than MP_MAX_CPUS");

  copy_trampoline();
  unsigned n = mp.cpus <= MP_MAX_CPUS ? mp.cpus : MP_MAX_CPUS;
  for (unsigned i = 0; i < n; ++i) {
    uint8_t id = mp.cpu_apic_id[i];
    if (id == bsp) continue;
    if (!start_ap(id)) {
      spin_lock(&console_lock);
      puts("cpu ");
      dec(id);
      puts(": no answer\n");
      spin_unlock(&console_lock);
    }
  }

  uint32_t up = cpus_up;
  spin_lock(&console_lock);
  puts(up == mp.cpus ? "smp: " : "smp: only ");
  dec(up);
  puts(" of ");
  dec(mp.cpus);
  puts(" cpus up\n");
  spin_unlock(&console_lock);
  check(up == mp.cpus, "not every CPU came up");
  if (failures) locked_puts("smp: FAILED\n");
  debug_exit(failures ? 1 : 0);
  halt_forever();
}
