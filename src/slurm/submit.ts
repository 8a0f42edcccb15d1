// Submits the array script, then the merge script with a dependency on it
// (afterok: the merge starts only if every array task exited 0).
import { execa } from 'execa';
import { EnvironmentError } from '../errors.js';
import { shellQuote } from './scripts.js';

/** Runs `sbatch ARGS...` and returns its stdout; throws on failure. Injectable for tests. */
export type Sbatch = (args: string[]) => Promise<string>;

export interface Submitted {
  arrayJobId: string;
  mergeJobId: string;
}

/** `sbatch --parsable` prints "jobid" or "jobid;cluster". */
export function parseJobId(stdout: string): string {
  const first = stdout.trim().split('\n').pop() ?? '';
  const id = first.split(';')[0].trim();
  if (!/^\d+$/.test(id)) throw new EnvironmentError(`sbatch printed no job id (output: ${JSON.stringify(stdout.trim())})`, 'sbatch-output');
  return id;
}

export function realSbatch(options: { env: NodeJS.ProcessEnv; cwd: string; signal?: AbortSignal }): Sbatch {
  return async (args) => {
    try {
      const r = await execa('sbatch', args, {
        env: options.env,
        cwd: options.cwd,
        cancelSignal: options.signal,
        stdin: 'ignore',
      });
      return r.stdout;
    } catch (err) {
      const e = err as { code?: string; stderr?: string; shortMessage?: string };
      if (e.code === 'ENOENT') {
        throw new EnvironmentError('sbatch not found on PATH: --submit needs the Slurm client commands (or submit the written scripts yourself)', 'no-sbatch');
      }
      const detail = (e.stderr ?? '').trim() || e.shortMessage || String(err);
      throw new EnvironmentError(`sbatch ${args.join(' ')} failed: ${detail}`, 'sbatch-failed');
    }
  };
}

export async function submitJobs(scripts: { array: string; merge: string }, sbatch: Sbatch): Promise<Submitted> {
  const arrayJobId = parseJobId(await sbatch(['--parsable', scripts.array]));
  let mergeJobId: string;
  try {
    mergeJobId = parseJobId(await sbatch(['--parsable', `--dependency=afterok:${arrayJobId}`, scripts.merge]));
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new EnvironmentError(
      `array job ${arrayJobId} was submitted, but submitting the merge job failed: ${message}\n` +
        `Submit it yourself: sbatch --dependency=afterok:${arrayJobId} ${shellQuote(scripts.merge)}  (or scancel ${arrayJobId})`,
      'sbatch-failed',
    );
  }
  return { arrayJobId, mergeJobId };
}
