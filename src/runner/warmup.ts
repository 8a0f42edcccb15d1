// checkpoint.warmup: the guest runs once, before the sweep, to its first
// checkpoint and stops there; every run of the sweep then starts from that
// checkpoint. The warm-up's folder is named by a hash of what the checkpoint
// holds (the guest and the files it starts from, its machine and devices,
// SE mode's settings, and what triggers the checkpoint; not cpu, limits or
// stats, which the runs may vary), so an unchanged guest reuses it: later runs, --resume, and every
// shard given the same --warmup-dir (by default the output folder). Shards that start together take turns
// on its lock: the first runs the warm-up, the others wait and reuse it.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkpointFolder } from '../checkpoint/manifest.js';
import type { ExperimentPlan } from '../config/load-experiment.js';
import { EnvironmentError } from '../errors.js';
import { OutputLock } from '../results/output-lock.js';
import { outputsOf } from '../results/outputs.js';
import { fromExperimentFile, imagePathOf, multibootModules, runSpecOf, seFiles, type RunContext } from '../sweep/runs.js';
import type { RunResult, RunSpec } from '../types.js';

/** How long a shard waits between looks at a warm-up another one holds. */
const LOCK_POLL_MS = 1000;

/** What a host file the guest starts from is: its content for the program or image and the modules, size and time for the rest. */
function fileIdentity(path: string, content: boolean): string {
  try {
    if (content) return createHash('sha256').update(readFileSync(path)).digest('hex');
    const st = statSync(path);
    return `${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/**
 * The folder of this plan's warm-up checkpoint: <base>/<name>.warmup/<hash of
 * what it holds>. The hash covers the configuration and the files the guest
 * starts from, so a rebuilt program, a changed module or an edited input file
 * makes a new warm-up instead of restoring a stale one.
 */
export function warmupFolder(plan: ExperimentPlan, base: string): string {
  const [first] = plan.points();
  const { guest, machine, devices, se, checkpoint } = first.normalized;
  const files = [
    fileIdentity(imagePathOf(plan, first), true),
    ...multibootModules(plan, first).map((m) => fileIdentity(m.path, true)),
    ...seFiles(plan, first).map((f) => `${f.guest}=${fileIdentity(f.host, false)}`),
    ...(guest.stdin === undefined ? [] : [fileIdentity(fromExperimentFile(plan, guest.stdin), true)]),
  ];
  const holds = JSON.stringify({ guest, machine, devices, se, atTicks: checkpoint.atTicks, atInsts: checkpoint.atInsts, onGuestRequest: checkpoint.onGuestRequest, files });
  return join(outputsOf(base, plan.name).warmup, createHash('sha256').update(holds).digest('hex').slice(0, 16));
}

function existing(folder: string): string | undefined {
  try {
    return existsSync(folder) ? checkpointFolder(folder) : undefined;
  } catch {
    return undefined;
  }
}

async function lockWhenFree(file: string, note: (text: string) => void, signal: AbortSignal): Promise<OutputLock> {
  let told = false;
  for (;;) {
    try {
      return await OutputLock.acquire(file, note);
    } catch (error) {
      if (!(error instanceof EnvironmentError) || error.code !== 'results-locked') throw error;
      if (!told) note(`${error.message.split(': ').slice(1).join(': ')}: waiting for its warm-up`);
      told = true;
      await sleep(LOCK_POLL_MS, undefined, { signal });
    }
  }
}

/**
 * The warm-up checkpoint of `plan`: found in `warmupDir`, or taken now by a
 * run of the sweep's first point that stops at its first checkpoint.
 * Throws EnvironmentError when the warm-up ends without one.
 */
export async function ensureWarmup(
  plan: ExperimentPlan,
  base: string,
  context: RunContext,
  execute: (spec: RunSpec) => Promise<RunResult>,
  note: (text: string) => void,
  signal: AbortSignal,
): Promise<string> {
  const folder = warmupFolder(plan, base);
  await mkdir(dirname(folder), { recursive: true });
  const lock = await lockWhenFree(`${folder}.lock`, note, signal);
  try {
    const found = existing(folder);
    if (found) {
      note(`${plan.name}: every run starts from the warm-up checkpoint ${found}`);
      return found;
    }
    const [first] = plan.points();
    const spec = runSpecOf(plan, { point: first, repeat: 0, runId: 'warmup' }, { ...context, outDir: folder });
    spec.machine.checkpoint = { ...spec.machine.checkpoint, dir: folder, stopAfter: true };
    note(`${plan.name}: warm-up run to the first checkpoint (${spec.runDir})`);
    const result = await execute(spec);
    const taken = existing(folder);
    if (result.exitCause !== 'checkpoint' || !taken)
      throw new EnvironmentError(
        `${plan.file}: the warm-up run ended without a checkpoint (${result.status}, ${result.exitCause}${result.error ? `: ${result.error}` : ''}); ` +
          'the guest must reach gem5\'s m5 checkpoint, or checkpoint.atTicks, before it ends. Its folder: ' + spec.runDir,
        'warmup-failed',
      );
    note(`${plan.name}: warm-up checkpoint ${taken}`);
    return taken;
  } finally {
    await lock.release();
  }
}
