/* The local APIC (xAPIC, memory-mapped at lapic_base; the MP table says
 * where). Its timer counts at 1 GHz with divide-by-1 under both QEMU and KVM
 * (one tick per ns of the bus clock), which only sets delays and timeouts:
 * nothing printed depends on it. */
#pragma once
#include <stdint.h>

#include "io.h"

#define LAPIC_DEFAULT_BASE 0xfee00000u

#define LAPIC_ID 0x020
#define LAPIC_TPR 0x080
#define LAPIC_EOI 0x0b0
#define LAPIC_SVR 0x0f0
#define LAPIC_ICR_LO 0x300
#define LAPIC_ICR_HI 0x310
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_DIV 0x3e0

#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_LVT_MASKED (1u << 16)
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_TIMER_DIV_1 0xb
#define LAPIC_ICR_BUSY (1u << 12)         /* delivery status: send pending */
#define LAPIC_ICR_INIT 0x00004500u        /* INIT, level assert, physical destination */
#define LAPIC_ICR_STARTUP 0x00004600u     /* STARTUP (SIPI), vector in bits 0-7 = page number */

extern uint32_t lapic_base;

static inline uint32_t lapic_read(uint32_t reg) { return mmio_read32(lapic_base + reg); }
static inline void lapic_write(uint32_t reg, uint32_t v) { mmio_write32(lapic_base + reg, v); }
static inline void lapic_eoi(void) { lapic_write(LAPIC_EOI, 0); }
static inline uint8_t lapic_id(void) { return (uint8_t)(lapic_read(LAPIC_ID) >> 24); }

/* Software-enables this CPU's LAPIC (SVR, spurious vector VEC_SPURIOUS with
 * a handler that sends no EOI), accepts every priority (TPR 0) and masks
 * LINT0, so that the 8259s' ExtINT cannot reach the CPU. */
void lapic_enable(void);
/* Sends an IPI (icr_lo: delivery mode and vector) to `apic_id` and waits
 * (bounded) until the LAPIC reports it sent. Returns 0, or -1 if still busy. */
int lapic_send_ipi(uint8_t apic_id, uint32_t icr_lo);

/* A one-shot timer of `ticks` ns at VEC_ONESHOT: start, poll, stop. */
void oneshot_start(uint32_t ticks);
int oneshot_expired(void);
void oneshot_stop(void);
/* Waits `ticks` ns halted (sti; hlt), woken by the one-shot timer. */
void lapic_delay(uint32_t ticks);
