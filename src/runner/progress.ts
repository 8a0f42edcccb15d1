// Progress of a sweep: on a terminal, one line redrawn in place with counts
// by status and an ETA; otherwise one plain line per finished run, which
// reads well in CI logs and Slurm output files.
import type { RunStatus } from '../types.js';

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export class Progress {
  private done = 0;
  private readonly counts: Record<RunStatus, number> = { ok: 0, failed: 0, timeout: 0, crashed: 0 };
  private readonly started = Date.now();

  constructor(
    private readonly out: ProgressStream,
    private readonly total: number,
    private readonly label: string,
    private readonly quiet = false,
  ) {}

  finished(runId: string, status: RunStatus, exitCause: string): void {
    this.done++;
    this.counts[status]++;
    if (this.quiet) return;
    const elapsed = (Date.now() - this.started) / 1000;
    const eta = (elapsed / this.done) * (this.total - this.done);
    const tally = (Object.keys(this.counts) as RunStatus[]).map((s) => `${s} ${this.counts[s]}`).join(', ');
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round((this.done / this.total) * width);
      const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
      this.out.write(`\r\x1b[2K${this.label} ${bar} ${this.done}/${this.total}  ${tally}  ETA ${clock(eta)}`);
      if (this.done === this.total) this.out.write('\n');
    } else {
      this.out.write(`${this.label} ${this.done}/${this.total} ${runId} ${status}${status === 'ok' ? '' : ` (${exitCause})`}\n`);
    }
  }

  tally(): Record<RunStatus, number> {
    return { ...this.counts };
  }
}
