// Where a row came from: the machine, the KVM flavour, the tool, and the git
// state of the repository holding the experiment file.
import { readFileSync, existsSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { packagePath } from '../package-root.js';
import type { Provenance } from './columns.js';

export type HostProvenance = Omit<Provenance, 'start_time' | 'end_time'>;

function cpuInfo(): string {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
}

/** vmx, svm or pvm, "none" without /dev/kvm. Decided from facts, never assumed (PLATFORM.md). */
export function kvmFlavour(cpuinfo: string, hasPvmModule: boolean, hasKvmDevice: boolean): string {
  const flags = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1].split(/\s+/) ?? [];
  const kind = hasPvmModule ? 'pvm' : flags.includes('vmx') ? 'vmx' : flags.includes('svm') ? 'svm' : 'unknown';
  return hasKvmDevice ? kind : `none (${kind} host without /dev/kvm)`;
}

export function toolVersion(): string {
  return (JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { version: string }).version;
}

async function gitState(file: string): Promise<{ sha: string; dirty: string }> {
  const cwd = dirname(file);
  const head = await execa('git', ['rev-parse', 'HEAD'], { cwd, reject: false });
  if (head.exitCode !== 0) return { sha: '', dirty: '' };
  const status = await execa('git', ['status', '--porcelain', '--untracked-files=no'], { cwd, reject: false });
  return { sha: String(head.stdout).trim(), dirty: String(status.stdout).trim() === '' ? 'false' : 'true' };
}

export async function hostProvenance(experimentFile: string, kvmDevice: string): Promise<HostProvenance> {
  const info = cpuInfo();
  const git = await gitState(experimentFile);
  return {
    host: hostname(),
    kernel: release(),
    kvm_flavour: kvmFlavour(info, existsSync('/sys/module/kvm_pvm'), existsSync(kvmDevice)),
    cpu_model: /^model name\s*:\s*(.*)$/m.exec(info)?.[1] ?? '',
    node_version: process.version,
    tool_version: toolVersion(),
    git_sha: git.sha,
    git_dirty: git.dirty,
  };
}
