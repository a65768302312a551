/**
 * Max daily loss: once equity has fallen more than `maxLoss` below what it was at the start of the
 * trading day, new signals are paused (exits still flow) until the operator resumes. A new day does
 * not lift the pause by itself: a limit that quietly resets overnight is how losses compound.
 *
 * Checked when it can matter and nowhere else: before an order that adds exposure is created and
 * after every fill. So a backtest without the limit pays nothing and one with it pays nothing per bar.
 * "Day" is the UTC date, or the New York date for US equities (calendar-aware).
 */
import type { Instrument } from '../domain/instrument.ts';
import { nyLocal } from '../domain/market-hours.ts';

export interface DailyLossState {
  readonly key: string;
  readonly startEquity: number;
}

/** The trading-day key of an engine time for a calendar: the New York date for US equities. */
export function dayKey(ts: number, calendar: Instrument['calendar']): string {
  return calendar === 'us_equity' ? nyLocal(ts).date : new Date(ts).toISOString().slice(0, 10);
}

/**
 * The calendar whose days a session counts (the loss limit, the console's and replay's day P&L):
 * New York days when any instrument is a US equity, else UTC days.
 */
export function tradingDayCalendarOf(instruments: readonly Pick<Instrument, 'calendar'>[]): Instrument['calendar'] {
  return instruments.some((i) => i.calendar === 'us_equity') ? 'us_equity' : '24x7';
}

export class DailyLossGuard {
  private day: DailyLossState | null = null;

  constructor(readonly maxLoss: number, private readonly calendar: Instrument['calendar'] = '24x7') {
    if (!(maxLoss > 0)) throw new Error(`maxDailyLoss must be > 0, got ${maxLoss}`);
  }

  state(): DailyLossState | null {
    return this.day;
  }

  /** After a restart: the day and its starting equity as persisted. */
  restore(s: DailyLossState | null): void {
    this.day = s;
  }

  /** Null while within the limit, else the reason to pause. Rolls the day when it changed. */
  check(now: number, equity: number): string | null {
    if (!Number.isFinite(now)) return null;
    const key = dayKey(now, this.calendar);
    if (this.day === null || this.day.key !== key) this.day = { key, startEquity: equity };
    const loss = this.day.startEquity - equity;
    if (loss > this.maxLoss) {
      return `daily loss ${loss.toFixed(2)} exceeds the max daily loss ${this.maxLoss} (equity ${equity.toFixed(2)}, day start ${this.day.startEquity.toFixed(2)} on ${key})`;
    }
    return null;
  }
}
