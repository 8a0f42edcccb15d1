// The sweep survives every way a worker can misbehave. The stand-in worker
// fakes the run itself (this host may have no /dev/kvm) but the processes,
// signals, pipes and files are all real.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { readResultsCsv } from '../../src/results/read-csv.js';
import { cli, STAND_IN_WORKER, workspace } from '../support/cli.js';

const experiment = (behaviours: string[], timeout = '20s') =>
  [
    'name: misbehave',
    'guest: { program: hello, args: { behaviour: ok } }',
    `limits: { wallTimeout: ${timeout} }`,
    'sweep:',
    `  guest.args.behaviour: [${behaviours.join(', ')}]`,
  ].join('\n');

describe('worker failures become rows', () => {
  it('records crashed, timeout, failed and garbage runs while the others finish', async () => {
    const dir = await workspace({ 'e.yaml': experiment(['ok', 'crash', 'hang', 'fail', 'garbage', 'noisy'], '1500ms') });
    const run = await cli(['run', 'e.yaml', '--out', 'out', '-j', '3', '--quiet'], { cwd: dir, env: { RUN_EXPERIMENTS_WORKER: STAND_IN_WORKER } });
    expect(run.exitCode).toBe(1); // some runs did not succeed
    const table = await readResultsCsv(join(dir, 'out/misbehave.csv'));
    const byBehaviour = Object.fromEntries(table.rows.map((r) => [r['guest.args.behaviour'], r]));
    expect(table.rows).toHaveLength(6);
    expect(byBehaviour.ok.status).toBe('ok');
    expect(byBehaviour.noisy.status).toBe('ok');
    expect(byBehaviour.noisy.numIO).toBe('101');
    expect(byBehaviour.crash).toMatchObject({ status: 'crashed', exit_cause: 'worker-signal' });
    expect(byBehaviour.crash.error).toContain('SIGKILL');
    expect(byBehaviour.hang).toMatchObject({ status: 'timeout', exit_cause: 'wall-timeout' });
    expect(byBehaviour.fail).toMatchObject({ status: 'failed', exit_cause: 'shutdown' });
    expect(byBehaviour.garbage).toMatchObject({ status: 'crashed', exit_cause: 'worker-garbage' });
    expect(byBehaviour.garbage.error).toContain('this is not json');
  });
});
