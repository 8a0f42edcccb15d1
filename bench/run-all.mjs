// `npm run bench`: every bench in this folder, one after another (they
// measure wall time, so never two at once), each in its own process. Exits
// non-zero if any bench failed; the others still run.
import { readdirSync } from 'node:fs';
import { basename } from 'node:path';
import { execa } from 'execa';

const here = new URL('.', import.meta.url).pathname;
const self = basename(new URL(import.meta.url).pathname);
const benches = readdirSync(here)
  .filter((name) => name.endsWith('.mjs') && name !== self)
  .sort();

const failed = [];
for (const bench of benches) {
  console.log(`\n== ${bench}`);
  const run = await execa(process.execPath, [bench], { cwd: here, stdio: 'inherit', reject: false });
  if (run.exitCode !== 0) failed.push(`${bench} (exit ${run.exitCode ?? run.signal})`);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
