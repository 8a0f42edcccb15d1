// Multiboot kernels booted from YAML print what the same kernels print under
// qemu-system-x86_64 -kernel with the equivalent command line, and end with
// the same exit status (isa-debug-exit's (value << 1) | 1). QEMU takes KVM
// where /dev/kvm lets it and falls back to TCG, so the reference exists
// wherever QEMU is installed. The kernels are native/guests/multiboot's.
import { execa } from 'execa';
import { copyFile, mkdir, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { num } from '../support/experiment-run.js';
import { cli, ROOT, workspace } from '../support/cli.js';
import { readResultsCsv } from '../../src/results/read-csv.js';
import { HAS_KVM, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';

const QEMU = 'qemu-system-x86_64';
const HAS_QEMU = (await execa(QEMU, ['--version'], { reject: false })).exitCode === 0;
const BUILD = join(ROOT, 'native/guests/multiboot/build');

/** Every kernel and the module under build/ in a fresh folder, so both boots name them alike. */
async function kernelWorkspace(yaml: string): Promise<string> {
  const dir = await workspace({ 'e.yaml': yaml });
  await mkdir(join(dir, 'build'));
  for (const file of await readdir(BUILD))
    if (file.endsWith('.elf') || file.endsWith('.bin')) await copyFile(join(BUILD, file), join(dir, 'build', file));
  return dir;
}

/** QEMU's console output and exit status for `args` after the common ones. */
async function qemu(dir: string, args: string[]): Promise<{ console: string; status: number | undefined }> {
  const run = await execa(
    QEMU,
    ['-accel', 'kvm', '-accel', 'tcg', '-serial', 'stdio', '-display', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-m', '64', '-no-reboot', ...args],
    { cwd: dir, reject: false, timeout: 120_000 },
  );
  return { console: run.stdout.replace(/\r\n/g, '\n') + '\n', status: run.exitCode };
}

/** Our run of e.yaml: its one row and its console log. */
async function ours(dir: string, name: string): Promise<{ row: Record<string, string>; console: string }> {
  const run = await cli(['run', 'e.yaml', '-o', 'out', '--quiet'], { cwd: dir });
  const [row] = (await readResultsCsv(join(dir, `out/${name}.csv`))).rows;
  expect(row, String(run.all)).toBeDefined();
  return { row, console: await readFile(join(dir, `out/${name}`, row.run_id, 'console.log'), 'utf8') };
}

const kernel = (name: string, image: string, extra: string[] = []) =>
  [`name: ${name}`, 'guest:', `  image: build/${image}`, '  format: multiboot', '  memory: 64MiB', ...extra].join('\n');

describe.skipIf(!HAS_KVM)('multiboot kernels, booted as QEMU boots them', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it.skipIf(!HAS_QEMU)('mbinfo: console and exit status equal QEMU -kernel ... -append ... -initrd ... -device isa-debug-exit', async () => {
    const dir = await kernelWorkspace(
      kernel('mbinfo', 'mbinfo.elf', ['  cmdline: hello world', '  modules: [build/module.bin]', 'devices:', '  isaDebugExit: { iobase: 0xf4, iosize: 4 }']),
    );
    const reference = await qemu(dir, ['-kernel', 'build/mbinfo.elf', '-append', 'hello world', '-initrd', 'build/module.bin']);
    expect(reference.console).toContain('mbinfo: ok');

    const { row, console } = await ours(dir, 'mbinfo');
    expect(row).toMatchObject({ status: 'ok', exit_cause: 'debug-exit' });
    expect(num(row, 'exitCode')).toBe(reference.status);
    expect(console).toBe(reference.console);
    expect(num(row, 'isaDebugExit.exits')).toBe(1);
    expect(num(row, 'fwCfg.selects')).toBeGreaterThan(0);
  });

  it.skipIf(!HAS_QEMU)('irqs: the LAPIC timer, the PIT through the IOAPIC and the serial interrupt, as under QEMU', async () => {
    const dir = await kernelWorkspace(kernel('irqs', 'irqs.elf', ['machine: { irqchip: kernel }']));
    const reference = await qemu(dir, ['-kernel', 'build/irqs.elf']);
    expect(reference.console).toContain('irqs: ok');

    const { row, console } = await ours(dir, 'irqs');
    expect(row).toMatchObject({ status: 'ok', exit_cause: 'debug-exit', 'machine.irqchip': 'kernel' });
    expect(console).toBe(reference.console);
    expect(num(row, 'exitCode')).toBe(reference.status);
    // Three THRE interrupts reached the guest through GSI 4; each handler wrote one byte.
    expect(num(row, 'serial.interrupts')).toBe(3);
    expect(row.witness).toMatch(/^agree/);
  });

  it.skipIf(!HAS_QEMU)('smp: machine.cpus 2 brings the second vCPU up through INIT/SIPI, as QEMU -smp 2,sockets=2 does', async () => {
    const dir = await kernelWorkspace(kernel('smp', 'smp.elf', ['machine: { irqchip: kernel, cpus: 2 }']));
    // One socket per CPU: SeaBIOS lists one processor per socket in its MP table.
    const reference = await qemu(dir, ['-kernel', 'build/smp.elf', '-smp', '2,sockets=2']);
    expect(reference.console).toContain('cpu 1: up');

    const { row, console } = await ours(dir, 'smp');
    expect(row).toMatchObject({ status: 'ok', exit_cause: 'debug-exit', 'machine.cpus': '2' });
    expect(console).toBe(reference.console);
    expect(num(row, 'exitCode')).toBe(reference.status);
    // Both vCPUs printed, so both made port exits; the totals are theirs summed, the clock is the boot vCPU's.
    expect(num(row, 'cpu0.numIO')).toBeGreaterThan(0);
    expect(num(row, 'cpu1.numIO')).toBeGreaterThanOrEqual('cpu 1: up\n'.length);
    expect(num(row, 'numIO')).toBe(num(row, 'cpu0.numIO') + num(row, 'cpu1.numIO'));
    expect(num(row, 'numVMExits')).toBe(num(row, 'cpu0.numVMExits') + num(row, 'cpu1.numVMExits'));
    expect(num(row, 'simTicks')).toBe(num(row, 'cpu0.simTicks'));
  });

  it.skipIf(!HAS_QEMU)('smp: one vCPU on the in-kernel irqchip reports itself alone, as QEMU -smp 1', async () => {
    const dir = await kernelWorkspace(kernel('smp1', 'smp.elf', ['machine: { irqchip: kernel, cpus: 1 }']));
    const reference = await qemu(dir, ['-kernel', 'build/smp.elf', '-smp', '1']);
    const { row, console } = await ours(dir, 'smp1');
    expect(console).toBe(reference.console);
    expect(console).toContain('smp: 1 of 1 cpus up');
    expect(num(row, 'exitCode')).toBe(reference.status);
    expect(Object.keys(row).some((c) => c.startsWith('cpu0.'))).toBe(false);
  });

  it.skipIf(!HAS_QEMU)('smp-work: both vCPUs run their jobs through a checkpoint request, printing what QEMU -smp 2,sockets=2 prints', async () => {
    const dir = await kernelWorkspace(
      kernel('smp-work', 'smp-work.elf', ['machine: { irqchip: kernel, cpus: 2 }', 'checkpoint: { onGuestRequest: false }']),
    );
    const reference = await qemu(dir, ['-kernel', 'build/smp-work.elf', '-smp', '2,sockets=2']);
    expect(reference.console).toMatch(/^cpu 0: 0x[0-9a-f]{8}\ncpu 1: 0x[0-9a-f]{8}\nsmp-work: 2 cpus ok\n$/);

    const { row, console } = await ours(dir, 'smp-work');
    expect(row).toMatchObject({ status: 'ok', exit_cause: 'debug-exit', 'machine.cpus': '2' });
    expect(console).toBe(reference.console);
    expect(num(row, 'exitCode')).toBe(reference.status);
    // The BSP asked once, mid-job, and the request was counted, not taken.
    expect(num(row, 'm5ops.calls')).toBe(1);
    expect(num(row, 'checkpoints')).toBe(0);
  });

  it('an exit code other than devices.isaDebugExit.success fails the run, naming both', async () => {
    const dir = await kernelWorkspace(
      ['name: mb', 'guest: { image: build/mbinfo.elf, format: multiboot }', 'devices: { isaDebugExit: { success: 33 } }'].join('\n'),
    );
    const run = await cli(['run', 'e.yaml', '-o', 'out', '--quiet'], { cwd: dir });
    expect(run.exitCode).toBe(1);
    const [row] = (await readResultsCsv(join(dir, 'out/mb.csv'))).rows;
    // No module: mbinfo's checks still pass, it writes 0, and (0 << 1) | 1 is 1, not 33.
    expect(row).toMatchObject({ status: 'failed', exit_cause: 'debug-exit', error: "isa-debug-exit: exit code 1 (QEMU's status; success is 33)" });
    expect(num(row, 'exitCode')).toBe(1);
  });
});
