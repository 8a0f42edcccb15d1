// Where a row came from: the machine, the KVM flavour, the tool (its version
// and commit), and the git state of the repository holding the experiment file.
import { readFileSync, existsSync } from 'node:fs';
import { hostname, release } from 'node:os';
import { dirname } from 'node:path';
import { execa } from 'execa';
import { hostKvmFlavour, readCpuInfo, type KvmFlavour } from '../host/kvm-flavour.js';
import { packagePath } from '../package-root.js';
import type { Provenance } from './columns.js';

export type HostProvenance = Omit<Provenance, 'start_time' | 'end_time'>;

/** The flavour, or "none (<flavour> host without /dev/kvm)": the row says what ran it. */
export function flavourColumn(flavour: KvmFlavour, hasKvmDevice: boolean): string {
  return hasKvmDevice ? flavour : `none (${flavour} host without /dev/kvm)`;
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

/** The part of a sharded sweep this invocation runs: "I/N" and its number of runs. */
export interface ShardProvenance {
  shard: string;
  runs: number;
}

export async function hostProvenance(experimentFile: string, kvmDevice: string, shard?: ShardProvenance): Promise<HostProvenance> {
  const info = readCpuInfo();
  const [git, tool] = await Promise.all([gitState(experimentFile), gitState(packagePath('package.json'))]);
  return {
    host: hostname(),
    kernel: release(),
    kvm_flavour: flavourColumn(hostKvmFlavour(), existsSync(kvmDevice)),
    cpu_model: info.modelName,
    node_version: process.version,
    tool_version: toolVersion(),
    // Empty when the tool was installed from a package rather than run from its repository.
    tool_git_sha: tool.sha,
    tool_git_dirty: tool.dirty,
    git_sha: git.sha,
    git_dirty: git.dirty,
    shard: shard?.shard ?? '',
    shard_runs: shard ? String(shard.runs) : '',
  };
}
