/* insn-loop: exactly 2003 instructions, all in ring 0 and without the
 * runtime, for exact single-step counting (on PVM only ring-0 code can be
 * stepped): 1 mov, 1000 x (dec + jnz), 1 mov, 1 xor; then the sim-control
 * exit write, which ends the run before its own step is reported. */
        .section .text.start, "ax"
        .globl _start
_start:
        movl    $1000, %ecx
1:      decl    %ecx
        jnz     1b
        movl    $0x700, %edx
        xorl    %eax, %eax
        outl    %eax, %dx
2:      jmp     2b
        .section .note.GNU-stack, "", @progbits
