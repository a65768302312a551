/**
 * The archives that grow with a run's orders keep them in chunked columns, the simulated venue's
 * ids as numbers: what goes in comes back the same, across chunk boundaries and for ids of any shape.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OrderArchive, type ArchivedOrder } from '../../src/orders/order-archive.ts';
import { ORDER_STATES } from '../../src/orders/fsm.ts';
import { EndedOrders, ExecutionLog } from '../../src/venues/sim/archive.ts';
import type { Instrument } from '../../src/domain/instrument.ts';

const venueId = fc.oneof(fc.constant(null), fc.nat(1e9).map((n) => `S${n}`), fc.constantFrom('S01', 'S', 'S-1', 'V-7', ''), fc.string({ maxLength: 6 }));
const execs = fc.oneof(fc.constant(null), fc.tuple(fc.nat(1e9), fc.nat(50)).map(([a, b]) => `S${a}-${b}`), fc.constantFrom('S01-1', 'S1-01', 'X-1'),
  fc.uniqueArray(fc.string({ maxLength: 5 }), { minLength: 2, maxLength: 3 }).map((a) => new Set(a)));
const status = fc.constantFrom(...ORDER_STATES);
const order = (i: number): fc.Arbitrary<ArchivedOrder> => fc.record({
  clientOrderId: fc.constant(`id${i}`),
  request: fc.constant({ symbol: 'A', side: 'buy' as const, type: 'market' as const, qty: i + 1 }),
  venueOrderId: venueId, status, returnTo: fc.option(status), filledQty: fc.double(), avgFillPrice: fc.double(), fees: fc.double(),
  createdAt: fc.integer(), updatedAt: fc.integer(), reason: fc.option(fc.string()), flagged: fc.option(fc.string()), external: fc.boolean(), leftAlone: fc.boolean(),
  filledLots: fc.nat(), fillTickLots: fc.nat(), lastVenueSeq: fc.integer(), lastStatusTs: fc.integer(), seq: fc.constant(i), execs,
});

describe('packed archives', () => {
  it('the order archive gives back every order as put, past chunk boundaries', () => {
    const a = new OrderArchive();
    const all: ArchivedOrder[] = [];
    const n = 40_000;
    for (let i = 0; i < n; i++) {
      const o = fc.sample(order(i), { numRuns: 1, seed: i })[0]!;
      a.put(o);
      all.push(o);
    }
    for (const i of [0, 1, 16_383, 16_384, 16_385, 39_999]) expect(a.get(`id${i}`)).toEqual(all[i]);
    expect([...a.all()]).toEqual(all);
    const v = a.view('id7')!;
    expect(v).toMatchObject({ venueOrderId: all[7]!.venueOrderId, reason: all[7]!.reason, flagged: all[7]!.flagged, status: all[7]!.status });
    expect(a.take('id5')).toEqual(all[5]);
    expect(a.has('id5')).toBe(false);
    a.put({ ...all[5]!, status: 'filled' });
    expect(a.get('id5')).toEqual({ ...all[5]!, status: 'filled' });
  });

  it('the venue keeps ended orders and executions the same way', () => {
    const inst = { symbol: 'A' } as Instrument;
    const ended = new EndedOrders();
    const log = new ExecutionLog();
    for (let i = 0; i < 20_000; i++) {
      ended.add({ clientOrderId: `c${i}`, seq: i, inst, request: { symbol: 'A', side: 'sell', type: 'market', qty: 1 }, filledLots: i * 3, submitTs: i, updatedTs: i + 1, fillValue: i * 0.5, fillQty: i / 7 }, i % 2 === 0 ? 'filled' : 'canceled');
      log.add(`c${i}`, i, 1, 'A', i % 3 === 0, i / 3, 100 + i, 0.01 * i, 1000 + i);
    }
    expect(ended.get('c16390')).toMatchObject({ seq: 16_390, filledLots: 49_170, submitTs: 16_390, updatedTs: 16_391, fillValue: 8195, fillQty: 16_390 / 7, life: 'filled' });
    expect(ended.lifeOf('c16391')).toBe('canceled');
    const since = log.since(1000 + 16_383);
    expect(since.length).toBe(20_000 - 16_383);
    expect(since[0]).toEqual({ clientOrderId: 'c16383', execId: 'S16383-1', symbol: 'A', side: 'buy', qty: 16_383 / 3, price: 100 + 16_383, fee: 0.01 * 16_383, ts: 1000 + 16_383 });
  });
});

describe('requests in columns', () => {
  it('gives back each request equal to the one put, keys in the same order', async () => {
    const { RequestColumns } = await import('../../src/orders/request-columns.ts');
    const value = fc.oneof(fc.string({ maxLength: 4 }), fc.boolean(), fc.double(), fc.constant(-0), fc.constant(undefined), fc.constant({ x: 1 }));
    const request = fc.dictionary(fc.constantFrom('symbol', 'side', 'type', 'qty', 'limitPrice', 'stopPrice', 'tif', 'tag', 'reduceOnly', '__proto_x'), value, { maxKeys: 7 });
    fc.assert(fc.property(fc.array(request, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (reqs, maxShapes) => {
      const cols = new RequestColumns(maxShapes);
      reqs.forEach((r, i) => cols.set(i * 7000, r as never));
      reqs.forEach((r, i) => {
        const got = cols.get(i * 7000) as unknown as Record<string, unknown>;
        expect(Object.keys(got)).toEqual(Object.keys(r));
        for (const k of Object.keys(r)) expect(Object.is(got[k], r[k]) || got[k] === r[k]).toBe(true);
      });
    }));
  });

  it('a request that differs from the last one only in a fixed value or a key order gets its own shape', async () => {
    const { RequestColumns } = await import('../../src/orders/request-columns.ts');
    const cols = new RequestColumns();
    const reqs: Record<string, unknown>[] = [
      { symbol: 'A', side: 'buy', type: 'market', qty: 1 },
      { symbol: 'A', side: 'sell', type: 'market', qty: 2 },
      { symbol: 'A', type: 'market', side: 'sell', qty: 3 },
      { symbol: 'A', side: 'sell', type: 'market', qty: 'x' },
      { symbol: 'A', side: 'sell', type: 'market' },
      { symbol: 'A', side: 'sell', type: 'market', qty: 4, tag: 't' },
      { symbol: 'A', side: 'sell', type: 'market', qty: 5 },
    ];
    reqs.forEach((r, i) => cols.set(i, r as never));
    reqs.forEach((r, i) => {
      const got = cols.get(i) as unknown as Record<string, unknown>;
      expect(Object.keys(got)).toEqual(Object.keys(r));
      expect(got).toEqual(r);
    });
  });

  it('the archives keep no request object per order', () => {
    const arch = new OrderArchive();
    const base = fc.sample(order(0), { numRuns: 1, seed: 1 })[0]!;
    const a = { symbol: 'A', side: 'buy' as const, type: 'limit' as const, limitPrice: 10.5, qty: 0.1 };
    arch.put({ ...base, clientOrderId: 'x', request: a });
    expect(arch.get('x')!.request).toEqual(a);
    expect(arch.get('x')!.request).not.toBe(a);
  });
});

describe('32-bit integer columns', () => {
  it('give back any number exactly, as written or as a delta', async () => {
    const { ChunkedI32 } = await import('../../src/util/columns.ts');
    const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(-0, 0, -2147483648, 2147483647, 2 ** 31, 1e12 + 0.5, Number.NaN));
    fc.assert(fc.property(fc.array(fc.tuple(num, num), { maxLength: 80 }), (pairs) => {
      const a = new ChunkedI32();
      const d = new ChunkedI32();
      pairs.forEach(([v, base], i) => { a.set(i * 5000, v); d.setDelta(i * 5000, v, base); });
      pairs.forEach(([v, base], i) => {
        expect(Object.is(a.get(i * 5000), v)).toBe(true);
        expect(Object.is(d.getDelta(i * 5000, base), v)).toBe(true);
      });
      // Writing a slot again replaces it.
      if (pairs.length > 0) { a.set(0, 7); expect(a.get(0)).toBe(7); a.set(0, 0.5); expect(a.get(0)).toBe(0.5); }
    }));
  });
});
