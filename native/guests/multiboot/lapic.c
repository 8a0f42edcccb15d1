#include "lapic.h"

#include "cpu.h"

uint32_t lapic_base = LAPIC_DEFAULT_BASE;

static volatile int expired;
static volatile unsigned spurious;

static void spurious_isr(struct isr_frame *frame) {
  (void)frame;
  spurious++; /* no EOI for a spurious interrupt */
}

static void oneshot_isr(struct isr_frame *frame) {
  (void)frame;
  expired = 1;
  lapic_eoi();
}

void lapic_enable(void) {
  set_handler(VEC_SPURIOUS, spurious_isr);
  set_handler(VEC_ONESHOT, oneshot_isr);
  lapic_write(LAPIC_SVR, LAPIC_SVR_ENABLE | VEC_SPURIOUS);
  lapic_write(LAPIC_TPR, 0);
  lapic_write(LAPIC_LVT_LINT0, LAPIC_LVT_MASKED | 0x700);
}

int lapic_send_ipi(uint8_t apic_id, uint32_t icr_lo) {
  lapic_write(LAPIC_ICR_HI, (uint32_t)apic_id << 24);
  lapic_write(LAPIC_ICR_LO, icr_lo);
  for (int i = 0; i < 1000; ++i) {
    if (!(lapic_read(LAPIC_ICR_LO) & LAPIC_ICR_BUSY)) return 0;
    cpu_pause();
  }
  return -1;
}

void oneshot_start(uint32_t ticks) {
  expired = 0;
  lapic_write(LAPIC_TIMER_DIV, LAPIC_TIMER_DIV_1);
  lapic_write(LAPIC_LVT_TIMER, VEC_ONESHOT);
  lapic_write(LAPIC_TIMER_INIT, ticks);
}

int oneshot_expired(void) { return expired; }

void oneshot_stop(void) {
  lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED | VEC_ONESHOT);
  lapic_write(LAPIC_TIMER_INIT, 0);
}

void lapic_delay(uint32_t ticks) {
  oneshot_start(ticks);
  while (!expired) sti_hlt_cli();
}
