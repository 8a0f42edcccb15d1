/* smp-work: every CPU the MP table lists, the BSP included, runs the same
 * deterministic job over its own memory, and the BSP asks for a checkpoint
 * (gem5's m5 checkpoint) while the APs are in the middle of theirs: a guest
 * for checkpointing several vCPUs mid-work and checking that a restored run
 * ends as a straight one does. Prints one checksum line per CPU in APIC-ID
 * order, then "smp-work: N cpus ok"; reports 0 to isa-debug-exit when every
 * CPU came up and finished, 1 otherwise. Under QEMU the checkpoint address is
 * ROM and the request does nothing.
 *
 * Only the BSP prints, after every job is done, so nothing printed depends
 * on timing. Nothing stored does either: waits spin on the APs' progress
 * words (wait_at_least) and no timer interrupt lands while one lasts. */
#include <stdint.h>

#include "ap_start.h"
#include "bsp_start.h"
#include "console.h"
#include "cpu.h"
#include "debug_exit.h"
#include "io.h"
#include "lapic.h"
#include "m5ops.h" /* the window and operation numbers; its functions are 64-bit code */
#include "mptable.h"
#include "pic.h"


#define WORK_WORDS (64u * 1024 / 4) /* 64 KiB per CPU */
#define WORK_PASSES 3
#define WORK_TIMEOUT_TICKS 4000000000u /* 4 s, for the first pass and for the rest */

struct progress {
  volatile uint32_t passes;   /* passes finished */
  volatile uint32_t done;     /* 1 once checksum is set */
  volatile uint32_t checksum; /* of the buffer after the last pass */
};

/* Indexed by APIC ID, as ap_stacks are (trampoline.S parks any ID >= MP_MAX_CPUS). */
static uint32_t buffers[MP_MAX_CPUS][WORK_WORDS];
static struct progress progress[MP_MAX_CPUS];
static struct mp_info mp;

static uint32_t xorshift32(uint32_t x) {
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return x;
}

static uint32_t rotl(uint32_t x, unsigned n) { return x << n | x >> (32 - n); }

/* Each pass adds the next stretch of one xorshift32 sequence (seeded from the
 * APIC ID, never 0) to every word the previous pass left, so the checksum
 * depends on every pass. */
static void run_job(uint32_t cpu) {
  uint32_t *buf = buffers[cpu];
  uint32_t x = 0x9e3779b9u ^ cpu;
  for (uint32_t pass = 1; pass <= WORK_PASSES; ++pass) {
    /* Ring 0 may run emulated, an instruction at a time: unrolled four
     * times, a pass is a sixth fewer instructions. */
#pragma GCC unroll 4
    for (unsigned i = 0; i < WORK_WORDS; ++i) {
      x = xorshift32(x);
      buf[i] += x;
    }
    progress[cpu].passes = pass;
  }
  uint32_t sum = 0;
  for (unsigned i = 0; i < WORK_WORDS; ++i) sum = rotl(sum, 5) ^ buf[i];
  progress[cpu].checksum = sum;
  __atomic_store_n(&progress[cpu].done, 1, __ATOMIC_RELEASE);
}

void ap_main(uint32_t apic_id) {
  cpu_load_idt();
  ap_report_in(apic_id);
  run_job(apic_id);
  halt_forever();
}

/* gem5's m5 checkpoint in address mode: one 8-byte access at the operation's
 * slot, as gem5's stub makes (a load; the runner takes nothing narrower).
 * MMX's movq is the one 8-byte load 32-bit code has without enabling SSE, and
 * KVM's instruction emulator runs it; no emms after it, which that emulator
 * does not know, and no x87 code here minds. Under QEMU this reads ROM. */
static void request_checkpoint(void) {
  __asm__ volatile("movq %0, %%mm0" : : "m"(*(volatile uint64_t *)(M5OPS_ADDR + (M5OP_CHECKPOINT << 8))) : "memory");
}

static void cpu_line(uint8_t id, const char *what) {
  puts("cpu ");
  dec(id);
  puts(what);
}

static void __attribute__((noreturn)) finish(unsigned cpus_ok) {
  if (failures) {
    puts("smp-work: FAILED\n");
  } else {
    puts("smp-work: ");
    dec(cpus_ok);
    puts(" cpus ok\n");
  }
  debug_exit(failures ? 1 : 0);
  halt_forever();
}

void kmain(uint32_t magic, const void *info) {
  (void)info;
  uint8_t bsp = bsp_start(magic, &mp, "smp-work");
  check(mp.bsp_apic_id == bsp, "the MP table's bootstrap processor is not this CPU");
  check(mp.cpus <= MP_MAX_CPUS, "more CPUs than MP_MAX_CPUS");
  check(bsp < MP_MAX_CPUS, "the BSP's APIC ID has no buffer");
  if (failures) finish(0);

  uint8_t working[MP_MAX_CPUS] = {0}; /* by APIC ID */
  working[bsp] = 1;
  unsigned n = mp.cpus <= MP_MAX_CPUS ? mp.cpus : MP_MAX_CPUS;
  for (unsigned i = 0; i < n; ++i) {
    uint8_t id = mp.cpu_apic_id[i];
    if (id == bsp) continue;
    if (id < MP_MAX_CPUS && ap_start(id))
      working[id] = 1;
    else
      cpu_line(id, ": no answer\n");
  }

  /* Once every AP is past its first pass (and, the job being several passes
   * long, not done), the checkpoint catches them all mid-job. */
  for (uint8_t id = 0; id < MP_MAX_CPUS; ++id)
    if (id != bsp && working[id] && !wait_at_least(&progress[id].passes, 1, WORK_TIMEOUT_TICKS)) {
      cpu_line(id, ": no progress\n");
      working[id] = 0;
    }
  request_checkpoint();

  run_job(bsp);
  unsigned cpus_ok = 0;
  for (uint8_t id = 0; id < MP_MAX_CPUS; ++id) {
    if (!working[id]) continue;
    if (!wait_at_least(&progress[id].done, 1, WORK_TIMEOUT_TICKS)) {
      cpu_line(id, ": did not finish\n");
      continue;
    }
    cpu_line(id, ": ");
    hex(progress[id].checksum, 8);
    putc('\n');
    ++cpus_ok;
  }
  check(cpus_ok == mp.cpus, "not every CPU finished its job");
  finish(cpus_ok);
}
