// The real worker (dist/runner/worker.js) on real KVM, with one MMIO exit
// too many added to its result on the way out: what a device model or an
// exit path that double-counted one write would report. The witness column
// must catch it, and compare must refuse the row.
import { spawnSync } from 'node:child_process';
import { writeSync } from 'node:fs';
import { text } from 'node:stream/consumers';
import { fileURLToPath } from 'node:url';

const REAL_WORKER = fileURLToPath(new URL('../../dist/runner/worker.js', import.meta.url));
const RESULT_FD = 3;

const real = spawnSync(process.execPath, [REAL_WORKER], { input: await text(process.stdin), stdio: ['pipe', 'inherit', 'inherit', 'pipe'] });
const result = JSON.parse(String(real.output[RESULT_FD]));
result.stats.numMMIO += 1;
writeSync(RESULT_FD, JSON.stringify(result));
