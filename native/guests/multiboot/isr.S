/* One stub per vector: push a zero error code where the CPU pushes none, push
 * the vector, and go to isr_common, which saves the general registers and
 * calls isr_dispatch(frame) (cpu.c), then returns to the interrupted code
 * (see the end of isr_common). isr_stubs[v] is stub v's address. */
        .code32

/* The exceptions that push an error code: 8, 10-14, 17, 21, 29, 30. */
#define HAS_ERROR(v) ((v) == 8 || ((v) >= 10 && (v) <= 14) || (v) == 17 || (v) == 21 || (v) == 29 || (v) == 30)

        .altmacro
        .macro  stub v
        .section .text
1:
        .if !HAS_ERROR(\v)
        pushl   $0
        .endif
        pushl   $\v
        jmp     isr_common
        .section .rodata
        .long   1b
        .endm

        .section .rodata
        .balign 4
        .globl  isr_stubs
isr_stubs:
        .set    vec, 0
        .rept   256
        stub    %vec
        .set    vec, vec + 1
        .endr

        .section .text
isr_common:
        pushal
        cld
        pushl   %esp                    /* the struct isr_frame */
        call    isr_dispatch
        addl    $4, %esp
        /* Return without iret: KVM's instruction emulator, which runs ring 0
         * on hosts that cannot execute it natively (the PVM test host), has
         * protected-mode IRET unimplemented ("emulation failure"). Every
         * interrupt here arrives in ring 0 with CS unchanged, so the frame
         * [eip][cs][eflags] becomes [eflags][eip][-], then popfl and ret $4
         * restore EFLAGS and EIP. Not atomic as iret is: an interrupt pending
         * when popfl sets IF nests before the ret, which is harmless. */
        movl    40(%esp), %eax          /* eip (after 32 bytes of pushal, vector, error) */
        movl    48(%esp), %ecx          /* eflags */
        movl    %eax, 44(%esp)
        movl    %ecx, 40(%esp)
        popal
        addl    $8, %esp                /* vector and error code */
        popfl
        ret     $4
