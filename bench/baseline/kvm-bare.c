/*
 * The baseline our exit path is measured against: the least a VMM can do
 * per exit. A 64-bit ring-3 guest loops on one instruction (a port write,
 * or a store to an unbacked MMIO page); this loop re-enters KVM_RUN after
 * each exit and does nothing else (for coalesced MMIO it also empties the
 * ring). No devices, no statistics, no timer.
 *
 *   kvm-bare pio|mmio|coalesced N      prints: <kind> <exits> <writes> <seconds>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE (16u << 20)
#define CODE 0x100000u
#define SINK_MMIO 0xd0000000u
#define SINK_PORT 0x730u

static void fail(const char *what) {
  fprintf(stderr, "kvm-bare: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* The guest: like our runtime, a few ring-0 instructions (LTR, which QEMU's
 * TCG needs before it honours the I/O bitmap, then IRETQ to ring 3), then the
 * ring-3 loop that exits on every iteration. */
#define TO_RING3                                                                \
  "mov $0x28, %ax\n ltr %ax\n push $0x1b\n push $0x80000\n push $2\n"          \
  "push $0x23\n lea 1f(%rip), %rax\n push %rax\n iretq\n 1:\n"
extern const uint8_t pio_guest[], pio_guest_end[], mmio_guest[], mmio_guest_end[];
__asm__(".pushsection .rodata\n"
        "pio_guest:\n" TO_RING3 "mov $0x730, %edx\n 2: out %eax, %dx\n jmp 2b\n pio_guest_end:\n"
        "mmio_guest:\n" TO_RING3 "mov $0xd0000000, %ebx\n 2: mov %eax, (%rbx)\n jmp 2b\n mmio_guest_end:\n"
        ".popsection");

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: kvm-bare pio|mmio|coalesced N\n");
    return 2;
  }
  const char *kind = argv[1];
  long n = atol(argv[2]);
  int coalesced = !strcmp(kind, "coalesced"), mmio = coalesced || !strcmp(kind, "mmio");

  int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (kvm < 0) fail("/dev/kvm");
  int vm = ioctl(kvm, KVM_CREATE_VM, 0);
  if (vm < 0) fail("KVM_CREATE_VM");
  uint8_t *mem = mmap(0, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  struct kvm_userspace_memory_region region = {.slot = 0, .memory_size = MEM_SIZE, .userspace_addr = (uintptr_t)mem};
  if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) fail("KVM_SET_USER_MEMORY_REGION");
  if (coalesced) {
    struct kvm_coalesced_mmio_zone zone = {.addr = SINK_MMIO, .size = 0x1000};
    if (ioctl(vm, KVM_REGISTER_COALESCED_MMIO, &zone) < 0) fail("KVM_REGISTER_COALESCED_MMIO");
  }

  /* Page tables: 0-1 GiB and 3-4 GiB identity-mapped with 2 MiB user pages. */
  uint64_t *pml4 = (uint64_t *)(mem + 0x8000), *pdpt = (uint64_t *)(mem + 0x9000);
  uint64_t *low = (uint64_t *)(mem + 0xa000), *high = (uint64_t *)(mem + 0xb000);
  pml4[0] = 0x9000 | 7;
  pdpt[0] = 0xa000 | 7;
  pdpt[3] = 0xb000 | 7;
  for (uint64_t i = 0; i < 512; i++) {
    low[i] = (i << 21) | 0x87;
    high[i] = (0xc0000000ull + (i << 21)) | 0x87;
  }
  /* GDT with a 64-bit TSS whose I/O bitmap (all zero) allows every port from ring 3. */
  uint64_t *gdt = (uint64_t *)(mem + 0x1000);
  uint64_t tss = 0x3000, limit = 104 + 8192;
  gdt[5] = (limit & 0xffff) | ((tss & 0xffffff) << 16) | (0x89ull << 40);
  *(uint16_t *)(mem + tss + 102) = 104;
  mem[tss + 104 + 8192] = 0xff;

  gdt[1] = 0x00af9b000000ffffull; /* ring-0 code */
  gdt[2] = 0x00cf93000000ffffull; /* ring-0 data */
  gdt[3] = 0x00cff3000000ffffull; /* ring-3 data */
  gdt[4] = 0x00affb000000ffffull; /* ring-3 code */
  const uint8_t *guest = mmio ? mmio_guest : pio_guest;
  size_t guest_size = mmio ? (size_t)(mmio_guest_end - mmio_guest) : (size_t)(pio_guest_end - pio_guest);
  memcpy(mem + CODE, guest, guest_size);

  int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
  if (vcpu < 0) fail("KVM_CREATE_VCPU");
  long run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
  struct kvm_run *run = mmap(0, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
  int ring_page = ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO);
  /* The ring: two u32 indices, then 24-byte entries, as many as fit in the page. */
  volatile uint32_t *ring = ring_page > 0 ? (uint32_t *)((char *)run + ring_page * 4096) : NULL;
  uint32_t ring_max = (4096 - 8) / sizeof(struct kvm_coalesced_mmio);

  struct kvm_sregs s;
  if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0) fail("KVM_GET_SREGS");
  struct kvm_segment code = {.limit = 0xffffffff, .selector = 0x08, .type = 11, .present = 1, .s = 1, .l = 1, .g = 1};
  struct kvm_segment data = code;
  data.selector = 0x10;
  data.type = 3;
  data.l = 0;
  data.db = 1;
  s.cs = code;
  s.ds = s.es = s.fs = s.gs = s.ss = data;
  s.tr = (struct kvm_segment){.base = tss, .limit = limit, .selector = 0x28, .type = 11, .present = 1};
  s.gdt.base = 0x1000;
  s.gdt.limit = 7 * 8 - 1;
  s.cr3 = 0x8000;
  s.cr4 = 0x20;
  s.cr0 = 0x80000011;
  s.efer = 0x500;
  if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0) fail("KVM_SET_SREGS");
  struct kvm_regs r = {.rip = CODE, .rsp = 0x80000, .rflags = 2};
  if (ioctl(vcpu, KVM_SET_REGS, &r) < 0) fail("KVM_SET_REGS");

  long exits = 0, writes = 0;
  double start = seconds();
  while (writes < n) {
    if (ioctl(vcpu, KVM_RUN, 0) < 0 && errno != EINTR) fail("KVM_RUN");
    exits++;
    if (run->exit_reason == KVM_EXIT_IO || run->exit_reason == KVM_EXIT_MMIO) writes++;
    else if (run->exit_reason != KVM_EXIT_INTR) {
      fprintf(stderr, "kvm-bare: unexpected exit %u\n", run->exit_reason);
      return 1;
    }
    if (ring)
      while (ring[0] != ring[1]) {
        ring[0] = (ring[0] + 1) % ring_max;
        writes++;
      }
  }
  printf("%s %ld %ld %.6f\n", kind, exits, writes, seconds() - start);
  return 0;
}
