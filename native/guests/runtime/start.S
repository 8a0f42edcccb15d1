/* Guest entry. The runner starts us in 64-bit ring 0 with paging, GDT, TSS
 * and an empty IDT ready, RSP on the ring-0 stack and RDI pointing at the
 * boot-info page. Ring 0 is where KVM on PVM emulates every instruction, so
 * we do the least we can here and iretq to ring 3. */
#include "kx_ports.h"
#define SIMCTL_FAULT (KX_SIMCTL_PORT + 0xc)  /* sim-control +0xc: address of a fault record */
#define TIMER_VECTOR 32             /* the interval timer's default vector */
/* Ring 3 asks ring 0 to halt until an interrupt with `int3`: on PVM hosts a
 * ring-3 `int n` never reaches the IDT (KVM's emulator raises #UD), while
 * `int3` through a DPL-3 gate is delivered on every flavour. */
#define WAIT_VECTOR 3

        .section .text.start, "ax"
        .globl _start
_start:
        movq    %rdi, kx_boot_info_ptr(%rip)
        /* Reload TR from the GDT. Hardware is content with the busy TR the
         * runner sets, but QEMU's TCG only honours the I/O bitmap of a TR
         * that LTR loaded (it checks for an "available" type). */
        movw    $0x28, %ax
        ltr     %ax
        call    install_exception_gates   /* before the wait gate, which replaces #BP's */
        leaq    timer_interrupt(%rip), %rax
        movl    $0x2000 + TIMER_VECTOR * 16, %edi
        movw    $0x8e00, %dx            /* interrupt gate, DPL 0: only hardware raises it */
        call    set_gate
        leaq    wait_for_interrupt(%rip), %rax
        movl    $0x2000 + WAIT_VECTOR * 16, %edi
        movw    $0xee00, %dx            /* interrupt gate, DPL 3: ring 3 may `int3` to it */
        call    set_gate
        leaq    kx_user_stack_top(%rip), %rax
        pushq   $0x1b                   /* SS: ring-3 data */
        pushq   %rax                    /* RSP */
        pushq   $0x202                  /* RFLAGS: IF, IOPL 0 (the TSS bitmap opens the ports) */
        pushq   $0x23                   /* CS: ring-3 code */
        leaq    kx_user_entry(%rip), %rax
        pushq   %rax
        iretq

kx_user_entry:
        call    kx_start                /* aligns the stack as the C ABI expects */
        ud2

/* Writes the 16-byte gate at RDI: handler RAX, type and DPL in DX. */
set_gate:
        movw    %ax, (%rdi)
        movw    $0x08, 2(%rdi)          /* ring-0 code */
        movw    %dx, 4(%rdi)
        shrq    $16, %rax
        movw    %ax, 6(%rdi)
        shrq    $16, %rax
        movl    %eax, 8(%rdi)
        movl    $0, 12(%rdi)
        ret

/* Vectors 0-31 go to stubs that report the fault to sim-control: on AMD
 * hardware a triple fault resets the vCPU, so a register dump taken after
 * it shows nothing; this report keeps the faulting RIP. */
install_exception_gates:
        leaq    exception_stubs(%rip), %rsi
        movl    $0x2000, %edi           /* the IDT the runner left empty */
        xorl    %ecx, %ecx
1:      movq    (%rsi,%rcx,8), %rax
        movw    $0x8e00, %dx            /* interrupt gate, DPL 0 */
        call    set_gate
        addq    $16, %rdi
        incl    %ecx
        cmpl    $32, %ecx
        jb      1b
        ret

/* Ring 0 is emulated on PVM: both handlers are a few instructions long. */
timer_interrupt:
        lock incq kx_interrupt_count(%rip)
        iretq

/* HLT is privileged, so ring 3 halts through this gate. STI's one-instruction
 * shadow means the interrupt cannot slip in between STI and HLT and be missed. */
wait_for_interrupt:
        sti
        hlt
        iretq

/* The CPU pushes an error code for these vectors only. */
        .irp    v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
exception_\v:
        .if (\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
        .else
        pushq   $0
        .endif
        pushq   $\v
        jmp     report_fault
        .endr

/* Stack: vector, error code, RIP, CS, RFLAGS, RSP, SS. Push CR2 and hand
 * the record's address (below 512 KiB: fits a 32-bit write) to sim-control. */
report_fault:
        movq    %cr2, %rax
        pushq   %rax
        movq    %rsp, %rax
        movw    $SIMCTL_FAULT, %dx
        outl    %eax, %dx
2:      hlt
        jmp     2b

        .section .rodata
        .balign 8
exception_stubs:
        .irp    v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        .quad   exception_\v
        .endr

        .bss
        .globl kx_boot_info_ptr, kx_interrupt_count
        .balign 16
kx_boot_info_ptr:
        .quad   0
kx_interrupt_count:
        .quad   0
        .balign 16
        .space  65536
kx_user_stack_top:
        .section .note.GNU-stack, "", @progbits
