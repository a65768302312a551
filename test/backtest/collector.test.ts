import { describe, expect, it } from 'vitest';
import { BacktestCollector, type CollectedEngine } from '../../src/backtest/collector.ts';
import type { Bar } from '../../src/domain/market.ts';
import type { Fill } from '../../src/domain/fill.ts';
import type { LogEntry } from '../../src/engine/engine.ts';
import type { OrderEvent, OrderView } from '../../src/orders/order.ts';
import { recordedHandle } from '../../src/orders/order.ts';
import type { OrderStatus } from '../../src/orders/fsm.ts';

/** A stand-in for the engine: equity and positions are set by the test; reads are counted. */
class FakeEngine implements CollectedEngine {
  eq = 100;
  time = Number.NEGATIVE_INFINITY;
  reads = 0;
  readonly positions = new Map<string, number>();
  readonly portfolio = {
    settings: { cash: 100 },
    equity: (): number => { this.reads++; return this.eq; },
    lots: (s: string): number => this.positions.get(s) ?? 0,
  };
  now(): number { return this.time; }
}

const bar = (symbol: string, ts: number): Bar => ({ kind: 'bar', symbol, ts, open: 1, high: 1, low: 1, close: 1, volume: 1 });
const fill = (symbol: string, side: 'buy' | 'sell', ts: number): Fill => ({
  clientOrderId: 'C1', execId: `E${ts}${side}`, symbol, side, qty: 10, price: 10, fee: 1, liquidity: 'taker', ts,
});

/** Feed one market event the way the engine does: time moves, then observers see it. */
function market(c: BacktestCollector, e: FakeEngine, symbol: string, ts: number): void {
  e.time = Math.max(e.time, ts);
  c.onMarket(bar(symbol, ts), e);
}

describe('BacktestCollector', () => {
  it('samples once per timestamp, after all its events, and reads equity only when it can have changed', () => {
    const e = new FakeEngine();
    const c = new BacktestCollector();
    market(c, e, 'A', 1000);
    market(c, e, 'B', 1000); // flat, no fill: equity is cash, not read again
    expect(e.reads).toBe(1);

    // A buy fills at 2000 (fee 1), then both symbols' bars of 2000 move the mark.
    e.time = 2000;
    e.positions.set('A', 10);
    e.eq = 99;
    c.onFill(fill('A', 'buy', 2000), e);
    market(c, e, 'A', 2000);
    e.eq = 98;
    market(c, e, 'B', 2000); // the last event of 2000 wins

    e.time = 3000;
    e.positions.set('A', 0);
    e.eq = 105;
    c.onFill(fill('A', 'sell', 3000), e);
    market(c, e, 'A', 3000);
    const readsBefore = e.reads;
    market(c, e, 'A', 4000); // flat again: no read
    expect(e.reads).toBe(readsBefore);

    c.onStop(e);
    expect(c.length).toBe(4);
    expect([...c.timestamps()]).toEqual([1000, 2000, 3000, 4000]);
    expect([...c.equity()]).toEqual([100, 98, 105, 105]);
    expect(c.exposureBars()).toBe(1);
    expect(c.exposedAt(1)).toBe(true);
    expect(c.exposedAt(2)).toBe(false);
    expect(c.fills()).toHaveLength(2);
    expect(c.startCash).toBe(100);
  });

  it('onStop adds a sample when reports moved time past the last bar, and reads final equity', () => {
    const e = new FakeEngine();
    const c = new BacktestCollector();
    market(c, e, 'A', 1000);
    e.time = 1500;
    e.eq = 97;
    c.onFill(fill('A', 'buy', 1500), e);
    c.onStop(e);
    expect([...c.timestamps()]).toEqual([1000, 1500]);
    expect([...c.equity()]).toEqual([100, 97]);
    c.onStop(e); // idempotent
    expect(c.length).toBe(2);
  });

  it('an empty run stays empty', () => {
    const c = new BacktestCollector();
    c.onStop(new FakeEngine());
    expect(c.length).toBe(0);
    expect(c.result().length).toBe(0);
  });

  it('a late event joins the current sample; arrays grow past their capacity', () => {
    const e = new FakeEngine();
    const c = new BacktestCollector({ capacity: 16 });
    for (let i = 1; i <= 1000; i++) market(c, e, 'A', i * 60_000);
    market(c, e, 'A', 500 * 60_000); // older than the current timestamp
    c.onStop(e);
    expect(c.length).toBe(1000);
    const ts = c.timestamps();
    for (let i = 1; i < ts.length; i++) expect(ts[i]!).toBeGreaterThan(ts[i - 1]!);
  });

  it('keeps the final state of each order in creation order', () => {
    const c = new BacktestCollector();
    const view = (id: string, status: OrderStatus): OrderView => ({
      clientOrderId: id, venueOrderId: null, request: { symbol: 'A', side: 'buy', type: 'market', qty: 1 }, status,
      filledQty: status === 'filled' ? 1 : 0, avgFillPrice: 0, fees: 0, createdAt: 0, updatedAt: 0, reason: null, flagged: null, external: false, leftAlone: false,
    });
    const ev = (id: string, from: OrderStatus, to: OrderStatus): OrderEvent => ({ clientOrderId: id, kind: 'accept', from, to, ts: 0, order: view(id, to), handle: recordedHandle(view(id, to)) });
    c.onOrderEvent(ev('P1', 'initialized', 'submitted'));
    c.onOrderEvent(ev('P2', 'initialized', 'submitted'));
    c.onOrderEvent(ev('P1', 'submitted', 'accepted'));
    c.onOrderEvent(ev('P2', 'submitted', 'canceled'));
    c.onOrderEvent(ev('P1', 'accepted', 'filled'));
    expect(c.orders().map((o) => [o.clientOrderId, o.status])).toEqual([['P1', 'filled'], ['P2', 'canceled']]);
  });

  it('keeps only warn/error log entries, the newest maxLogs of them', () => {
    const c = new BacktestCollector({ maxLogs: 3 });
    const log = (level: LogEntry['level'], message: string): void => c.onLog({ ts: 0, level, source: 't', message });
    log('info', 'i');
    log('debug', 'd');
    for (let i = 1; i <= 5; i++) log(i % 2 === 0 ? 'error' : 'warn', `m${i}`);
    expect(c.problems().map((x) => x.message)).toEqual(['m3', 'm4', 'm5']);
    expect(c.logsDropped).toBe(2);
  });
});
