// A throwaway single-node Slurm for tests: munged (shared, started once as
// user munge), and a slurmctld + slurmd pair with their own slurm.conf, state,
// spool, pid and log files in a temporary folder and their own free ports, so
// that two test runs on one machine do not collide. Needs root and Debian's
// slurm-wlm + munge (.ci/run-slurm-setup.sh installs them).
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';

const DAEMONS = ['slurmctld', 'slurmd', 'munged', 'munge', 'sbatch', 'scontrol', 'sinfo'] as const;
const SBIN_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];

function which(cmd: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SBIN_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, cmd);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Why a real Slurm cannot be started here, or undefined when it can be tried. */
export function slurmUnavailableReason(): string | undefined {
  const missing = DAEMONS.filter((d) => !which(d));
  if (missing.length > 0) {
    return `Slurm/munge not installed (missing: ${missing.join(', ')}); run .ci/run-slurm-setup.sh`;
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'a local Slurm test cluster needs root (munged set-up, SlurmUser=root)';
  }
  return undefined;
}

export interface JobRecord {
  jobId: string;
  /** "12_0" for array task 0 of array job 12; equal to jobId otherwise. */
  taskId: string;
  state: string;
  reason: string;
  exitCode: string;
  startTime?: Date;
  endTime?: Date;
  fields: Record<string, string>;
}

export interface SlurmCluster {
  dir: string;
  conf: string;
  nodeName: string;
  /** Environment for client commands (sbatch, squeue, ...): process.env plus SLURM_CONF (also set in process.env until stop()). */
  env: NodeJS.ProcessEnv;
  /** Polls `scontrol show job` until every record of the job (all array tasks) is terminal. */
  waitForJob(jobId: string, timeoutMs?: number): Promise<JobRecord[]>;
  /** Log files of the daemons, for failure messages. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

const TERMINAL = new Set([
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMEOUT',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'PREEMPTED',
  'BOOT_FAIL',
  'DEADLINE',
]);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function mungeWorks(): Promise<boolean> {
  const r = await execa('munge', ['-n'], { reject: false, stdin: 'ignore' });
  return r.exitCode === 0;
}

/** munged is machine-wide: started once, left running for later runs (it is cheap and shared). */
async function ensureMunge(): Promise<void> {
  if (await mungeWorks()) return;
  await mkdir('/run/munge', { recursive: true });
  if (!existsSync('/etc/munge/munge.key')) {
    await mkdir('/etc/munge', { recursive: true });
    const mungekey = which('mungekey');
    if (mungekey) await execa(mungekey, ['--create']);
    else await execa(which('create-munge-key') ?? 'create-munge-key', ['-f']);
  }
  const { stdout: uid } = await execa('id', ['-u', 'munge']);
  const { stdout: gid } = await execa('id', ['-g', 'munge']);
  for (const dir of ['/etc/munge', '/var/lib/munge', '/var/log/munge', '/run/munge']) {
    await mkdir(dir, { recursive: true });
    await chown(dir, Number(uid), Number(gid));
  }
  await chown('/etc/munge/munge.key', Number(uid), Number(gid));
  await execa('runuser', ['-u', 'munge', '--', which('munged') ?? 'munged']);
  for (let i = 0; i < 50; i++) {
    if (await mungeWorks()) return;
    await sleep(100);
  }
  throw new Error('munged started but `munge -n` still fails');
}

function slurmConf(o: {
  dir: string;
  nodeName: string;
  ctldPort: number;
  slurmdPort: number;
  cpus: number;
  memoryMB: number;
}): string {
  const d = o.dir;
  return `# Throwaway single-node Slurm for kvm-experiments tests.
ClusterName=rexp-test
SlurmctldHost=${o.nodeName}(127.0.0.1)
SlurmctldPort=${o.ctldPort}
SlurmdPort=${o.slurmdPort}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MailProg=/bin/true
MinJobAge=600
InactiveLimit=0
KillWait=5
SlurmctldTimeout=30
SlurmdTimeout=60
StateSaveLocation=${d}/state
SlurmdSpoolDir=${d}/spool
SlurmctldPidFile=${d}/slurmctld.pid
SlurmdPidFile=${d}/slurmd.pid
SlurmctldLogFile=${d}/slurmctld.log
SlurmdLogFile=${d}/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=${o.nodeName} NodeAddr=127.0.0.1 CPUs=${o.cpus} RealMemory=${o.memoryMB} State=UNKNOWN
PartitionName=debug Nodes=${o.nodeName} Default=YES MaxTime=INFINITE State=UP
`;
}

/** Parses `scontrol -o show job` output: one record per line, Key=Value pairs. */
export function parseJobRecords(text: string): JobRecord[] {
  const records: JobRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const fields: Record<string, string> = {};
    // Values never contain " Key=" sequences except Command/WorkDir paths with spaces; good enough for tests.
    for (const m of line.matchAll(/(\S+?)=(.*?)(?=\s+\S+?=|$)/g)) fields[m[1]] = m[2];
    const time = (v: string | undefined) => (v && v !== 'Unknown' && v !== 'None' ? new Date(v) : undefined);
    const jobId = fields.ArrayJobId ?? fields.JobId;
    records.push({
      jobId,
      taskId: fields.ArrayTaskId !== undefined ? `${jobId}_${fields.ArrayTaskId}` : fields.JobId,
      state: fields.JobState ?? 'UNKNOWN',
      reason: fields.Reason ?? '',
      exitCode: fields.ExitCode ?? '',
      startTime: time(fields.StartTime),
      endTime: time(fields.EndTime),
      fields,
    });
  }
  return records;
}

export async function startSlurmCluster(options: { readyTimeoutMs?: number } = {}): Promise<SlurmCluster> {
  const reason = slurmUnavailableReason();
  if (reason) throw new Error(reason);
  await ensureMunge();

  const dir = await mkdtemp(path.join(os.tmpdir(), 'rexp-slurm-'));
  for (const sub of ['state', 'spool']) await mkdir(path.join(dir, sub));
  const nodeName = (await execa('hostname', ['-s'])).stdout.trim();
  const conf = path.join(dir, 'slurm.conf');
  const totalMB = Math.floor(os.totalmem() / (1024 * 1024));
  await writeFile(
    conf,
    slurmConf({
      dir,
      nodeName,
      ctldPort: await freePort(),
      slurmdPort: await freePort(),
      cpus: os.cpus().length,
      memoryMB: Math.max(1, totalMB - Math.min(1024, Math.floor(totalMB / 10))),
    }),
  );
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: conf };

  const logs = async () => {
    const parts: string[] = [];
    for (const name of ['slurmctld.log', 'slurmd.log']) {
      const text = await readFile(path.join(dir, name), 'utf8').catch(() => '(none)');
      parts.push(`--- ${name} (last lines)\n${text.split('\n').slice(-25).join('\n')}`);
    }
    return parts.join('\n');
  };

  const killByPidFile = async (file: string) => {
    const pid = Number((await readFile(path.join(dir, file), 'utf8').catch(() => '')).trim());
    if (!pid) return;
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      return;
    }
    for (let i = 0; i < 50; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await sleep(100);
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  };

  // If the test process dies without stop(), do not leave the daemons behind.
  const killOnExit = () => {
    for (const file of ['slurmd.pid', 'slurmctld.pid']) {
      try {
        process.kill(Number(readFileSync(path.join(dir, file), 'utf8').trim()), 'SIGTERM');
      } catch {
        /* not started or already gone */
      }
    }
  };
  process.once('exit', killOnExit);

  const previousConf = process.env.SLURM_CONF;
  const stop = async () => {
    process.off('exit', killOnExit);
    await killByPidFile('slurmd.pid');
    await killByPidFile('slurmctld.pid');
    if (previousConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = previousConf;
    if (!process.env.KEEP_SLURM_TEST_DIR) await rm(dir, { recursive: true, force: true });
  };

  try {
    // -i: ignore state left by an earlier cluster (there is none: the folder is new).
    await execa(which('slurmctld')!, ['-f', conf, '-i'], { env });
    await execa(which('slurmd')!, ['-f', conf], { env });
    // Client commands (sbatch, squeue, scontrol) find this cluster through SLURM_CONF; stop() restores it.
    process.env.SLURM_CONF = conf;
    const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
    let last = '';
    for (;;) {
      const r = await execa('sinfo', ['-h', '-N', '-o', '%N %T'], { env, reject: false });
      last = `${r.stdout}${r.stderr}`.trim();
      if (r.exitCode === 0 && /\sidle$/m.test(last)) break;
      if (Date.now() > deadline) {
        const why = await execa('sinfo', ['-R'], { env, reject: false });
        throw new Error(`Slurm node not idle within the timeout; sinfo says: ${last}\n${why.stdout}${why.stderr}`);
      }
      await sleep(250);
    }
  } catch (err) {
    const text = await logs();
    await stop();
    throw new Error(`${(err as Error).message}\n${text}`);
  }

  const waitForJob = async (jobId: string, timeoutMs = 120_000): Promise<JobRecord[]> => {
    const deadline = Date.now() + timeoutMs;
    let records: JobRecord[] = [];
    for (;;) {
      const r = await execa('scontrol', ['-o', 'show', 'job', jobId], { env, reject: false });
      if (r.exitCode === 0) {
        records = parseJobRecords(r.stdout);
        const settled = records.every(
          (rec) => TERMINAL.has(rec.state) || (rec.state === 'PENDING' && rec.reason === 'DependencyNeverSatisfied'),
        );
        if (records.length > 0 && settled) return records;
      } else if (/Invalid job id/i.test(r.stderr)) {
        throw new Error(`job ${jobId} is unknown to slurmctld (${r.stderr.trim()})`);
      }
      if (Date.now() > deadline) {
        const states = records.map((rec) => `${rec.taskId}=${rec.state}(${rec.reason})`).join(' ');
        throw new Error(`job ${jobId} not finished within ${timeoutMs} ms: ${states}\n${await logs()}`);
      }
      await sleep(250);
    }
  };

  return { dir, conf, nodeName, env, waitForJob, logs, stop };
}
