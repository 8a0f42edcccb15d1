#include "mptable.h"

#include "console.h"
#include "debug_exit.h"
#include "io.h"

#define MP_SIGNATURE 0x5f504d5fu  /* "_MP_" */
#define PCMP_SIGNATURE 0x504d4350u /* "PCMP" */

struct __attribute__((packed)) mp_floating_pointer {
  uint32_t signature;
  uint32_t config_table;
  uint8_t length; /* in 16-byte units */
  uint8_t spec_rev;
  uint8_t checksum;
  uint8_t features[5]; /* features[0] != 0: a default configuration, no table */
};

struct __attribute__((packed)) mp_config_header {
  uint32_t signature;
  uint16_t length; /* base table, header included */
  uint8_t spec_rev;
  uint8_t checksum;
  char oem[8], product[12];
  uint32_t oem_table;
  uint16_t oem_table_size;
  uint16_t entries;
  uint32_t lapic_addr;
  uint16_t ext_length;
  uint8_t ext_checksum, reserved;
};

enum { MP_PROCESSOR = 0, MP_BUS = 1, MP_IOAPIC = 2, MP_IO_INTERRUPT = 3, MP_LOCAL_INTERRUPT = 4 };

struct __attribute__((packed)) mp_processor {
  uint8_t type, apic_id, apic_version, flags; /* flags bit 0: enabled, bit 1: bootstrap */
  uint32_t signature, features, reserved[2];
};
struct __attribute__((packed)) mp_bus {
  uint8_t type, id;
  char name[6];
};
struct __attribute__((packed)) mp_ioapic {
  uint8_t type, id, version, flags; /* flags bit 0: enabled */
  uint32_t addr;
};
struct __attribute__((packed)) mp_interrupt {
  uint8_t type, kind; /* 0 INT, 1 NMI, 2 SMI, 3 ExtINT */
  uint16_t flags;
  uint8_t src_bus, src_irq, dst_apic, dst_pin; /* dst_apic 0xff: every (local or I/O) APIC */
};

static uint8_t sum(const uint8_t *p, uint32_t n) {
  uint8_t s = 0;
  while (n--) s += *p++;
  return s;
}

static const struct mp_floating_pointer *scan(uint32_t from, uint32_t bytes) {
  for (uint32_t at = from; at + 16 <= from + bytes; at += 16) {
    const struct mp_floating_pointer *fp = phys(at);
    if (fp->signature == MP_SIGNATURE && fp->length == 1 && sum((const uint8_t *)fp, 16) == 0) return fp;
  }
  return 0;
}

static const struct mp_floating_pointer *find_floating_pointer(void) {
  const struct mp_floating_pointer *fp = 0;
  uint32_t ebda = (uint32_t)*(const volatile uint16_t *)phys(0x40e) << 4;
  if (ebda >= 0x80000 && ebda < 0xa0000) fp = scan(ebda, 1024);
  uint32_t base_kib = *(const volatile uint16_t *)phys(0x413);
  if (base_kib < 512 || base_kib > 640) base_kib = 640;
  uint32_t last_kib = (base_kib - 1) * 1024;
  if (!fp && last_kib != ebda) fp = scan(last_kib, 1024);
  if (!fp) fp = scan(0xf0000, 0x10000);
  return fp;
}

const char *mp_find(struct mp_info *mp) {
  *mp = (struct mp_info){.bsp_apic_id = -1, .isa_bus = -1, .extint_lint = -1, .nmi_lint = -1};
  for (int i = 0; i < MP_ISA_IRQS; ++i) mp->isa_irq_pin[i] = -1;

  const struct mp_floating_pointer *fp = find_floating_pointer();
  if (!fp) return "no MP floating pointer";
  mp->floating_pointer = (uint32_t)fp;
  if (fp->features[0] != 0 || fp->config_table == 0) return "default configuration, no table";
  const struct mp_config_header *h = phys(fp->config_table);
  mp->config_table = fp->config_table;
  if (h->signature != PCMP_SIGNATURE) return "no PCMP signature";
  if (h->length < sizeof *h || sum((const uint8_t *)h, h->length) != 0) return "bad configuration table checksum";
  mp->spec_rev = h->spec_rev;
  mp->lapic_addr = h->lapic_addr;

  const uint8_t *at = (const uint8_t *)(h + 1), *end = (const uint8_t *)h + h->length;
  for (unsigned i = 0; i < h->entries; ++i) {
    unsigned size = *at == MP_PROCESSOR ? 20 : 8;
    if (at + size > end) return "entries run past the table";
    switch (*at) {
      case MP_PROCESSOR: {
        const struct mp_processor *p = (const void *)at;
        if (!(p->flags & 1)) break;
        if (mp->cpus < MP_MAX_CPUS) mp->cpu_apic_id[mp->cpus] = p->apic_id;
        mp->cpus++;
        if (p->flags & 2) mp->bsp_apic_id = p->apic_id;
        break;
      }
      case MP_BUS: {
        const struct mp_bus *b = (const void *)at;
        if (b->name[0] == 'I' && b->name[1] == 'S' && b->name[2] == 'A' && b->name[3] == ' ') mp->isa_bus = b->id;
        break;
      }
      case MP_IOAPIC: {
        const struct mp_ioapic *a = (const void *)at;
        if (!(a->flags & 1)) break;
        if (mp->ioapics++ == 0) {
          mp->ioapic_id = a->id;
          mp->ioapic_addr = a->addr;
        }
        break;
      }
      case MP_IO_INTERRUPT: {
        /* Bus entries come before interrupt entries (the specification's
         * order), so the ISA bus ID is known by now. */
        const struct mp_interrupt *e = (const void *)at;
        if (e->kind == 0 && mp->isa_bus >= 0 && e->src_bus == mp->isa_bus && e->src_irq < MP_ISA_IRQS && mp->ioapics &&
            (e->dst_apic == mp->ioapic_id || e->dst_apic == 0xff)) {
          mp->isa_irq_pin[e->src_irq] = (int8_t)e->dst_pin;
          mp->isa_irq_flags[e->src_irq] = (uint8_t)e->flags;
        }
        break;
      }
      case MP_LOCAL_INTERRUPT: {
        const struct mp_interrupt *e = (const void *)at;
        if (e->kind == 3) mp->extint_lint = e->dst_pin;
        if (e->kind == 1) mp->nmi_lint = e->dst_pin;
        break;
      }
      default:
        return "unknown entry type";
    }
    at += size;
  }
  return 0;
}

void mp_require(struct mp_info *mp, const char *kernel) {
  const char *why = mp_find(mp);
  if (!why) return;
  puts(kernel);
  puts(": MP table: ");
  puts(why);
  puts("\n");
  puts(kernel);
  puts(": FAILED\n");
  debug_exit(1);
  halt_forever();
}
