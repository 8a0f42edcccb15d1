/* What ap_start.c and trampoline.S share. */
#pragma once

/* The page the trampoline is copied to: below 1 MiB, 4 KiB aligned (the
 * STARTUP IPI's vector is its page number), clear of the low memory the boot
 * loaders use (QEMU's -kernel: Multiboot information at 0x9000-0x9fff; the
 * runner: its GDT at 0x9fc00, the information block above the kernel; the
 * BIOS data area and EBDA; SeaBIOS's tables in 0xf0000-0xfffff). */
#define TRAMPOLINE_ADDR 0x8000
#define AP_STACK_SHIFT 10 /* 1 KiB stacks, ap_stacks[MP_MAX_CPUS] */
