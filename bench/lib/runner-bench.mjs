// Shared by the runner benches: which worker this host can use (the real one
// with a real short guest where /dev/kvm is usable, the test stand-in
// elsewhere), scratch folders, and the wall time of a whole CLI command.
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

const root = new URL('../..', import.meta.url).pathname;
const CLI = join(root, 'dist/cli/main.js');
const STAND_IN_WORKER = join(root, 'test/support/stand-in-worker.mjs');

function kvmUsable() {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The worker and guest to measure with: the real worker runs hello, which
 * exits at once; `standInArgs` (guest.args) tell the stand-in what to fake
 * (none: it, too, answers at once).
 */
export function backend(standInArgs = {}) {
  if (kvmUsable()) return { label: 'real worker, guest hello (/dev/kvm usable)', standIn: false, env: {}, guest: '{ program: hello }' };
  const args = Object.entries(standInArgs).map(([name, value]) => `${name}: ${value}`);
  return {
    label: `stand-in worker (no usable /dev/kvm)${args.length ? `, ${args.join(', ')}` : ''}`,
    standIn: true,
    env: { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER },
    guest: `{ program: hello, args: { ${args.join(', ')} } }`,
  };
}

/** A folder holding e.yaml, removed when the bench exits (results of thousands of runs add up). */
export function experimentDir(yaml) {
  const dir = mkdtempSync(join(tmpdir(), 'kx-bench-'));
  writeFileSync(join(dir, 'e.yaml'), yaml);
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let outputs = 0;
/** Wall seconds of `run-experiments run e.yaml --quiet ARGS` into a fresh --out; throws unless every run succeeded. */
export async function timeRun(dir, args, env) {
  const out = `out${++outputs}`;
  const start = performance.now();
  const run = await execa(process.execPath, [CLI, 'run', 'e.yaml', '--quiet', '-o', out, ...args], { cwd: dir, env, reject: false, all: true });
  const seconds = (performance.now() - start) / 1000;
  if (run.exitCode !== 0) throw new Error(`run-experiments ${args.join(' ')} exited with ${run.exitCode}:\n${run.all}`);
  return seconds;
}

export const ms = (seconds) => (seconds * 1e3).toFixed(1);
