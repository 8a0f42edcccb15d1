// A checkpoint folder's manifest.json, as the core writes it
// (native/src/checkpoint/machine_checkpoint.hh): read and checked before any
// run starts from it, so that a wrong folder, another version or an edited
// file is named with what is wrong. The parts' checksums are verified by
// the core as it reads them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const CHECKPOINT_FORMAT = 'kvm-experiments checkpoint';
export const CHECKPOINT_VERSION = 2;
/** The parts every checkpoint has, each named once, and those of each platform; and a vcpu<N> and cpu<N> per vCPU. */
const REQUIRED_PARTS = ['memory', 'machine', 'devices', 'kernel'];
const PLATFORM_PARTS: Record<CheckpointManifest['platform'], string[]> = {
  runtime: ['console'],
  pc: ['console'],
  se: ['stdout', 'stderr', 'trace', 'scratch', 'process'],
};

export interface CheckpointPart {
  name: string;
  file: string;
  bytes: number;
  sha256: string;
}

export interface CheckpointManifest {
  /** The cpt.<tick> folder itself. */
  dir: string;
  reason: string;
  simTicks: number;
  ticksSinceStart: number;
  platform: 'runtime' | 'pc' | 'se';
  memoryBytes: number;
  /** The machine's vCPUs (machine.cpus). */
  cpus: number;
  parts: CheckpointPart[];
}

/** A folder given as `guest.restore`: a cpt.<tick> folder, or one holding exactly one. */
export function checkpointFolder(path: string): string {
  if (!existsSync(path) || !statSync(path).isDirectory()) throw new Error(`${path} is not a folder`);
  if (existsSync(join(path, 'manifest.json'))) return path;
  const cpts = readdirSync(path).filter((f) => /^cpt\.\d+$/.test(f) && existsSync(join(path, f, 'manifest.json')));
  if (cpts.length === 1) return join(path, cpts[0]);
  if (cpts.length === 0) throw new Error(`${path} holds no checkpoint (no manifest.json, no cpt.<tick> folder with one)`);
  throw new Error(`${path} holds ${cpts.length} checkpoints (${cpts.sort().join(', ')}): name one of them`);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Reads and checks the manifest; errors say what is wrong, without the path (the caller names where). */
export function readCheckpointManifest(path: string): CheckpointManifest {
  const dir = checkpointFolder(path);
  const file = join(dir, 'manifest.json');
  let data: any;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`${file}: not a readable manifest (${(error as Error).message})`);
  }
  const bad = (what: string) => new Error(`${file}: ${what}`);
  if (data?.format !== CHECKPOINT_FORMAT) throw bad(`not a checkpoint manifest (format ${JSON.stringify(data?.format)})`);
  if (data.version !== CHECKPOINT_VERSION)
    throw bad(`checkpoint version ${JSON.stringify(data.version)}; this build reads version ${CHECKPOINT_VERSION} (take the checkpoint again with this build)`);
  if (!Object.hasOwn(PLATFORM_PARTS, data.platform)) throw bad(`platform ${JSON.stringify(data.platform)} is not one this build restores`);
  for (const key of ['simTicks', 'ticksSinceStart', 'memoryBytes'] as const) if (!isCount(data[key])) throw bad(`${key} is not a count`);
  if (!Array.isArray(data.parts)) throw bad('parts is not a list');
  const parts: CheckpointPart[] = data.parts.map((p: any, i: number) => {
    if (typeof p?.name !== 'string' || typeof p.file !== 'string' || !/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(p.file) || p.file.includes('..'))
      throw bad(`parts[${i}] has no usable name and file`);
    if (!isCount(p.bytes) || typeof p.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(p.sha256)) throw bad(`parts[${i}] (${p.name}) has no usable size and sha256`);
    if (!existsSync(join(dir, p.file))) throw bad(`part ${p.name}: ${p.file} is missing`);
    const size = statSync(join(dir, p.file)).size;
    if (size !== p.bytes) throw bad(`part ${p.name}: ${p.file} has ${size} bytes, the manifest says ${p.bytes} (truncated or replaced)`);
    return { name: p.name, file: p.file, bytes: p.bytes, sha256: p.sha256 };
  });
  // Two parts per vCPU bound the count before it sizes anything.
  if (!isCount(data.cpus) || data.cpus < 1 || 2 * data.cpus > parts.length) throw bad(`cpus ${JSON.stringify(data.cpus)} is not this checkpoint's vCPU count`);
  const vcpuParts = Array.from({ length: data.cpus }, (_, i) => [`vcpu${i}`, `cpu${i}`]).flat();
  for (const name of [...REQUIRED_PARTS, ...vcpuParts, ...PLATFORM_PARTS[data.platform as CheckpointManifest['platform']]]) if (parts.filter((p) => p.name === name).length !== 1) throw bad(`the part "${name}" is missing or listed twice`);
  return { dir, reason: String(data.reason), simTicks: data.simTicks, ticksSinceStart: data.ticksSinceStart, platform: data.platform, memoryBytes: data.memoryBytes, cpus: data.cpus, parts };
}
