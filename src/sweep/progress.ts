/**
 * The sweep's progress line on stderr: runs done of the total, runs a second, time left. Drawn
 * only on a terminal, at most every 100 ms, and erased at the end (stdout stays for the table or
 * the JSON).
 */
import { formatDuration } from '../backtest/index.ts';

export interface ProgressSink {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): boolean;
}

const CLEAR = '\r\x1b[2K';

export class SweepProgress {
  private readonly active: boolean;
  private last = Number.NEGATIVE_INFINITY;
  private drawn = false;
  private readonly started: number;

  constructor(private readonly out: ProgressSink, private readonly now: () => number = () => performance.now()) {
    this.active = out.isTTY === true;
    this.started = now();
  }

  update(done: number, total: number): void {
    if (!this.active) return;
    const t = this.now();
    if (done < total && t - this.last < 100) return;
    this.last = t;
    this.out.write(CLEAR + this.line(done, total, t));
    this.drawn = true;
  }

  done(): void {
    if (this.active && this.drawn) this.out.write(CLEAR);
    this.drawn = false;
  }

  line(done: number, total: number, t: number): string {
    const secs = Math.max(1e-9, (t - this.started) / 1000);
    const rate = done / secs;
    const frac = total > 0 ? Math.min(1, done / total) : 0;
    const tail = ` ${done}/${total}  ${rate.toFixed(1)} runs/s  ETA ${done > 0 ? formatDuration((total - done) / rate) : '--'}`;
    const cols = Math.max(20, this.out.columns ?? 80);
    const width = Math.max(10, Math.min(40, cols - 'sweep []'.length - tail.length - 1));
    const filled = Math.round(frac * width);
    return `sweep [${'#'.repeat(filled)}${'-'.repeat(width - filled)}]${tail}`.slice(0, cols - 1);
  }
}
