// A multiboot kernel booted from YAML prints what the same kernel prints
// under qemu-system-x86_64 -kernel with the equivalent command line, and
// ends with the same exit status (isa-debug-exit's (value << 1) | 1). QEMU
// runs with TCG: nothing here assumes a usable /dev/kvm for it.
import { execa } from 'execa';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { num } from '../support/experiment-run.js';
import { cli, ROOT, workspace } from '../support/cli.js';
import { readResultsCsv } from '../../src/results/read-csv.js';
import { HAS_KVM, KVM_TEST_TIMEOUT_MS } from '../support/kvm.js';

const QEMU = 'qemu-system-x86_64';
const HAS_QEMU = (await execa(QEMU, ['--version'], { reject: false })).exitCode === 0;
const BUILD = join(ROOT, 'native/guests/multiboot/build');

/** The kernel and its module under build/ in a fresh folder, so both boots name them alike. */
async function kernelWorkspace(yaml: string): Promise<string> {
  const dir = await workspace({ 'e.yaml': yaml });
  await mkdir(join(dir, 'build'));
  for (const file of ['mbinfo.elf', 'module.bin']) await copyFile(join(BUILD, file), join(dir, 'build', file));
  return dir;
}

describe.skipIf(!HAS_KVM)('multiboot kernels, booted as QEMU boots them', { timeout: KVM_TEST_TIMEOUT_MS }, () => {
  it.skipIf(!HAS_QEMU)('mbinfo: console and exit status equal QEMU -kernel ... -append ... -initrd ... -device isa-debug-exit', async () => {
    const yaml = [
      'name: mbinfo',
      'guest:',
      '  image: build/mbinfo.elf',
      '  format: multiboot',
      '  memory: 64MiB',
      '  cmdline: hello world',
      '  modules: [build/module.bin]',
      'devices:',
      '  isaDebugExit: { iobase: 0xf4, iosize: 4 }',
    ].join('\n');
    const dir = await kernelWorkspace(yaml);
    const qemu = await execa(
      QEMU,
      ['-accel', 'tcg', '-kernel', 'build/mbinfo.elf', '-append', 'hello world', '-initrd', 'build/module.bin', '-serial', 'stdio',
        '-display', 'none', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04', '-m', '64', '-no-reboot'],
      { cwd: dir, reject: false, timeout: 60_000 },
    );
    expect(qemu.stdout).toContain('mbinfo: ok');

    const run = await cli(['run', 'e.yaml', '-o', 'out', '--quiet'], { cwd: dir });
    expect(run.exitCode, String(run.all)).toBe(0);
    const [row] = (await readResultsCsv(join(dir, 'out/mbinfo.csv'))).rows;
    expect(row).toMatchObject({ status: 'ok', exit_cause: 'debug-exit' });
    expect(num(row, 'exitCode')).toBe(qemu.exitCode);
    const console = await readFile(join(dir, 'out/mbinfo', row.run_id, 'console.log'), 'utf8');
    expect(console).toBe(qemu.stdout.replace(/\r\n/g, '\n') + '\n');
    expect(num(row, 'isaDebugExit.exits')).toBe(1);
    expect(num(row, 'fwCfg.selects')).toBeGreaterThan(0);
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
