// Generated from schemas/experiment.schema.json by scripts/config-types.mjs: do not edit.
// One experiment point as the runner uses it: every unit converted to a number
// (bytes, ns, Hz, ps ticks), every default the schema declares filled in.

export interface NormalizedPoint {
  guest: {
    /** A bundled guest program by name (native/guests/<name>.c). */
    program?: string;
    /** A guest image file, relative to the experiment file. */
    image?: string;
    /** Format of `image`: elf or flat for our runtime, or multiboot for a kernel written for qemu-system-x86_64 -kernel (docs/guests.md). */
    format: "elf" | "flat" | "multiboot";
    /** format: multiboot: QEMU's -append; the kernel reads "<image as written> <cmdline>", as under QEMU. */
    cmdline: string;
    /** format: multiboot: QEMU's -initrd items, "file [args]": the file (relative to the experiment file) is loaded as a module, and the whole item is its command line. */
    modules: Array<string>;
    /** Passed to the guest as "key=value key=value": keys are identifiers; values are printable ASCII without spaces (at most 256 characters), numbers that read back exactly (integers within +-2^53), or booleans. */
    args: Record<string, string | number | boolean>;
    /** Guest RAM, 2MiB to 3GiB, in whole 4KiB pages. */
    memory: number;
    /** Start from a checkpoint instead of booting: a cpt.<tick> folder (or a folder holding exactly one), relative to the experiment file. The guest named beside it must be the one checkpointed, on a machine of the same shape (platform, memory, vCPUs, irqchip); cpu, limits and stats may differ. */
    restore?: string;
    /** SE mode: an unmodified x86-64 Linux program (static, static-PIE or dynamic), relative to the experiment file; its system calls are served by the runner (docs/se-mode.md). */
    binary?: string;
    /** SE mode: the arguments after argv[0] (which is the program as the guest sees it, /bin/<name>). */
    argv: Array<string>;
    /** SE mode: the environment, NAME: value; nothing of the host environment is passed. */
    env: Record<string, string | number | boolean>;
    /** SE mode: guest path -> host file or folder (relative to the experiment file), read-only; or {host, writable: true}. Nothing else of the host is visible. */
    files: Record<string, string | {
      host: string;
      writable?: boolean;
    }>;
    /** SE mode: a host file the program reads as stdin (relative to the experiment file); default: empty. */
    stdin?: string;
  };
  cpu: {
    /** Simulated cycles per host cycle. */
    hostFactor: number;
    /** The simulated CPU clock. */
    clock: number;
    /** Let KVM queue writes to write-only ranges in the coalesced ring instead of exiting for each (gem5 name; also covers port IO zones). */
    useCoalescedMMIO: boolean;
    /** MMIO zones to coalesce; default: the write-only ranges the devices declare. */
    coalescedMMIO?: Array<{
      /** First guest-physical address (MMIO) or port (PIO) of the zone. */
      base: number;
      /** Length of the zone in bytes (ports for PIO); KVM holds it in 32 bits. */
      size: number;
    }>;
    /** Port IO zones to coalesce; default: the write-only ports the devices declare. */
    coalescedPIO?: Array<{
      /** First guest-physical address (MMIO) or port (PIO) of the zone. */
      base: number;
      /** Length of the zone in bytes (ports for PIO); KVM holds it in 32 bits. */
      size: number;
    }>;
    /** Count guest instructions with a perf counter: auto uses one when the host has a PMU. */
    usePerf: "auto" | true | false;
    /** gem5's parameter; only false until the perf-overflow timer is implemented. */
    usePerfOverflow: false;
    /** How committedInsts is counted: auto (perf if available, else none), perf, singlestep (exact, slow), or none. */
    instructionCounter: "auto" | "perf" | "singlestep" | "none";
    timer: {
      /** What kicks the vCPU out after a quantum: a POSIX timer (perf, gem5's perf-overflow timer, is not implemented yet). */
      kind: "posix";
      /** Longest stretch inside KVM_RUN before the timer kicks the vCPU out. */
      quantum: number;
    };
    /** Read the vCPU state after every exit and write it back before every entry, as gem5 keeps its thread context in step (slow; for debugging). */
    alwaysSyncTC: boolean;
    /** gem5 X86KvmCPU name: with alwaysSyncTC, copy the FPU and vector registers with XSAVE (every component, AVX included) rather than the legacy FPU ioctls (x87 and SSE only). */
    useXSave: boolean;
  };
  limits: {
    /** Simulated time limit: a duration, or a number of picosecond ticks. Default: none. */
    maxTicks?: number;
    /** Committed-instruction limit. Default: none. */
    maxInsts?: number;
    /** Host time after which the run is killed (status timeout); above zero. Default: 60s. */
    wallTimeout: number;
  };
  machine: {
    /** format: multiboot: user keeps the interrupt controller in the runner (injected vectors, no PIC, IOAPIC or PIT); kernel creates KVM's in-kernel PICs, IOAPIC, LAPICs and PIT, wired as QEMU wires them, with an MP table describing them. */
    irqchip: "user" | "kernel";
    /** format: multiboot, with irqchip: kernel: the number of vCPUs, one host thread each; the first boots the kernel, the others wait for its INIT and SIPI. */
    cpus: number;
  };
  devices: {
    /** An IO or MMIO access that no device claims: count it (reads return all ones) or fail the run. */
    unclaimedAccess: "count" | "fail";
    /** format: multiboot: QEMU's -device isa-debug-exit. */
    isaDebugExit: {
      /** Its first port (QEMU: iobase). */
      iobase: number;
      /** Its width in ports (QEMU: iosize). */
      iosize: number;
      /** The exit code, (value << 1) | 1 as QEMU computes it, that makes the run ok; any other fails it. */
      success: number;
    };
  };
  checkpoint: {
    /** Take a checkpoint when simulated time since the run began (a restored run: since the original began) reaches this: a duration, or picosecond ticks. Default: none. */
    atTicks?: number;
    /** Take a checkpoint when this many guest instructions have been counted since the run began: exactly with cpu.instructionCounter: singlestep, at the next exit with perf. Needs an instruction counter. Default: none. */
    atInsts?: number;
    /** gem5's m5 checkpoint from the guest takes a checkpoint; false: the request is counted (m5ops.calls) and ignored. */
    onGuestRequest: boolean;
    /** Where the cpt.<tick> folders go, relative to the experiment file; default: checkpoints/ in the run's folder. Only for an experiment of one run, which would otherwise share it. */
    dir?: string;
    /** Run the guest once, before the sweep, until its first checkpoint (onGuestRequest or atTicks) and stop there; every run of the sweep starts from that checkpoint. The sweep may vary only cpu, limits and stats. The warm-up's checkpoint is kept in --warmup-dir and reused while the guest is unchanged, by later runs, --resume and every shard. */
    warmup: boolean;
  };
  stats: {
    /** A snapshot of the statistics every this much simulated time, written to timeseries.csv in the run's folder; at least 1ms (the core's minimum), or 0 for none. */
    dumpEvery?: number;
    /** Report the SHA-256 of all of guest memory at the end of the run (the memoryDigest column): two runs that end with the same memory have the same digest. Costs a pass over guest memory. */
    memoryDigest: boolean;
  };
  se: {
    /** Seeds getrandom, AT_RANDOM and /dev/urandom: the same seed gives the same bytes. */
    seed: number;
    /** CLOCK_REALTIME at simulated time 0: a UTC time, or seconds since 1970. */
    epoch: number;
    /** What the program's clocks follow: simTicks (simulated time, scaled from host cycles by hostFactor, so it varies a little from run to run), or calls (1 us per system call plus the time slept: the same in every run, for byte-identical output). */
    clock: "simTicks" | "calls";
    /** A system call the runner does not serve: stop the run (exit_cause unsupported-syscall) or return ENOSYS to the program. */
    unsupportedSyscall: "stop" | "enosys";
    /** Write every system call, strace-like, to syscalls.log in the run folder. */
    trace: boolean;
  };
}
