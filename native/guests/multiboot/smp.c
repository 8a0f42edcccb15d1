/* smp: starts every application processor the MP table lists, the MP
 * specification's way (INIT, then STARTUP twice, per AP by APIC ID, one AP at
 * a time), and has each report in from 32-bit protected mode. Prints the
 * processor count, one "cpu K: up" line per AP (printed by the AP, under the
 * console lock), then how many CPUs came up; reports to isa-debug-exit 0 when
 * all did (and each AP was the one started), 1 otherwise.
 *
 * Starting an AP is ap_start.c's. Because the BSP starts the next AP, and
 * prints its own last line, only after the previous AP counted itself in
 * (after its line), the output order is fixed. */
#include <stdint.h>

#include "ap_start.h"
#include "bsp_start.h"
#include "console.h"
#include "cpu.h"
#include "debug_exit.h"
#include "io.h"
#include "lapic.h"
#include "mptable.h"
#include "spinlock.h"


static struct mp_info mp;
static spinlock_t console_lock;

void ap_main(uint32_t apic_id) {
  cpu_load_idt();
  spin_lock(&console_lock);
  puts("cpu ");
  dec(apic_id);
  puts(": up\n");
  spin_unlock(&console_lock);
  ap_report_in(apic_id);
  halt_forever();
}

static void locked_puts(const char *s) {
  spin_lock(&console_lock);
  puts(s);
  spin_unlock(&console_lock);
}

void kmain(uint32_t magic, const void *info) {
  (void)info;
  uint8_t bsp = bsp_start(magic, &mp, "smp");
  puts("mp: ");
  dec(mp.cpus);
  puts(" cpus, bsp apic ");
  dec(bsp);
  putc('\n');
  check(mp.bsp_apic_id == bsp, "the MP table's bootstrap processor is not this CPU");
  check(mp.cpus <= MP_MAX_CPUS, "more CPUs than MP_MAX_CPUS");

  uint32_t up = 1; /* the BSP */
  unsigned n = mp.cpus <= MP_MAX_CPUS ? mp.cpus : MP_MAX_CPUS;
  for (unsigned i = 0; i < n; ++i) {
    uint8_t id = mp.cpu_apic_id[i];
    if (id == bsp) continue;
    if (ap_start(id)) {
      ++up;
    } else {
      spin_lock(&console_lock);
      puts("cpu ");
      dec(id);
      puts(": no answer\n");
      spin_unlock(&console_lock);
    }
  }

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
