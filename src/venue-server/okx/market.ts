/** The bars the fake has played, per instrument: candles, tickers and the mark price come from them. */
import type { Bar } from '../../domain/market.ts';
import { s } from './shapes.ts';

const MAX_BARS_KEPT = 10_000;
const DAY_MS = 86_400_000;

export class MarketTape {
  private readonly bars = new Map<string, Bar[]>();

  /** Keep a bar played now; a bar older than the instrument's last one is a caller's mistake. */
  record(b: Bar): void {
    const list = this.bars.get(b.symbol) ?? [];
    const last = list[list.length - 1];
    if (last !== undefined && b.ts < last.ts) throw new Error(`bar for ${b.symbol} at ${new Date(b.ts).toISOString()} is older than the last one played`);
    list.push(b);
    if (list.length > MAX_BARS_KEPT) list.splice(0, list.length - MAX_BARS_KEPT);
    this.bars.set(b.symbol, list);
  }

  played(instId: string): readonly Bar[] {
    return this.bars.get(instId) ?? [];
  }

  /** OKX's ticker from the last bar and the day before it (no order book: bid = ask = last). */
  ticker(instId: string, instType: string) {
    const bars = this.played(instId);
    const last = bars[bars.length - 1];
    if (last === undefined) return null;
    const day = bars.filter((b) => b.ts > last.ts - DAY_MS);
    const open24h = day[0]?.open ?? last.open;
    const vol = day.reduce((a, b) => a + b.volume, 0);
    return {
      instType, instId, last: s(last.close), lastSz: '0', askPx: s(last.close), askSz: '1', bidPx: s(last.close), bidSz: '1', open24h: s(open24h),
      high24h: s(Math.max(...day.map((b) => b.high))), low24h: s(Math.min(...day.map((b) => b.low))), volCcy24h: s(vol * last.close), vol24h: s(vol),
      sodUtc0: s(open24h), sodUtc8: s(open24h), ts: String(last.ts),
    };
  }
}

/** One OKX candle row: [ts, o, h, l, c, vol, volCcy, volCcyQuote, confirm]. */
export const candleRow = (b: Bar, confirm: boolean): string[] =>
  [String(b.ts), s(b.open), s(b.high), s(b.low), s(b.close), s(b.volume), s(b.volume * b.close), s(b.volume * b.close), confirm ? '1' : '0'];
