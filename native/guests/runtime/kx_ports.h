/* Where the runner's devices answer (docs/guest-abi.md, "The port map"):
 * macros only, so that assembly (start.S) and C (kx.h) share one copy. */
#ifndef KX_PORTS_H
#define KX_PORTS_H

#define KX_SERIAL_PORT 0x3f8
#define KX_SIMCTL_PORT 0x700
#define KX_SIMCTL_MMIO 0xd0001000ul
#define KX_SINK_PORT 0x730
#define KX_SINK_MMIO 0xd0000000ul
#define KX_TIMER_PORT 0x710
#define KX_HYPERCALL_PORT 0x720

#endif
