/* m5ops.h: gem5 pseudo operations ("m5ops") in address mode, x86-64.
 *
 * Our own header, written for kvm-experiments' SE mode; it does not include
 * or copy gem5's headers.  The facts it relies on were read in gem5's public
 * sources (repository gem5/gem5):
 *
 *  - Operation numbers, include/gem5/asm/generic/m5ops.h:
 *      M5OP_EXIT 0x21, M5OP_FAIL 0x22, M5OP_RESET_STATS 0x40,
 *      M5OP_DUMP_STATS 0x41, M5OP_DUMP_RESET_STATS 0x42,
 *      M5OP_CHECKPOINT 0x43, M5OP_WORK_BEGIN 0x5a, M5OP_WORK_END 0x5b.
 *      (All eight match the numbers we were given.)
 *
 *  - The window: util/m5/src/abi/x86/SConsopts builds the x86 m5 utility
 *    with -DM5OP_ADDR=0xFFFF0000 and makes the address call type the
 *    default on x86; src/sim/system.cc makes the m5op range
 *    RangeSize(m5ops_base, 0x10000), i.e. 64 KiB; the SE-mode script
 *    configs/deprecated/example/se.py sets system.m5ops_base = 0xFFFF0000
 *    when a KVM CPU is used on x86 (other copies of that script seen in
 *    the index use max(0xFFFF0000, mem_size), to keep the window above
 *    guest memory).  The m5 utility maps the window from a device
 *    (util/m5/src/m5_mmap.c: 0x10000 bytes, MAP_SHARED, from
 *    /dev/gem5_bridge or /dev/gem5/bridge with /dev/mem as fallback in
 *    current versions; older m5 utilities mmap'ed /dev/mem at offset
 *    M5OP_ADDR).
 *
 *  - The encoding: src/sim/pseudo_inst.hh, decodeAddrOffset(offset, func):
 *    func = bits(offset, 15, 8), i.e. the operation number sits in bits
 *    8..15 of the offset into the window (offset = op << 8).  On x86 the
 *    MMU (src/arch/x86/tlb.cc / mmu, finalizePhysical) recognises an access
 *    in the m5op range and runs the pseudo op; with a KVM CPU the access is
 *    an MMIO exit that BaseKvmCPU::doMMIOAccess (src/cpu/kvm/base.cc) passes
 *    to that same finalizePhysical.  Reads and writes both trigger it; for
 *    a read the op's return value becomes the loaded data.
 *
 *  - The access: util/m5/src/abi/x86/m5op_addr.S, per operation, loads the
 *    mapped window base into %r11, puts op into %rax, shifts it left by 8,
 *    and executes `mov 0(%r11,%rax,1), %rax` (a 64-bit load), then `ret`.
 *    So the instruction is a plain 8-byte MOV load and the result comes
 *    back in %rax.  The stub is an ordinary function, so its arguments are
 *    still in the System V argument registers when the load happens.
 *
 *  - The arguments: src/arch/x86/pseudo_inst_abi.hh (X86PseudoInstABI)
 *    reads argument i from RDI, RSI, RDX, RCX, R8, R9 in that order (at most
 *    6) and stores the result in RAX.  The argument lists, from
 *    src/sim/pseudo_inst.hh: m5exit(delay), m5fail(delay, code),
 *    resetstats(delay, period), dumpstats(delay, period),
 *    dumpresetstats(delay, period), m5checkpoint(delay, period),
 *    workbegin(workid, threadid), workend(workid, threadid); delay and
 *    period are in simulated ticks.
 *
 * Here: in our SE mode the runner pre-maps the 64 KiB window at virtual
 * address 0xffff0000 in the process (nothing to open or mmap), and each
 * function below does what gem5's stub does, inline: arguments in
 * RDI/RSI/..., one 8-byte MOV load from 0xffff0000 + (op << 8) into RAX.
 * Outside such an environment (natively) the address is unmapped and the
 * first call dies of SIGSEGV, so programs must not call these there.
 */
#ifndef KX_M5OPS_H
#define KX_M5OPS_H

#include <stdint.h>

#define M5OPS_ADDR 0xffff0000UL
#define M5OPS_SIZE 0x10000UL

#define M5OP_EXIT 0x21
#define M5OP_FAIL 0x22
#define M5OP_RESET_STATS 0x40
#define M5OP_DUMP_STATS 0x41
#define M5OP_DUMP_RESET_STATS 0x42
#define M5OP_CHECKPOINT 0x43
#define M5OP_WORK_BEGIN 0x5a
#define M5OP_WORK_END 0x5b

/* One m5op with two arguments (extra ones are ignored by ops taking
 * fewer).  "memory": the op may end the run, dump stats or checkpoint, so
 * stores before it must have happened and nothing is cached across it. */
static inline uint64_t m5op2(unsigned op, uint64_t a0, uint64_t a1) {
  uint64_t ret;
  __asm__ __volatile__("movq (%[addr]), %[ret]"
                       : [ret] "=a"(ret)
                       : [addr] "r"(M5OPS_ADDR + ((uint64_t)op << 8)), "D"(a0), "S"(a1)
                       : "memory");
  return ret;
}

/* End the simulation: gem5 exits its loop after `delay` ticks. */
static inline void m5_exit(uint64_t delay) { m5op2(M5OP_EXIT, delay, 0); }

/* End the simulation reporting failure `code`. */
static inline void m5_fail(uint64_t delay, uint64_t code) { m5op2(M5OP_FAIL, delay, code); }

/* Reset statistics after `delay` ticks, then every `period` ticks (0: once). */
static inline void m5_reset_stats(uint64_t delay, uint64_t period) {
  m5op2(M5OP_RESET_STATS, delay, period);
}

/* Dump statistics (same delay/period meaning). */
static inline void m5_dump_stats(uint64_t delay, uint64_t period) {
  m5op2(M5OP_DUMP_STATS, delay, period);
}

/* Dump then reset statistics. */
static inline void m5_dump_reset_stats(uint64_t delay, uint64_t period) {
  m5op2(M5OP_DUMP_RESET_STATS, delay, period);
}

/* Take a checkpoint (same delay/period meaning). */
static inline void m5_checkpoint(uint64_t delay, uint64_t period) {
  m5op2(M5OP_CHECKPOINT, delay, period);
}

/* Mark the start / end of work item `workid` on thread `threadid`. */
static inline void m5_work_begin(uint64_t workid, uint64_t threadid) {
  m5op2(M5OP_WORK_BEGIN, workid, threadid);
}
static inline void m5_work_end(uint64_t workid, uint64_t threadid) {
  m5op2(M5OP_WORK_END, workid, threadid);
}

#endif
