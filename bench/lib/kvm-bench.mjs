// Shared by the KVM benches: machines built by the product's own pipeline
// (YAML -> plan -> RunSpec), the bare C baseline, and plain-text tables.
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { planExperiment } from '../../dist/config/load-experiment.js';
import { plannedRuns, runSpecOf } from '../../dist/sweep/runs.js';
import { nativeCore } from '../../dist/native/addon.js';

const root = new URL('../..', import.meta.url).pathname;

export function requireKvm() {
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
  } catch {
    console.log('skipped: /dev/kvm is not usable on this host (see tools/nested-kvm to run it in a nested VM)');
    process.exit(0);
  }
}

/** The MachineSpec the product would build for this experiment YAML (its first run), console discarded. */
export function machineFor(yaml) {
  const plan = planExperiment(join(root, 'bench/inline.yaml'), yaml);
  const [run] = plannedRuns(plan);
  const spec = runSpecOf(plan, run, { outDir: tmpdir(), kvmDevice: '/dev/kvm', counterFor: () => 'none' });
  return { ...spec.machine, consolePath: '' };
}

/** Runs a machine in this process through the native core. */
export function runOurs(yaml) {
  const result = nativeCore().runMachine(machineFor(yaml));
  if (!result.ok) throw new Error(`${result.exitCause}: ${result.error}`);
  return result;
}

let bareBinary;
/** bench/baseline/kvm-bare.c, compiled once per bench run. */
export function runBare(kind, count) {
  if (!bareBinary) {
    bareBinary = join(mkdtempSync(join(tmpdir(), 'kx-bare-')), 'kvm-bare');
    execFileSync('gcc', ['-O2', '-o', bareBinary, join(root, 'bench/baseline/kvm-bare.c')]);
  }
  const [, exits, writes, seconds] = execFileSync(bareBinary, [kind, String(count)], { encoding: 'utf8' }).trim().split(' ');
  return { exits: Number(exits), writes: Number(writes), seconds: Number(seconds) };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function printTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const row of rows) console.log(row.map((cell, i) => String(cell).padEnd(widths[i])).join('  '));
}

export const us = (seconds) => (seconds * 1e6).toFixed(2);
