#include "bsp_start.h"

#include "console.h"
#include "cpu.h"
#include "lapic.h"
#include "pic.h"

uint8_t bsp_start(uint32_t magic, struct mp_info *mp, const char *kernel) {
  cpu_init();
  check(magic == MB_BOOTLOADER_MAGIC, "boot loader magic");
  mp_require(mp, kernel);
  lapic_base = mp->lapic_addr;
  pic_mask_all();
  lapic_enable();
  return lapic_id();
}
