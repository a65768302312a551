/**
 * Day P&L, one rule for the live console (model.ts) and a replay of its recording
 * (replay-source.ts), so both show the same number at the same point: equity now less the equity
 * right after the trading day's first market event. Days are the daily-loss limit's
 * (risk/daily-loss.ts dayKey on tradingDayCalendarOf: New York dates when any instrument is a US
 * equity, else UTC dates). That first event's equity is also what the limit takes as the day's
 * start when it checks right after that bar (test/console/day-pnl.test.ts holds all three together).
 */
import type { Instrument } from '../domain/instrument.ts';
import { dayKey } from '../risk/daily-loss.ts';

const HOUR_MS = 3_600_000;

export interface DayStart {
  readonly key: string;
  readonly equity: number;
}

/** Follows market events in engine-time order and keeps the current trading day's starting equity. */
export class DayTracker {
  private start: DayStart | null = null;
  /** The UTC hour the day was last checked in: both calendars' days turn on whole UTC hours. */
  private hour = Number.NaN;

  constructor(readonly calendar: Instrument['calendar']) {}

  /**
   * A market event at `ts` has been applied; `book` reads the equity it left (asked only when the
   * hour turns: the engine's hot path pays a division per event). True when it started a new day.
   */
  onMarket(ts: number, book: { equity(): number }): boolean {
    const hour = Math.floor(ts / HOUR_MS);
    if (hour === this.hour) return false;
    this.hour = hour;
    const key = dayKey(ts, this.calendar);
    if (this.start !== null && this.start.key === key) return false;
    this.start = { key, equity: book.equity() };
    return true;
  }

  dayStart(): DayStart | null {
    return this.start;
  }

  /** 0 before the first market event. */
  pnl(equity: number): number {
    return this.start === null ? 0 : equity - this.start.equity;
  }
}
