/* Multiboot 1 entry. The boot loader (QEMU's -kernel, or our loader) jumps
 * here in 32-bit protected mode, paging off, with flat segments, EAX = the
 * boot loader magic 0x2badb002 and EBX = the information block's address.
 * Nothing else is set up: no stack, no IDT, interrupts masked. */
#define MB_MAGIC 0x1badb002
#define MB_FLAGS 0x00000003      /* bit 0: page-align modules, bit 1: memory info */

        .section .multiboot, "a"
        .balign 4
        .long   MB_MAGIC
        .long   MB_FLAGS
        .long   -(MB_MAGIC + MB_FLAGS)

        .section .text.start, "ax"
        .code32
        .globl  _start
_start:
        cli
        cld
        movl    $stack_top, %esp
        pushl   %ebx                    /* kmain(magic, info) */
        pushl   %eax
        call    kmain
1:      hlt                             /* kmain only returns if isa-debug-exit is absent */
        jmp     1b

        .section .bss
        .balign 16
        .space  4096
stack_top:
