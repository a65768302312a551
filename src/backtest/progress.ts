/**
 * A one-line progress bar for long backtests, drawn on stderr so stdout stays clean for --json
 * and pipes. Redrawn at most every 100 ms (the engine reports every 65,536 events, which is
 * dozens of times a second on a fast run), and erased when the run ends. On a stream that is not
 * a terminal it does nothing: a log file must not fill with carriage returns.
 */

/** The part of a Node stream the bar uses (process.stderr fits; tests pass a fake). */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(chunk: string): boolean;
}

export interface ProgressOptions {
  /** Events expected in total, when known (the feed's size): enables percent and ETA. */
  readonly total?: number;
  /** Milliseconds between redraws; default 100 (10 per second). */
  readonly intervalMs?: number;
  /** Clock in ms; tests inject one. */
  readonly now?: () => number;
  readonly label?: string;
}

const CLEAR_LINE = '\r\x1b[2K';

export class ProgressBar {
  private readonly active: boolean;
  private total: number;
  private readonly intervalMs: number;
  private readonly now: () => number;
  private readonly label: string;
  private readonly started: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(private readonly stream: ProgressStream, opts: ProgressOptions = {}) {
    this.active = stream.isTTY === true;
    this.total = opts.total !== undefined && opts.total > 0 ? opts.total : 0;
    this.intervalMs = opts.intervalMs ?? 100;
    this.now = opts.now ?? (() => performance.now());
    this.label = opts.label ?? 'backtest';
    this.started = this.now();
  }

  /**
   * Report `done` events handled so far (and the total, when it is only known now); redraws only
   * if the last redraw is old enough.
   */
  update(done: number, total?: number): void {
    if (!this.active) return;
    if (total !== undefined && total > 0) this.total = total;
    const t = this.now();
    if (t - this.lastDraw < this.intervalMs) return;
    this.lastDraw = t;
    this.stream.write(CLEAR_LINE + this.line(done, t));
    this.drawn = true;
  }

  /** Erase the bar (call once when the run ends, before printing results). */
  done(): void {
    if (!this.active || !this.drawn) return;
    this.stream.write(CLEAR_LINE);
    this.drawn = false;
  }

  /** The text of the bar for `done` events at time `t` (exposed for tests). */
  line(done: number, t: number): string {
    const secs = Math.max(1e-9, (t - this.started) / 1000);
    const rate = done / secs;
    const rateText = `${formatCount(rate)} bars/s`;
    // Never wider than the terminal: a wrapped line cannot be erased with \r.
    const cols = Math.max(20, this.stream.columns ?? 80);
    if (this.total === 0) return `${this.label} ${formatCount(done)} bars  ${rateText}`.slice(0, cols - 1);
    const frac = Math.min(1, Math.max(0, done / this.total));
    const pct = `${(frac * 100).toFixed(1).padStart(5)}%`;
    const eta = rate > 0 ? `ETA ${formatDuration((this.total - Math.min(done, this.total)) / rate)}` : 'ETA --';
    const tail = ` ${pct}  ${rateText}  ${eta}`;
    const barWidth = Math.max(10, Math.min(40, cols - this.label.length - tail.length - 4));
    const filled = Math.round(frac * barWidth);
    return `${this.label} [${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}]${tail}`.slice(0, cols - 1);
  }
}

/** 1234567 -> "1.23M". */
export function formatCount(x: number): string {
  if (!Number.isFinite(x) || x < 0) return '0';
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)}G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)}M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)}k`;
  return String(Math.round(x));
}

/** Seconds as "42s", "3m05s" or "1h02m". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
