// --resume onto a CSV that is not a results file (binary garbage, say) once
// replaced it without a backup. Now --resume refuses it in one line naming
// the file, and leaves it byte for byte as it was.
import { describe, expect, it } from 'vitest';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cli, STAND_IN_WORKER, workspace } from '../support/cli.js';
import { seededRandom } from '../support/prng.js';

const env = { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER };

function randomBytes(seed: number, length: number, keepNewlines: boolean): Buffer {
  const random = seededRandom(seed);
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    const byte = Math.floor(random() * 256);
    bytes[i] = keepNewlines || byte !== 0x0a ? byte : 0x20;
  }
  return bytes;
}

const foreign: [string, Buffer, RegExp][] = [
  ['binary garbage', randomBytes(1, 4096, true), /^(\S+e\.csv): not a valid CSV: .*; --resume leaves it untouched: move it away or choose another --out$/],
  // With no newline it could pass for a header cut short by a kill, which resume starts over; it is no prefix of ours.
  ['binary garbage without a newline', randomBytes(2, 4096, false), /^(\S+e\.csv):1: not a results file: its first line is not a results header; --resume/],
  ['a CSV of something else', Buffer.from('name,value\nfoo,1\n'), /^(\S+e\.csv):1: no run_id column: not a results file; --resume/],
  [
    'a CSV with a run_id column but other first columns',
    Buffer.from('run_id,experiment,point\nabc,e,0\n'),
    /^(\S+e\.csv):1: not a results file: its first columns are "run_id,experiment,point", not "experiment,run_id,point,repeat,status,exit_cause,error"; --resume/,
  ],
];

describe('--resume refuses a file that is not a results file, and leaves it untouched', () => {
  for (const [what, content, message] of foreign) {
    it(what, async () => {
      const dir = await workspace({ 'e.yaml': 'name: e\nguest: { program: hello }\nrepeat: 2\n' });
      await mkdir(join(dir, 'out'));
      await writeFile(join(dir, 'out/e.csv'), content);
      const run = await cli(['run', 'e.yaml', '-o', 'out', '--resume', '--quiet'], { cwd: dir, env });
      expect(run.exitCode).toBe(2);
      const lines = String(run.stderr).split('\n').filter((line) => !line.startsWith('note: '));
      expect(lines).toEqual([expect.stringMatching(message)]);
      expect(message.exec(lines[0])![1]).toBe(join(dir, 'out/e.csv'));
      expect((await readFile(join(dir, 'out/e.csv'))).equals(content)).toBe(true);
      // Nothing else was made or moved: no run folder, no generation, no lock left behind.
      expect(await readdir(join(dir, 'out'))).toEqual(['e.csv']);
    });
  }
});
