/* Starting the application processors, shared by the SMP kernels. The BSP
 * starts each AP by APIC ID; the AP begins in trampoline.S, which calls the
 * kernel's own ap_main(apic_id) on a 1 KiB stack of ap_stacks; ap_main calls
 * ap_report_in() once it is ready to be counted. */
#pragma once
#include <stdint.h>

/* The AP side, defined by each kernel; called by trampoline.S with
 * interrupts off, on the AP's stack. Does not return. */
void __attribute__((noreturn)) ap_main(uint32_t apic_id);

/* INIT, STARTUP, STARTUP to `apic_id`, then waits (up to 2 s) for the AP to
 * report in. Returns 1 if it did, 0 if it never came. A failed IPI or an AP
 * reporting another APIC ID than the one started fails a check(). */
int ap_start(uint8_t apic_id);

/* The AP side of ap_start(): this AP is up. */
void ap_report_in(uint32_t apic_id);

/* Spins until another CPU raises *word to at least `value`, or `ticks` ns
 * (at most 2^32 - 1) pass. Returns whether it got there. Spins instead of
 * halting: nothing would wake the CPU, and a timer tick per wait would push
 * the waiting loop's registers onto the stack, leaving how long it waited in
 * guest memory. The one-shot watchdog interrupt comes only when time runs out. */
int wait_at_least(const volatile uint32_t *word, uint32_t value, uint32_t ticks);
