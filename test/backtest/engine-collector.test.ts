/** The collector on the real engine: a tiny venue that fills market orders at the next bar's open. */
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import type { ExecutionClient, PullFeed, ReportSink, SubmitCommand, VenueCapabilities } from '../../src/ports/index.ts';
import type { Bar, MarketEvent } from '../../src/domain/market.ts';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { BacktestCollector } from '../../src/backtest/collector.ts';
import { summarize } from '../../src/backtest/metrics.ts';

const CAPS: VenueCapabilities = {
  orderTypes: ['market'], timeInForce: ['day', 'gtc'], replace: false, reduceOnly: true, shorting: true,
  clientOrderId: { maxLength: 32, pattern: /^[A-Za-z0-9]+$/ }, simulated: true,
};

class NextOpenVenue implements ExecutionClient {
  readonly venue = 'test';
  readonly capabilities = CAPS;
  private sink: ReportSink = () => {};
  private pending: SubmitCommand[] = [];
  private seq = 0;
  connect(sink: ReportSink): void { this.sink = sink; }
  submit(cmd: SubmitCommand): void { this.pending.push(cmd); }
  cancel(): void {}
  replace(): void {}
  disconnect(): void {}
  onMarketData(ev: MarketEvent): void {
    if (ev.kind !== 'bar') return;
    const due = this.pending.filter((c) => c.request.symbol === ev.symbol);
    this.pending = this.pending.filter((c) => c.request.symbol !== ev.symbol);
    for (const c of due) {
      this.sink({ kind: 'accepted', clientOrderId: c.clientOrderId, venueOrderId: `V${++this.seq}`, ts: ev.ts });
      this.sink({ kind: 'fill', clientOrderId: c.clientOrderId, execId: `X${this.seq}`, qty: c.request.qty, price: ev.open, fee: 1, liquidity: 'taker', ts: ev.ts });
    }
  }
}

class ArrayFeed implements PullFeed {
  readonly kind = 'pull';
  private i = 0;
  constructor(private readonly events: readonly MarketEvent[]) {}
  get size(): number { return this.events.length; }
  peekTime(): number { return this.i < this.events.length ? this.events[this.i]!.ts : Number.POSITIVE_INFINITY; }
  next(): MarketEvent { return this.events[this.i++]!; }
}

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 2);
const bar = (i: number, open: number, close: number): Bar => ({ kind: 'bar', symbol: 'AAPL', ts: T0 + i * DAY, open, high: Math.max(open, close), low: Math.min(open, close), close, volume: 1 });

describe('BacktestCollector on the engine', () => {
  it('records equity after each bar, exposure, fills, orders and one round trip', () => {
    const inst = makeInstrument('AAPL', 'test');
    const bars = [bar(0, 100, 100), bar(1, 101, 102), bar(2, 103, 104), bar(3, 105, 106), bar(4, 107, 108)];
    const collector = new BacktestCollector();
    const engine = new Engine({
      instruments: { get: (s) => (s === 'AAPL' ? inst : undefined), all: () => [inst] },
      execution: new NextOpenVenue(),
      strategy: {
        name: 't', params: {},
        handlers: {
          onBar(b, ctx) {
            if (b.ts === T0) ctx.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 });
            if (b.ts === T0 + 2 * DAY) ctx.submit({ symbol: 'AAPL', side: 'sell', type: 'market', qty: 10 });
          },
        },
      },
      account: { currency: 'USD', cash: 10_000, type: 'cash', leverage: 1, perpLeverage: 3, fxRates: {} },
      observers: [collector],
    });
    engine.addFeed(new ArrayFeed(bars));
    engine.runToEnd();

    // Bought 10 at 101 (fee 1) on bar 1, sold 10 at 105 (fee 1) on bar 3.
    expect([...collector.equity()]).toEqual([10_000, 10_000 - 1010 - 1 + 1020, 10_000 - 1010 - 1 + 1040, 10_038, 10_038]);
    expect(collector.exposureBars()).toBe(2);
    expect(collector.fills().map((f) => [f.side, f.price])).toEqual([['buy', 101], ['sell', 105]]);
    expect(collector.orders().map((o) => o.status)).toEqual(['filled', 'filled']);

    const s = summarize({ ...collector.result(), startCash: 10_000, intervalMs: DAY, calendar: 'us_equity' });
    expect(s.trades).toBe(1);
    expect(s.winRate).toBe(1);
    expect(s.fees).toBe(2);
    expect(s.finalEquity).toBe(10_038);
    expect(s.exposure).toBe(0.4);
    expect(s.bars).toBe(5);
  });

  it('samples equity once per timestamp with several symbols: the equity after every symbol of that time', () => {
    const syms = ['AAPL', 'MSFT', 'IBM'];
    const insts = syms.map((x) => makeInstrument(x, 'test'));
    const at = (i: number, sym: string, px: number): Bar => ({ kind: 'bar', symbol: sym, ts: T0 + i * DAY, open: px, high: px, low: px, close: px, volume: 1 });
    // Every day each symbol's price moves; all three are held from day 1 on.
    const events: Bar[] = [];
    for (let i = 0; i < 6; i++) syms.forEach((x, k) => events.push(at(i, x, 100 + 10 * k + i * (k + 1))));
    const collector = new BacktestCollector();
    const seen: number[] = []; // equity an observer reads after the last symbol of each day
    const engine = new Engine({
      instruments: { get: (x) => insts.find((i) => i.symbol === x), all: () => insts },
      execution: new NextOpenVenue(),
      strategy: { name: 't', params: {}, handlers: { onBar(b, ctx) { if (b.ts === T0) ctx.submit({ symbol: b.symbol, side: 'buy', type: 'market', qty: 1 }); } } },
      account: { currency: 'USD', cash: 10_000, type: 'cash', leverage: 1, perpLeverage: 3, fxRates: {} },
      observers: [collector, { onMarket: (ev, e) => { if (ev.symbol === 'IBM') seen.push(e.portfolio.equity()); } }],
    });
    // Count the collector's reads of equity (the observer above reads it too, once a day).
    const portfolio = engine.portfolio;
    const equity = portfolio.equity.bind(portfolio);
    let reads = 0;
    portfolio.equity = () => { reads++; return equity(); };
    engine.addFeed(new ArrayFeed(events));
    engine.runToEnd();

    expect(collector.length).toBe(6);
    expect([...collector.equity()]).toEqual(seen);
    expect(seen[5]).toBe(10_000 - 3 * 1 + (105 + 120 + 135) - (101 + 112 + 123)); // fills at day 1's open, fee 1 each
    // Six samples, one read each, plus the one at stop and the observer's six: not one per event (18).
    expect(reads - seen.length).toBeLessThanOrEqual(7);
  });
});
