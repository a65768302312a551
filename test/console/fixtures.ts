/** Snapshots for pane and hotkey tests: a static source the test can change. */
import type { ConsoleSnapshot, SnapshotSource } from '../../src/console/model.ts';
import type { OpsView } from '../../src/ops/view.ts';
import { EMPTY_OPS } from '../../src/ops/view.ts';
import type { OrderView } from '../../src/orders/order.ts';

export const T = Date.UTC(2024, 2, 4, 12, 0);

export function order(id: string, over: Partial<OrderView> = {}): OrderView {
  return {
    clientOrderId: id, venueOrderId: 'V1', request: { symbol: 'BTC-USD', side: 'buy', type: 'limit', limitPrice: 60000, qty: 0.5 },
    status: 'accepted', filledQty: 0, avgFillPrice: 0, fees: 0, createdAt: T - 90_000, updatedAt: T - 90_000, reason: null, flagged: null, external: false, leftAlone: false, ...over,
  };
}

export function snapshot(over: Partial<ConsoleSnapshot> = {}, ops: Partial<OpsView> = {}): ConsoleSnapshot {
  return {
    seq: 1,
    info: { mode: 'paper', venue: 'sim', account: 'paper', strategy: 'sma-cross', session: 's1', sessionDir: '/tmp/s1', pace: '300x', inProcessVenue: true },
    wallTime: Date.now(), engineTime: T, running: true, ended: null, currency: 'USD',
    equity: 101_234.5, dayPnl: 1234.5, realized: 200, fees: 3,
    connection: { state: 'in-process', heartbeatAgeMs: null, detail: '' },
    trading: { status: 'active', reason: 'start', since: T },
    ops: { ...EMPTY_OPS, ...ops },
    orders: [
      order('sma1', {}),
      order('sma2', { status: 'denied', reason: 'trading is paused (kill switch)', request: { symbol: 'BTC-USD', side: 'buy', type: 'market', qty: 1 } }),
      order('sma3', { status: 'rejected', reason: 'insufficient buying power' }),
    ],
    openOrders: 1,
    positions: [{ symbol: 'BTC-USD', qty: 1.5, avgPrice: 60000, lastPrice: 61000, unrealizedPnl: 1500, realizedPnl: -20, fees: 1, funding: 0, markPrice: 0, liquidationPrice: null, leverage: null, marginMode: null }],
    events: Array.from({ length: 60 }, (_, i) => ({ seq: i + 1, ts: T + i * 60_000, kind: i % 7 === 0 ? 'fill' as const : 'order' as const, text: `event number ${i + 1}` })),
    eventsTotal: 60,
    equitySeries: [100000, 100500, 100200, 101000, 101234.5],
    eventsProcessed: 1000,
    ...over,
  };
}

export class StaticSource implements SnapshotSource {
  private readonly ls = new Set<() => void>();
  constructor(public snap: ConsoleSnapshot) {}
  get(): ConsoleSnapshot { return this.snap; }
  subscribe(l: () => void): () => void { this.ls.add(l); return () => this.ls.delete(l); }
  set(s: ConsoleSnapshot): void { this.snap = s; for (const l of this.ls) l(); }
}

export const tick = (ms = 30): Promise<void> => new Promise((r) => setTimeout(r, ms));
