// Acceptance: every kind of bad input stops the command before any run,
// exits non-zero, names the file and line (or field), and writes no row.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, ROOT, workspace } from '../support/cli.js';

const HELLO_ELF = join(ROOT, 'native/guests/build/hello.elf');

async function runIn(files: Record<string, string>, extra: string[] = []) {
  const dir = await workspace(files);
  const result = await cli(['run', 'e.yaml', '--out', 'out', ...extra], { cwd: dir });
  return { ...result, dir, wroteCsv: existsSync(join(dir, 'out', 'e.csv')) };
}

/** hello.elf with bytes patched at the given offsets (little-endian). */
async function patchedElf(dir: string, patches: { offset: number; bytes: number[] }[]): Promise<string> {
  const image = Buffer.from(await readFile(HELLO_ELF));
  for (const p of patches) Buffer.from(p.bytes).copy(image, p.offset);
  const file = join(dir, 'guest.elf');
  await writeFile(file, image);
  return file;
}

const withImage = (memory = '16MiB') => `name: e\nguest:\n  image: guest.elf\n  memory: ${memory}\n`;

describe('bad input is refused before anything runs', () => {
  it('malformed YAML', async () => {
    const r = await runIn({ 'e.yaml': 'name: e\nguest: [unclosed\n' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/e\.yaml:\d+:\d+: YAML syntax error/);
    expect(r.wroteCsv).toBe(false);
  });

  it('an unknown key', async () => {
    const r = await runIn({ 'e.yaml': 'name: e\nguest: { program: hello }\ncpu:\n  hostfactor: 2\n' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('e.yaml:4:3: unknown key "hostfactor" in cpu');
    expect(r.wroteCsv).toBe(false);
  });

  it('a wrong type', async () => {
    const r = await runIn({ 'e.yaml': 'name: e\nguest: { program: hello }\nrepeat: many\n' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('e.yaml:3:9: repeat must be integer');
  });

  it('a bad unit', async () => {
    const r = await runIn({ 'e.yaml': 'name: e\nguest: { program: hello }\nlimits: { wallTimeout: 5 minutes }\n' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/e\.yaml:3:24: limits\.wallTimeout: bad duration "5 minutes"/);
  });

  it('a missing guest image', async () => {
    const r = await runIn({ 'e.yaml': withImage() });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/e\.yaml:3:10: guest\.image: .*guest\.elf: cannot open guest image: No such file/);
    expect(r.wroteCsv).toBe(false);
  });

  it('a file that is not ELF', async () => {
    const r = await runIn({ 'e.yaml': withImage(), 'guest.elf': '#!/bin/sh\necho not a kernel\n' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/e\.yaml:3:10: guest\.image: .*guest\.elf: not an ELF file \(bad magic in e_ident\)/);
  });

  it('an ELF for another machine', async () => {
    const dir = await workspace({ 'e.yaml': withImage() });
    await patchedElf(dir, [{ offset: 18, bytes: [183, 0] }]); // e_machine = EM_AARCH64
    const r = await cli(['run', 'e.yaml', '--out', 'out'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/guest\.image: .*guest\.elf: e_machine is 183, expected 62 \(EM_X86_64\)/);
  });

  it('a segment outside guest memory', async () => {
    const dir = await workspace({ 'e.yaml': withImage('4MiB') });
    // First program header: e_phoff is 64 in our guests; p_vaddr at +16, p_paddr at +24.
    const far = [0x00, 0x00, 0x00, 0x40, 0, 0, 0, 0]; // 1 GiB
    await patchedElf(dir, [
      { offset: 64 + 16, bytes: far },
      { offset: 64 + 24, bytes: far },
    ]);
    const r = await cli(['run', 'e.yaml', '--out', 'out'], { cwd: dir });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/e\.yaml:4:11: guest\.memory: .*segment 0 \(p_paddr\) \[0x40000000, .*\) lies outside guest memory of 0x400000 bytes; raise guest\.memory/);
  });

  it('memory too small', async () => {
    const r = await runIn({ 'e.yaml': 'name: e\nguest:\n  program: hello\n  memory: 1MiB\n' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/e\.yaml:4:11: guest\.memory: size "1MiB" must be between 2MiB and 3GiB/);
    expect(r.wroteCsv).toBe(false);
  });

  it('an unknown bundled program lists the ones there are', async () => {
    const r = await runIn({ 'e.yaml': 'name: e\nguest: { program: hellp }\n' });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/e\.yaml:2:19: no bundled guest program "hellp" \(available: .*hello/);
  });

  it('a /dev/kvm that does not exist', async () => {
    const r = await runIn({ 'e.yaml': 'name: e\nguest: { program: hello }\n' }, ['--kvm-device', '/nonexistent/kvm']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('/nonexistent/kvm does not exist: this host has no KVM');
    expect(r.wroteCsv).toBe(false);
  });

  it('a device that is not KVM', async () => {
    const r = await runIn({ 'e.yaml': 'name: e\nguest: { program: hello }\n' }, ['--kvm-device', '/dev/null']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('/dev/null is not a KVM device (KVM_GET_API_VERSION failed)');
    expect(r.wroteCsv).toBe(false);
  });
});
