// A corpus of bad experiment files, each refused alike by validate, run
// --dry-run and run: the same `file:line:col: message` lines, exit status 2,
// and no worker started (no output folder, so no run folder and no CSV row).
// Runs with the stand-in worker, so that it passes where /dev/kvm is missing;
// images are still loaded by the native core, as a run loads them. Checks
// whose answer depends on the host (a PMU for perf counting) are not here.
import { existsSync, readdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, ROOT, STAND_IN_WORKER, workspace } from '../support/cli.js';

interface BadConfig {
  what: string;
  yaml: string;
  /** Other files of the experiment's folder, e.g. an image. */
  files?: Record<string, string>;
  /** The lines of stderr, each of e.yaml (and `<dir>` standing for the experiment's folder). */
  problems: string[];
}

const HELLO = 'name: e\nguest: { program: hello }\n';
const MEMORY_WHY = 'guest RAM is whole 4 KiB pages, and ends where the device window starts, at 3 GiB';
const SAME = 'would be the same configuration';
// The bundled guests there are, which the refusal of an unknown one lists.
const GUESTS = readdirSync(join(ROOT, 'native/guests/build'))
  .filter((f) => f.endsWith('.elf'))
  .map((f) => f.slice(0, -4));

const CORPUS: BadConfig[] = [
  // Schema keywords
  { what: 'an unknown key', yaml: `${HELLO}cpu:\n  hostfactor: 2\n`, problems: ['e.yaml:4:3: unknown key "hostfactor" in cpu'] },
  { what: 'an unknown top-level key', yaml: `${HELLO}limit: { wallTimeout: 1s }\n`, problems: ['e.yaml:3:1: unknown key "limit" in the top level'] },
  { what: 'a string for an integer', yaml: `${HELLO}repeat: many\n`, problems: ['e.yaml:3:9: repeat must be integer'] },
  { what: 'a string for a boolean', yaml: `${HELLO}cpu: { useCoalescedMMIO: "yes" }\n`, problems: ['e.yaml:3:26: cpu.useCoalescedMMIO must be boolean'] },
  { what: 'a value outside an enum', yaml: `${HELLO}devices: { unclaimedAccess: ignore }\n`, problems: ['e.yaml:3:29: devices.unclaimedAccess must be one of "count", "fail"'] },
  {
    what: 'an unknown instruction counter',
    yaml: `${HELLO}cpu: { instructionCounter: pmu }\n`,
    problems: ['e.yaml:3:28: cpu.instructionCounter must be one of "auto", "perf", "singlestep", "none"'],
  },
  { what: 'a missing required key', yaml: 'name: e\ncpu: { hostFactor: 1 }\n', problems: ['e.yaml:1:1: the top level is missing the required key "guest"'] },
  {
    what: 'both program and image',
    yaml: 'name: e\nguest: { program: hello, image: x.elf }\n',
    problems: ['e.yaml:2:8: guest needs exactly one of "program" (a bundled guest), "image" (a guest image file) or "binary" (a Linux program, SE mode)'],
  },
  {
    what: 'an SE key on a bundled program',
    yaml: 'name: e\nguest: { program: hello, argv: [x] }\n',
    problems: ['e.yaml:2:8: guest.argv is for a Linux program (guest.binary, SE mode); guest.program takes guest.args'],
  },
  {
    what: 'guest.args on a Linux program',
    yaml: 'name: e\nguest: { binary: /bin/true, args: { n: 1 } }\n',
    problems: ['e.yaml:2:8: guest.args is for a bundled program or an image; a Linux program (guest.binary) takes guest.argv and guest.env'],
  },
  {
    what: 'a missing multiboot module and a missing kernel: both, in file order',
    yaml: 'name: e\nguest: { image: k.elf, format: multiboot, modules: [nothere.bin] }\n',
    problems: [
      'e.yaml:2:17: guest.image: <dir>/k.elf: cannot open multiboot kernel: No such file or directory (errno 2)',
      'e.yaml:2:53: guest.modules: <dir>/nothere.bin does not exist',
    ],
  },
  {
    what: 'a multiboot key on an ELF image',
    yaml: 'name: e\nguest: { image: x.elf, cmdline: hello }\n',
    problems: ['e.yaml:2:8: guest.cmdline and guest.modules are for a multiboot kernel (guest.format: multiboot)'],
  },
  {
    what: 'two vCPUs on the user-space interrupt controller',
    yaml: 'name: e\nguest: { image: k.elf, format: multiboot }\nmachine: { cpus: 2 }\n',
    problems: ["e.yaml:3:18: machine.cpus: 2 needs machine.irqchip: kernel (the other vCPUs start through their LAPICs' INIT and SIPI)"],
  },
  {
    what: 'the in-kernel irqchip for a bundled program',
    yaml: `${HELLO}machine: { irqchip: kernel }\n`,
    problems: ['e.yaml:3:10: machine.cpus and machine.irqchip: kernel are for multiboot kernels (guest.format: multiboot)'],
  },
  {
    what: 'a vCPU count swept past what one irqchip setting allows, at its sweep entry',
    yaml: 'name: e\nguest: { image: k.elf, format: multiboot }\nsweep:\n  machine.cpus: [1, 2]\n',
    problems: ["e.yaml:4:21: machine.cpus: 2 needs machine.irqchip: kernel (the other vCPUs start through their LAPICs' INIT and SIPI) (in sweep point 1)"],
  },
  {
    what: 'one checkpoint folder for several runs',
    yaml: `${HELLO}repeat: 2\ncheckpoint: { dir: ckpt }\n`,
    problems: ['e.yaml:4:20: checkpoint.dir names one folder, and this experiment has 2 runs: leave it out, and each run keeps its checkpoints in its own folder'],
  },
  {
    what: 'a checkpoint at one vCPU\'s instruction count on two',
    yaml: 'name: e\nguest: { image: k.elf, format: multiboot }\nmachine: { irqchip: kernel, cpus: 2 }\ncheckpoint: { atInsts: 1000 }\n',
    problems: ["e.yaml:4:24: checkpoint.atInsts counts one vCPU's instructions: use checkpoint.atTicks with machine.cpus > 1"],
  },
  {
    what: 'a restore from a folder that is not there',
    yaml: 'name: e\nguest: { program: hello, restore: nowhere }\n',
    problems: ['e.yaml:2:35: <dir>/nowhere is not a folder'],
  },
  { what: 'a name that is no file name', yaml: 'name: my experiment\nguest: { program: hello }\n', problems: ['e.yaml:1:7: name must match pattern "^[A-Za-z0-9][A-Za-z0-9._-]*$"'] },
  { what: 'hostFactor 0', yaml: `${HELLO}cpu: { hostFactor: 0 }\n`, problems: ['e.yaml:3:20: cpu.hostFactor must be > 0'] },
  { what: 'repeat 0', yaml: `${HELLO}repeat: 0\n`, problems: ['e.yaml:3:9: repeat must be >= 1'] },
  {
    what: 'guest.args with spaces',
    yaml: 'name: e\nguest: { program: hello, args: { n: "1 loops=5" } }\n',
    problems: ['e.yaml:2:37: guest.args.n must be printable ASCII without spaces: the guest reads its arguments as "key=value key=value"'],
  },
  // Units
  {
    what: 'a size in unknown units',
    yaml: 'name: e\nguest:\n  program: hello\n  memory: 64 parsecs\n',
    problems: ['e.yaml:4:11: guest.memory: bad size "64 parsecs": expected a number with one of the units B, KiB, MiB, GiB, TiB, KB, MB, GB, TB (e.g. 64MiB)'],
  },
  { what: 'a duration without a unit', yaml: `${HELLO}cpu: { timer: { quantum: 10 } }\n`, problems: ['e.yaml:3:26: cpu.timer.quantum: duration 10 needs a unit, e.g. 1ms'] },
  {
    what: 'a frequency that is a word',
    yaml: `${HELLO}cpu: { clock: fast }\n`,
    problems: ['e.yaml:3:15: cpu.clock: bad frequency "fast": expected a number with one of the units Hz, kHz, MHz, GHz (e.g. 2GHz)'],
  },
  { what: 'a count that is a word', yaml: `${HELLO}limits: { maxInsts: lots }\n`, problems: ['e.yaml:3:21: limits.maxInsts: bad count "lots": expected a whole number such as 1000 or 1e9'] },
  {
    what: 'ticks in unknown units',
    yaml: `${HELLO}limits: { maxTicks: 5 fortnights }\n`,
    problems: ['e.yaml:3:21: limits.maxTicks: bad duration "5 fortnights": expected a number with one of the units ps, ns, us, µs, ms, s, min, h (e.g. 1ms)'],
  },
  {
    what: 'an address that is not hex',
    yaml: `${HELLO}cpu:\n  coalescedMMIO:\n    - { base: 0xZZ, size: 4KiB }\n`,
    problems: ['e.yaml:5:15: cpu.coalescedMMIO.0.base: bad address "0xZZ": expected an integer or a hex string like 0xd0000000'],
  },
  { what: 'wallTimeout 0s', yaml: `${HELLO}limits: { wallTimeout: 0s }\n`, problems: ['e.yaml:3:24: limits.wallTimeout: duration "0s" must be above zero'] },
  {
    what: 'dumpEvery 1ns',
    yaml: `${HELLO}stats: { dumpEvery: 1ns }\n`,
    problems: [
      'e.yaml:3:21: stats.dumpEvery: duration "1ns" must be at least 1ms, or 0 for no time series: each snapshot kicks the vCPU out of the guest, and a shorter period distorts simulated time or starves the guest',
    ],
  },
  // Guest memory and images
  { what: 'memory 0', yaml: 'name: e\nguest: { program: hello, memory: 0 }\n', problems: [`e.yaml:2:34: guest.memory: size "0" must be between 2MiB and 3GiB: ${MEMORY_WHY}`] },
  { what: 'memory 1TiB', yaml: 'name: e\nguest: { program: hello, memory: 1TiB }\n', problems: [`e.yaml:2:34: guest.memory: size "1TiB" must be between 2MiB and 3GiB: ${MEMORY_WHY}`] },
  {
    what: 'memory that is not whole 4 KiB pages',
    yaml: 'name: e\nguest: { program: hello, memory: 2049KiB }\n',
    problems: [`e.yaml:2:34: guest.memory: size "2049KiB" must be a multiple of 4KiB: ${MEMORY_WHY}`],
  },
  {
    what: 'an unknown bundled program',
    yaml: 'name: e\nguest: { program: hellp }\n',
    problems: [`e.yaml:2:19: no bundled guest program "hellp" (available: ${GUESTS.join(', ')})`],
  },
  {
    what: 'a missing image',
    yaml: 'name: e\nguest:\n  image: guest.elf\n',
    problems: ['e.yaml:3:10: guest.image: <dir>/guest.elf: cannot open guest image: No such file or directory (errno 2)'],
  },
  {
    what: 'an image that is not ELF',
    yaml: 'name: e\nguest:\n  image: guest.elf\n',
    files: { 'guest.elf': '#!/bin/sh\necho not a kernel\n' },
    problems: ['e.yaml:3:10: guest.image: <dir>/guest.elf: not an ELF file (bad magic in e_ident)'],
  },
  {
    what: 'an image larger than guest memory',
    yaml: 'name: e\nguest:\n  image: big.bin\n  format: flat\n  memory: 2MiB\n',
    files: { 'big.bin': 'x'.repeat(3 * 2 ** 20) },
    problems: ['e.yaml:5:11: guest.memory: <dir>/big.bin: image is 3145728 bytes, larger than guest memory (2097152 bytes); raise guest.memory'],
  },
  // Sweeps
  {
    what: 'a swept path the schema does not know',
    yaml: `${HELLO}sweep:\n  cpu.quantum: [1ms, 2ms]\n`,
    problems: ['e.yaml:4:17: unknown key "quantum" in cpu (in sweep point 0)', 'e.yaml:4:22: unknown key "quantum" in cpu (in sweep point 1)'],
  },
  {
    what: 'a range that goes down',
    yaml: `${HELLO}sweep:\n  cpu.timer.quantum: { from: 1ms, to: 1us, step: 1us }\n`,
    problems: ['e.yaml:4:22: sweep cpu.timer.quantum: to must not be below from'],
  },
  {
    what: 'a range in minutes that goes down (minutes are units of ranges too)',
    yaml: `${HELLO}sweep:\n  limits.wallTimeout: { from: 2min, to: 1min, step: 1min }\n`,
    problems: ['e.yaml:4:23: sweep limits.wallTimeout: to must not be below from'],
  },
  {
    what: 'a range from a duration to a size',
    yaml: `${HELLO}sweep:\n  cpu.timer.quantum: { from: 1ms, to: 1MiB, step: 1ms }\n`,
    problems: ['e.yaml:4:22: sweep cpu.timer.quantum: from and to must have units of the same kind'],
  },
  {
    what: 'a range with factor 1',
    yaml: `${HELLO}sweep:\n  cpu.timer.quantum: { from: 1us, to: 1ms, factor: 1 }\n`,
    problems: ['e.yaml:4:22: sweep.cpu.timer.quantum must be a list of values or a range {from, to, step} / {from, to, factor}'],
  },
  {
    what: 'a zip group of unequal lengths',
    yaml: `${HELLO}sweep:\n  zip:\n    - guest.args.count: [1, 2]\n      guest.memory: [4MiB]\n`,
    problems: ['e.yaml:5:7: zip group paths must have the same number of values (2 vs 1)'],
  },
  {
    what: 'an exclusion naming a path that is not swept',
    yaml: `${HELLO}sweep:\n  guest.args.count: [1, 2]\n  exclude:\n    - { guest.memory: 4MiB }\n`,
    problems: ['e.yaml:6:23: exclude names guest.memory, which is not swept'],
  },
  {
    what: 'exclusions that leave nothing',
    yaml: `${HELLO}sweep:\n  guest.args.count: [1]\n  exclude:\n    - { guest.args.count: 1 }\n`,
    problems: ['e.yaml:6:5: every combination of the sweep is excluded'],
  },
  {
    what: 'one duration twice, in other units (1ms and 1000us)',
    yaml: `${HELLO}sweep:\n  cpu.timer.quantum: [1ms, 1000us]\n`,
    problems: [`e.yaml:4:28: sweep cpu.timer.quantum: 1000us is the same as 1ms (sweep points 0 and 1 ${SAME})`],
  },
  {
    what: 'a value listed twice',
    yaml: `${HELLO}sweep:\n  guest.args.count: [1, 2, 1]\n`,
    problems: [`e.yaml:4:28: sweep guest.args.count: 1 comes twice (sweep points 0 and 2 ${SAME})`],
  },
  {
    what: 'a swept memory out of bounds, at its sweep entry',
    yaml: `${HELLO}sweep:\n  guest.memory: [16MiB, 1TiB]\n`,
    problems: [`e.yaml:4:25: guest.memory: size "1TiB" must be between 2MiB and 3GiB: ${MEMORY_WHY} (in sweep point 1)`],
  },
  // What the core does not do
  {
    what: 'maxInsts without an instruction counter',
    yaml: `${HELLO}cpu: { instructionCounter: none }\nlimits: { maxInsts: 1000 }\n`,
    problems: ['e.yaml:4:21: limits.maxInsts: limits.maxInsts needs an instruction counter, and this file turns counting off: set cpu.instructionCounter: singlestep'],
  },
  {
    what: 'the perf-overflow timer',
    yaml: `${HELLO}cpu:\n  timer: { kind: perf }\n`,
    problems: ['e.yaml:4:18: cpu.timer.kind: perf (the perf-overflow timer) is not implemented yet; use posix, the default'],
  },
  {
    what: 'usePerfOverflow',
    yaml: `${HELLO}cpu: { usePerfOverflow: true }\n`,
    problems: ['e.yaml:3:25: cpu.usePerfOverflow: the perf-overflow timer is not implemented yet; leave cpu.usePerfOverflow out (it is false)'],
  },
  // YAML
  {
    what: 'a YAML syntax error, at its line',
    yaml: `${HELLO}cpu:\n  hostFactor: 1\n\nlimits: { wallTimeout: [1s }\n`,
    problems: [
      'e.yaml:6:28: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]',
      'e.yaml:6:29: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }',
    ],
  },
  { what: 'a duplicate key, at its second occurrence', yaml: `${HELLO}cpu: { hostFactor: 1 }\nrepeat: 2\ncpu: { hostFactor: 2 }\n`, problems: ['e.yaml:5:1: duplicate key "cpu"'] },
];

const COMMANDS = [
  ['validate', 'e.yaml'],
  ['run', 'e.yaml', '--out', 'out', '--dry-run'],
  ['run', 'e.yaml', '--out', 'out'],
];

describe('a bad experiment file is refused alike by validate, run --dry-run and run', () => {
  it('the corpus is large enough to mean something', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(30);
  });

  it.concurrent.each(CORPUS)('$what', async ({ yaml, files, problems }) => {
    const dir = realpathSync(await workspace({ 'e.yaml': yaml, ...files }));
    const expected = problems.map((line) => `${dir}/${line}`.replaceAll('<dir>', dir)).join('\n');
    for (const args of COMMANDS) {
      const result = await cli(args, { cwd: dir, env: { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER } });
      expect({ command: args.join(' '), stderr: result.stderr, status: result.exitCode }).toEqual({ command: args.join(' '), stderr: expected, status: 2 });
      expect(existsSync(join(dir, 'out')), `${args.join(' ')} made the output folder`).toBe(false);
    }
  });
});
