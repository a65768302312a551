/**
 * What each holder of a long backtest's past keeps per order, as it reports it (`bytes`: its typed
 * arrays, id storage and lookup tables): 20M bars of sma-cross make ~772k orders and fills, and
 * every byte an order costs in each of these is ~0.8 MB of the streamed run's peak RSS
 * (bench/stream.bench.ts, target < 400 MB). The orders look like a backtest's: sequential client
 * ids (client-ids.ts SequentialIds), the sim's `S<n>` ids, market requests, minute timestamps,
 * fractional quantities, prices with cents. Everything put in must also come back exactly.
 */
import { describe, expect, it } from 'vitest';
import { OrderArchive, type ArchivedOrder } from '../../src/orders/order-archive.ts';
import { SequentialIds } from '../../src/orders/client-ids.ts';
import { EndedOrders, ExecutionLog } from '../../src/venues/sim/archive.ts';
import { FillTable } from '../../src/backtest/fill-table.ts';
import { BacktestCollector } from '../../src/backtest/collector.ts';
import type { Instrument } from '../../src/domain/instrument.ts';
import type { Fill } from '../../src/domain/fill.ts';
import type { OrderEvent, OrderView } from '../../src/orders/order.ts';

const N = 6 * 16_384;
const T0 = Date.UTC(2001, 0, 1);

function run(): { ids: string[]; orders: ArchivedOrder[]; fills: Fill[] } {
  const gen = new SequentialIds('smacrossbt');
  const ids: string[] = [];
  const orders: ArchivedOrder[] = [];
  const fills: Fill[] = [];
  for (let i = 0; i < N; i++) {
    const id = gen.next();
    const ts = T0 + i * 37 * 60_000;
    const qty = Math.round((1.5 + (i % 97) * 0.013) * 1e5) / 1e5;
    const price = Math.round((60_000 + Math.sin(i) * 5_000) * 100) / 100;
    const fee = Math.round(qty * price * 0.001 * 1e6) / 1e6;
    ids.push(id);
    orders.push({
      clientOrderId: id, request: { symbol: 'BTC-USD', side: i % 2 === 0 ? 'buy' : 'sell', type: 'market', qty, tag: i % 2 === 0 ? 'entry' : 'exit' },
      venueOrderId: `S${i + 1}`, status: 'filled', returnTo: null, filledQty: qty, avgFillPrice: price, fees: fee, createdAt: ts, updatedAt: ts + 60_000,
      reason: null, flagged: null, external: false, leftAlone: false, filledLots: Math.round(qty * 1e5), fillTickLots: Math.round(qty * 1e5) * 6_000_000,
      lastVenueSeq: 3, lastStatusTs: ts + 60_000, seq: i + 1, execs: `S${i + 1}-1`,
    });
    fills.push({ clientOrderId: id, execId: `S${i + 1}-1`, symbol: 'BTC-USD', side: i % 2 === 0 ? 'buy' : 'sell', qty, price, fee, liquidity: 'taker', ts: ts + 60_000 });
  }
  return { ids, orders, fills };
}

const { ids, orders, fills } = run();
const inst = { symbol: 'BTC-USD' } as Instrument;

describe('bytes each holder keeps per order', () => {
  it('the registry archive: at most 80 B an order, every order back as put', () => {
    const a = new OrderArchive();
    for (const o of orders) a.put(o);
    expect(a.bytes / N).toBeLessThan(80);
    for (const i of [0, 1, 16_383, 16_384, N - 1]) expect(a.get(ids[i]!)).toEqual(orders[i]);
    expect([...a.all()]).toEqual(orders);
  });

  it('the sim venue ended orders: at most 56 B an order', () => {
    const e = new EndedOrders();
    orders.forEach((o, i) => e.add({ clientOrderId: o.clientOrderId, seq: i + 1, inst, request: o.request, filledLots: o.filledLots, submitTs: o.createdAt, updatedTs: o.updatedAt, fillValue: o.avgFillPrice * o.filledQty, fillQty: o.filledQty }, 'filled'));
    expect(e.bytes / N).toBeLessThan(56);
    for (const i of [0, 16_384, N - 1]) expect(e.get(ids[i]!)).toMatchObject({ clientOrderId: ids[i], seq: i + 1, submitTs: orders[i]!.createdAt, updatedTs: orders[i]!.updatedAt, request: orders[i]!.request });
  });

  it('the sim venue execution log: at most 40 B an execution', () => {
    const log = new ExecutionLog();
    fills.forEach((f, i) => log.add(f.clientOrderId, i + 1, 1, f.symbol, f.side === 'buy', f.qty, f.price, f.fee, f.ts));
    expect(log.bytes / N).toBeLessThan(40);
    expect(log.since(0).map((x) => ({ ...x, liquidity: 'taker' }))).toEqual(fills);
  });

  it('the backtest fill table: at most 40 B a fill', () => {
    const t = new FillTable();
    for (const f of fills) t.add(f);
    expect(t.bytes / N).toBeLessThan(40);
    expect(t.list()).toEqual(fills);
  });

  it('the collector (fills and order ids): at most 56 B an order', () => {
    const c = new BacktestCollector();
    const views = new Map(orders.map((o) => [o.clientOrderId, { clientOrderId: o.clientOrderId } as OrderView]));
    const registry = { viewById: (id: string) => views.get(id) };
    const engine = { portfolio: { equity: () => 1, lots: () => 0, settings: { cash: 1 } }, now: () => 0 };
    for (let i = 0; i < N; i++) {
      c.onOrderEvent({ clientOrderId: ids[i]! } as OrderEvent, { orders: registry });
      c.onFill(fills[i]!, engine);
    }
    expect(c.bytes / N).toBeLessThan(56);
    expect(c.orders().map((v) => v.clientOrderId)).toEqual(ids);
  });
});
