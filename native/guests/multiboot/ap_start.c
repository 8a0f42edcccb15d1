#include "ap_start.h"

#include "console.h"
#include "io.h"
#include "lapic.h"
#include "mptable.h"
#include "smp.h"

#define INIT_DELAY_TICKS 10000000u /* 10 ms at 1 GHz, the specification's INIT to STARTUP wait */
#define SIPI_DELAY_TICKS 200000u   /* 200 us after each STARTUP */
#define AP_TIMEOUT_TICKS 2000000000u /* 2 s, generous: only matters when an AP never comes */

uint8_t ap_stacks[MP_MAX_CPUS][1u << AP_STACK_SHIFT] __attribute__((aligned(16))); /* trampoline.S */
extern const uint8_t trampoline_start[], trampoline_end[];                          /* trampoline.S */

static volatile uint32_t cpus_up = 1; /* the BSP */
static volatile int ap_last_id = -1;  /* the APIC ID the last AP read from its LAPIC */

void ap_report_in(uint32_t apic_id) {
  ap_last_id = (int)apic_id;
  __atomic_fetch_add(&cpus_up, 1, __ATOMIC_SEQ_CST);
}

int wait_at_least(const volatile uint32_t *word, uint32_t value, uint32_t ticks) {
  oneshot_start(ticks);
  __asm__ volatile("sti" ::: "memory"); /* for the watchdog only: nothing else is unmasked */
  while (*word < value && !oneshot_expired()) cpu_pause();
  cli();
  oneshot_stop();
  return *word >= value;
}

/* Copied before every start: a few dozen bytes, and no state to keep. */
static void copy_trampoline(void) {
  uint8_t *to = (uint8_t *)phys(TRAMPOLINE_ADDR);
  for (const uint8_t *from = trampoline_start; from < trampoline_end; ++from) *to++ = *from;
}

/* INIT, 10 ms, STARTUP, 200 us, STARTUP, 200 us (Intel SDM 8.4.4.1, MP spec
 * B.4), then wait for the AP to count itself in. */
int ap_start(uint8_t apic_id) {
  copy_trampoline();
  uint32_t before = cpus_up;
  int sent = lapic_send_ipi(apic_id, LAPIC_ICR_INIT) == 0;
  lapic_delay(INIT_DELAY_TICKS);
  for (int i = 0; i < 2; ++i) {
    sent &= lapic_send_ipi(apic_id, LAPIC_ICR_STARTUP | (TRAMPOLINE_ADDR >> 12)) == 0;
    lapic_delay(SIPI_DELAY_TICKS);
  }
  check(sent, "an IPI stayed pending");
  if (!wait_at_least(&cpus_up, before + 1, AP_TIMEOUT_TICKS)) return 0;
  check(ap_last_id == apic_id, "an AP reported another APIC ID than the one started");
  return 1;
}
