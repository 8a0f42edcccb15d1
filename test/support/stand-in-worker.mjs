// A stand-in for dist/runner/worker.js, for tests and benches of the runner
// on machines without /dev/kvm. It speaks the real worker protocol (RunSpec
// on stdin, RunResult on fd 3) but fakes the run: guest.args choose what it
// does (behaviour=ok|fail|crash|hang|garbage|noisy, sleepMs=N, spinMs=N,
// count=N). spinMs busy-loops, for benches that need a run to occupy a core.
// It never pretends to be KVM: instsSource and tscSource say "stand-in".
import { writeSync, mkdirSync, writeFileSync } from 'node:fs';
import { text } from 'node:stream/consumers';

const spec = JSON.parse(await text(process.stdin));
const args = Object.fromEntries(spec.machine.args.split(' ').filter(Boolean).map((kv) => kv.split('=')));
const count = Number(args.count ?? 100);
const sleepMs = Number(args.sleepMs ?? 0);
const spinMs = Number(args.spinMs ?? 0);
mkdirSync(spec.runDir, { recursive: true });
writeFileSync(`${spec.runDir}/worker.pid`, String(process.pid));
if (sleepMs) await new Promise((r) => setTimeout(r, sleepMs));
for (const until = Date.now() + spinMs; Date.now() < until; );

const now = new Date().toISOString();
const result = {
  runId: spec.runId,
  status: 'ok',
  exitCause: 'guest-exit',
  error: '',
  stats: { simTicks: count * 1000, numIO: count + 1, numVMExits: count + 2, hostSeconds: (sleepMs + spinMs) / 1000, instsSource: 'stand-in' },
  kvm: {},
  devices: { 'pioSink.writes': count },
  measurement: { tscSource: 'stand-in' },
  startTime: now,
  endTime: now,
};

switch (args.behaviour ?? 'ok') {
  case 'fail':
    Object.assign(result, { status: 'failed', exitCause: 'shutdown', error: 'stand-in triple fault' });
    break;
  case 'crash':
    process.kill(process.pid, 'SIGKILL');
    break;
  case 'hang':
    await new Promise(() => setInterval(() => {}, 1000));
    break;
  case 'garbage':
    writeSync(3, 'this is not json');
    process.exit(0);
    break;
  case 'noisy':
    // Console noise on stdout must not reach the result channel.
    process.stdout.write('{"runId": "forged", "status": "ok"}\n');
    break;
}
writeSync(3, JSON.stringify(result));
