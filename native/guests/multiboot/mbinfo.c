/* mbinfo: a multiboot 1 kernel that prints what its boot loader handed over
 * (magic, memory sizes, memory map, command line, modules) and what QEMU's
 * fw_cfg device says (signature, RAM size, CPU count), on COM1, then reports
 * the result to isa-debug-exit at 0xf4: 0 when every check passed (QEMU then
 * exits with status (0 << 1) | 1 = 1), 1 otherwise.
 *
 * Kept small: ring 0 is emulated instruction by instruction on PVM hosts
 * (about 1 us each), so the whole run is a few thousand instructions. */
#include <stdint.h>

#define COM1 0x3f8
#define COM1_LSR (COM1 + 5)
#define LSR_THR_EMPTY 0x20
#define FW_CFG_SELECTOR 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_RAM_SIZE 0x0003
#define FW_CFG_NB_CPUS 0x0005
#define DEBUG_EXIT_PORT 0xf4

#define MB_BOOTLOADER_MAGIC 0x2badb002u
#define MB_INFO_MEMORY (1u << 0)
#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS (1u << 3)
#define MB_INFO_MMAP (1u << 6)

struct mb_info {
  uint32_t flags;
  uint32_t mem_lower, mem_upper;
  uint32_t boot_device;
  uint32_t cmdline;
  uint32_t mods_count, mods_addr;
  uint32_t syms[4];
  uint32_t mmap_length, mmap_addr;
};

struct mb_module {
  uint32_t mod_start, mod_end, cmdline, reserved;
};

/* `size` counts the bytes after itself; entries are not 8-byte aligned. */
struct __attribute__((packed)) mb_mmap_entry {
  uint32_t size;
  uint64_t base;
  uint64_t length;
  uint32_t type;
};

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) {
  uint8_t v;
  __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
  return v;
}

static void putc(char c) {
  while (!(inb(COM1_LSR) & LSR_THR_EMPTY)) {
  }
  outb(COM1, (uint8_t)c);
}

static void puts(const char *s) {
  while (*s) putc(*s++);
}

/* At most `max` bytes of a C string, so that a bad pointer cannot run on. */
static void putsn(const char *s, unsigned max) {
  for (unsigned i = 0; i < max && s[i]; ++i) putc(s[i]);
}

static void hex(uint32_t v, int digits) {
  puts("0x");
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) putc("0123456789abcdef"[(v >> shift) & 15]);
}

static void hex64(uint64_t v) {
  hex((uint32_t)(v >> 32), 8);
  for (int shift = 28; shift >= 0; shift -= 4) putc("0123456789abcdef"[((uint32_t)v >> shift) & 15]);
}

static void dec(uint32_t v) {
  char buf[10];
  int n = 0;
  do {
    buf[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) putc(buf[--n]);
}

static int failures;

static void check(int ok, const char *what) {
  if (ok) return;
  ++failures;
  puts("FAIL: ");
  puts(what);
  putc('\n');
}

static void fw_cfg_select(uint16_t key) { outw(FW_CFG_SELECTOR, key); }

static uint64_t fw_cfg_read_le(unsigned bytes) {
  uint64_t v = 0;
  for (unsigned i = 0; i < bytes; ++i) v |= (uint64_t)inb(FW_CFG_DATA) << (8 * i);
  return v;
}

static void show_modules(const struct mb_info *info) {
  const struct mb_module *mods = (const struct mb_module *)info->mods_addr;
  for (uint32_t i = 0; i < info->mods_count && i < 8; ++i) {
    const struct mb_module *m = &mods[i];
    puts("module ");
    dec(i);
    puts(": ");
    hex(m->mod_start, 8);
    puts("-");
    hex(m->mod_end, 8);
    puts(" cmdline \"");
    putsn((const char *)m->cmdline, 128);
    puts("\" first bytes:");
    const uint8_t *bytes = (const uint8_t *)m->mod_start;
    for (uint32_t j = 0; j < 8 && j < m->mod_end - m->mod_start; ++j) {
      putc(' ');
      hex(bytes[j], 2);
    }
    putc('\n');
    check((m->mod_start & 0xfff) == 0, "module not page aligned (header flags bit 0)");
  }
}

/* The RAM a kernel may use (type 1). Reserved entries depend on the
 * firmware and the machine (QEMU adds its BIOS ROM and, on some hosts, a
 * HyperTransport hole), so they are counted, not shown. */
static void show_mmap(const struct mb_info *info) {
  uint32_t at = info->mmap_addr, end = info->mmap_addr + info->mmap_length, reserved = 0;
  while (at < end) {
    const struct mb_mmap_entry *e = (const struct mb_mmap_entry *)at;
    if (e->type == 1) {
      puts("mmap: available base ");
      hex64(e->base);
      puts(" length ");
      hex64(e->length);
      putc('\n');
    } else {
      reserved++;
    }
    if (e->size < 20) {
      check(0, "mmap entry size below 20");
      break;
    }
    at += e->size + 4;
  }
  check(reserved > 0, "no reserved memory-map entry (the BIOS area is one)");
}

void kmain(uint32_t magic, const struct mb_info *info) {
  puts("mbinfo: multiboot magic ");
  hex(magic, 8);
  puts(magic == MB_BOOTLOADER_MAGIC ? " ok\n" : " BAD\n");
  check(magic == MB_BOOTLOADER_MAGIC, "boot loader magic");
  if (magic == MB_BOOTLOADER_MAGIC) {
    puts("flags ");
    hex(info->flags, 8);
    putc('\n');
    check(info->flags & MB_INFO_MEMORY, "no memory info (flags bit 0)");
    check(info->flags & MB_INFO_MMAP, "no memory map (flags bit 6)");
    if (info->flags & MB_INFO_MEMORY) {
      puts("mem_lower ");
      dec(info->mem_lower);
      puts(" KiB, mem_upper ");
      dec(info->mem_upper);
      puts(" KiB\n");
    }
    if (info->flags & MB_INFO_MMAP) show_mmap(info);
    if (info->flags & MB_INFO_CMDLINE) {
      puts("cmdline \"");
      putsn((const char *)info->cmdline, 256);
      puts("\"\n");
    }
    if (info->flags & MB_INFO_MODS) {
      puts("modules ");
      dec(info->mods_count);
      putc('\n');
      show_modules(info);
    }
  }

  fw_cfg_select(FW_CFG_SIGNATURE);
  uint32_t signature = (uint32_t)fw_cfg_read_le(4);
  puts("fw_cfg signature \"");
  for (int i = 0; i < 4; ++i) {
    char c = (char)(signature >> (8 * i));
    putc(c >= 0x20 && c < 0x7f ? c : '?');
  }
  puts("\"\n");
  check(signature == 0x554d4551, "fw_cfg signature is not QEMU");
  fw_cfg_select(FW_CFG_RAM_SIZE);
  uint64_t ram = fw_cfg_read_le(8);
  fw_cfg_select(FW_CFG_NB_CPUS);
  uint32_t cpus = (uint32_t)fw_cfg_read_le(2);
  puts("fw_cfg ram ");
  hex64(ram);
  puts(" (");
  dec((uint32_t)(ram >> 20));
  puts(" MiB), cpus ");
  dec(cpus);
  putc('\n');
  check(ram != 0 && cpus != 0, "fw_cfg RAM size or CPU count is 0");

  puts(failures ? "mbinfo: FAILED\n" : "mbinfo: ok\n");
  outb(DEBUG_EXIT_PORT, failures ? 1 : 0);
}
