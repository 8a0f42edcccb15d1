/* mbinfo: a multiboot 1 kernel that prints what its boot loader handed over
 * (magic, memory sizes, memory map, command line, modules) and what QEMU's
 * fw_cfg device says (signature, RAM size, CPU count), on COM1, then reports
 * the result to isa-debug-exit at 0xf4: 0 when every check passed (QEMU then
 * exits with status (0 << 1) | 1 = 1), 1 otherwise.
 *
 * Kept small: ring 0 is emulated instruction by instruction on PVM hosts
 * (about 1 us each), so the whole run is a few thousand instructions. */
#include <stdint.h>

#include "console.h"
#include "debug_exit.h"
#include "io.h"

#define FW_CFG_SELECTOR 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_RAM_SIZE 0x0003
#define FW_CFG_NB_CPUS 0x0005

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
  debug_exit(failures ? 1 : 0);
}
