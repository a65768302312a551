/**
 * The market the venue replays: bars from files, played at `speed` times the pace of their
 * timestamps. The clock starts when the first client subscribes to market data (so a console that
 * connects a moment late misses nothing), and a restarted venue resumes after the last bar it
 * played. Before it starts, venue time stands just before the first bar still to come.
 */
import type { Bar } from '../domain/market.ts';

export class Replay {
  private next = 0;
  private wallStart: number | null = null;
  private dataStart: number;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    private readonly bars: readonly Bar[],
    private readonly speed: number,
    /** Data time of the last bar already played (a restarted venue), or null. */
    playedUntil: number | null,
    private readonly onBar: (bar: Bar) => void,
    private readonly wallNow: () => number = Date.now,
  ) {
    if (!(speed > 0) || !Number.isFinite(speed)) throw new Error(`replay speed must be a positive number, got ${speed}`);
    if (playedUntil !== null) while (this.next < bars.length && bars[this.next]!.ts <= playedUntil) this.next++;
    const first = bars[this.next];
    this.dataStart = playedUntil ?? (first !== undefined ? first.ts - 1 : 0);
  }

  get started(): boolean {
    return this.wallStart !== null;
  }

  get remaining(): number {
    return this.bars.length - this.next;
  }

  /** Start the clock (idempotent). */
  start(): void {
    if (this.wallStart !== null || this.stopped) return;
    this.wallStart = this.wallNow();
    this.pump();
  }

  now(): number {
    if (this.wallStart === null) return this.dataStart;
    return this.dataStart + (this.wallNow() - this.wallStart) * this.speed;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private pump(): void {
    this.timer = null;
    if (this.stopped) return;
    const now = this.now();
    while (this.next < this.bars.length && this.bars[this.next]!.ts <= now) this.onBar(this.bars[this.next++]!);
    const b = this.bars[this.next];
    if (b === undefined) return;
    const wait = Math.max(0, Math.min(60_000, (b.ts - this.now()) / this.speed));
    this.timer = setTimeout(() => this.pump(), wait);
  }
}
