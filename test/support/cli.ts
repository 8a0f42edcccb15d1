// Runs the built CLI (dist/cli/main.js) as a real child process.
import { execa, type Options } from 'execa';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');
export const STAND_IN_WORKER = join(ROOT, 'test/support/stand-in-worker.mjs');

export function cli(args: string[], options: Options = {}) {
  return execa(process.execPath, [CLI, ...args], { reject: false, all: true, ...options });
}

/** A temp folder with the given files written into it. */
export async function workspace(files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kx-test-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

/** Resolves at the first stderr output matching `pattern`; rejects if the process exits first. */
export function untilStderr(child: ReturnType<typeof cli>, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (!pattern.test(seen)) return;
      stop();
      resolve();
    };
    const onExit = () => {
      stop();
      reject(new Error(`exited before printing ${pattern}; stderr so far: ${seen}`));
    };
    const stop = () => {
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
  });
}
