/* The application processors' start-up code. ap_start.c copies
 * [trampoline_start, trampoline_end) to a page below 1 MiB (TRAMPOLINE_ADDR)
 * and names that page in the STARTUP IPI; the AP begins there in real mode
 * with CS = page << 8, IP = 0. Position-independent: data is addressed
 * relative to CS, and everything after the far jump runs in the kernel image.
 *
 * The AP loads the kernel's GDT (cpu.c), enters 32-bit protected mode (paging
 * off), takes its stack from ap_stacks by its LAPIC ID and calls
 * ap_main(apic_id) (each kernel's own), which does not return. An ID without a stack
 * (>= MP_MAX_CPUS) parks. */
#include "cpu.h"
#include "mptable.h"
#include "smp.h"

        .section .text
        .code16
        .globl  trampoline_start, trampoline_end
        .balign 16
trampoline_start:
        cli
        cld
        movw    %cs, %ax
        movw    %ax, %ds
        lgdtl   trampoline_gdtr - trampoline_start
        movl    %cr0, %eax
        orl     $1, %eax                /* PE */
        movl    %eax, %cr0
        ljmpl   $GDT_CODE, $ap_protected_mode

        .balign 8
trampoline_gdtr:
        .word   3 * 8 - 1
        .long   gdt                     /* cpu.c; its linear address, in the kernel image */
trampoline_end:

        .code32
ap_protected_mode:
        movw    $GDT_DATA, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs
        movw    %ax, %ss
        movl    lapic_base, %eax
        movl    0x20(%eax), %eax        /* LAPIC ID register */
        shrl    $24, %eax
        cmpl    $MP_MAX_CPUS, %eax
        jae     1f
        leal    1(%eax), %ecx
        shll    $AP_STACK_SHIFT, %ecx   /* the top of ap_stacks[id] */
        leal    ap_stacks(%ecx), %esp
        pushl   %eax
        call    ap_main
1:      cli
        hlt
        jmp     1b
