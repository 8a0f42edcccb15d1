/* Guest entry. The runner starts us in 64-bit ring 0 with paging, GDT and TSS
 * ready, RSP on the ring-0 stack and RDI pointing at the boot-info page.
 * Ring 0 is where KVM on PVM emulates every instruction, so we leave it at
 * once: iretq to ring 3 on the user stack, interrupts enabled. */
        .section .text.start, "ax"
        .globl _start
_start:
        movq    %rdi, kx_boot_info_ptr(%rip)
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

        .bss
        .balign 16
        .globl kx_boot_info_ptr
kx_boot_info_ptr:
        .quad   0
        .balign 16
        .space  65536
kx_user_stack_top:
        .section .note.GNU-stack, "", @progbits
