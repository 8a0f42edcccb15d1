// Checkpoints against the memory a guest touched and against the disk, in
// one run: native/guests/mem-touch fills N MiB of a 1 GiB guest and asks for
// gem5's m5 checkpoint; the checkpoint's size (every part, manifest aside)
// is compared with N MiB (aim: at most 1.1x, since only pages that are not
// all zero are kept), and the time the core took to write it, and to restore
// it into a fresh machine, with writing (and fsync'ing) and reading the same
// number of bytes as one plain file in the same folder. The restored guest
// checks every word it wrote, so a run that restores wrongly fails the bench.
// Knobs: BENCH_MIB (comma-separated sizes, 16,64,256), BENCH_ROUNDS (3).
import { closeSync, fsyncSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median, printTable, requireKvm, runOurs } from './lib/kvm-bench.mjs';

requireKvm();
const SIZES = (process.env.BENCH_MIB ?? '16,64,256').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const MiB = 1 << 20;

function checkpointBytes(dir) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  return manifest.parts.reduce((sum, part) => sum + statSync(join(dir, part.file)).size, 0);
}

/** Seconds to write `bytes` to a new file and fsync it, and to read it back, in 8 MiB pieces. */
function plainFile(dir, bytes) {
  const path = join(dir, 'plain.bin');
  const chunk = Buffer.alloc(8 * MiB, 0x5a);
  let start = process.hrtime.bigint();
  const out = openSync(path, 'w');
  for (let left = bytes; left > 0; left -= chunk.length) writeSync(out, chunk, 0, Math.min(left, chunk.length));
  fsyncSync(out);
  closeSync(out);
  const write = Number(process.hrtime.bigint() - start) / 1e9;
  start = process.hrtime.bigint();
  const input = openSync(path, 'r');
  while (readSync(input, chunk, 0, chunk.length, null) > 0);
  closeSync(input);
  const read = Number(process.hrtime.bigint() - start) / 1e9;
  rmSync(path);
  return { write, read };
}

const rows = [['touched MiB', 'checkpoint MB', 'size/touched', 'save s', 'plain write s', 'save/write', 'restore s', 'plain read s', 'restore/read']];
for (const mib of SIZES) {
  const save = [], restore = [], write = [], read = [];
  let size = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const guest = `program: mem-touch, args: { mib: ${mib} }, memory: 1GiB`;
    const taken = runOurs(`name: bench\nguest: { ${guest} }\n`);
    if (taken.checkpoints.length !== 1) throw new Error(`mem-touch ${mib}: ${taken.checkpoints.length} checkpoints`);
    const [cpt] = taken.checkpoints;
    size = checkpointBytes(cpt);
    save.push(taken.checkpointSeconds);
    const restored = runOurs(`name: bench\nguest: { ${guest}, restore: ${cpt} }\n`);
    restore.push(restored.restoreSeconds);
    const plain = plainFile(mkdtempSync(join(tmpdir(), 'kx-plain-')), size);
    write.push(plain.write);
    read.push(plain.read);
    rmSync(cpt, { recursive: true });
  }
  const [s, r, w, p] = [median(save), median(restore), median(write), median(read)];
  rows.push([mib, (size / 1e6).toFixed(1), (size / (mib * MiB)).toFixed(3), s.toFixed(3), w.toFixed(3), (s / w).toFixed(2), r.toFixed(3), p.toFixed(3), (r / p).toFixed(2)]);
}
console.log(`checkpoint: a 1 GiB guest that touched N MiB, median of ${ROUNDS} rounds (the plain file is the same size, in the same temporary folder)`);
printTable(rows);
