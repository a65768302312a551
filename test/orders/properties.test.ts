/**
 * Property tests over random venue report sequences, with duplicates and reorderings, through the
 * real engine (order book, FSM, ledger): terminal states absorb, filled never exceeds the order
 * quantity unless flagged, the position equals the sum of distinct fills, no client id is sent twice.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.ts';
import type { ExecutionReport, PullFeed } from '../../src/ports/index.ts';
import { isTerminal } from '../../src/orders/fsm.ts';
import type { OrderEvent } from '../../src/orders/order.ts';
import { ACCOUNT, INSTRUMENTS, ScriptVenue, T0 } from './helpers.ts';

const EMPTY: PullFeed = { kind: 'pull', peekTime: () => Number.POSITIVE_INFINITY, next: () => { throw new Error('empty'); } };

type Step =
  | { t: 'report'; order: number; rep: 'accepted' | 'canceled' | 'expired' | 'rejected' | 'cancel_rejected'; seq: number }
  | { t: 'fill'; order: number; exec: number; qty: number }
  | { t: 'cancel'; order: number }
  | { t: 'replace'; order: number; qty: number };

const stepArb = (orders: number): fc.Arbitrary<Step> => fc.oneof(
  fc.record({ t: fc.constant('report' as const), order: fc.nat(orders - 1), rep: fc.constantFrom('accepted', 'canceled', 'expired', 'rejected', 'cancel_rejected') as fc.Arbitrary<'accepted'>, seq: fc.nat(20) }),
  fc.record({ t: fc.constant('fill' as const), order: fc.nat(orders - 1), exec: fc.nat(6), qty: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ t: fc.constant('cancel' as const), order: fc.nat(orders - 1) }),
  fc.record({ t: fc.constant('replace' as const), order: fc.nat(orders - 1), qty: fc.integer({ min: 1, max: 20 }) }),
);

describe('order handling properties', () => {
  it('terminal states absorb, fills never exceed the order unflagged, position = sum of distinct fills, ids sent once', () => {
    let runsWithFills = 0;
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(fc.constant(n), fc.array(fc.integer({ min: 1, max: 12 }), { minLength: n, maxLength: n }), fc.array(stepArb(n), { maxLength: 40 }), fc.array(fc.nat(39), { maxLength: 10 }))),
      ([n, qtys, steps, dupIdx]) => {
        const venue = new ScriptVenue();
        const events: OrderEvent[] = [];
        const fills: { execId: string; qty: number }[] = [];
        const engine = new Engine({
          instruments: INSTRUMENTS, execution: venue, account: { ...ACCOUNT, type: 'margin', leverage: 100 },
          strategy: { name: 'p', handlers: { onOrderEvent: (e) => { events.push(e); }, onFill: (f) => { fills.push({ execId: f.execId, qty: f.qty }); } }, params: {} },
        });
        engine.addFeed(EMPTY);
        const ids: string[] = [];
        // Duplicates: some steps are delivered twice (a reordered copy at the end).
        const stream = [...steps, ...dupIdx.filter((i) => i < steps.length).map((i) => steps[i]!)];
        engine.schedule(T0, () => {
          for (let k = 0; k < n; k++) ids.push(engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: qtys[k]! }));
        });
        let ts = T0 + 1;
        for (const s of stream) {
          const at = ts++;
          engine.schedule(at, () => {
            const id = ids[s.order]!;
            if (s.t === 'cancel') { engine.cancel(id); return; }
            if (s.t === 'replace') { engine.replace(id, { qty: s.qty }); return; }
            let rep: ExecutionReport;
            if (s.t === 'fill') rep = { kind: 'fill', clientOrderId: id, execId: `${id}-${s.exec}`, qty: s.qty, price: 100, fee: 0, liquidity: 'taker', ts: at };
            else if (s.rep === 'accepted') rep = { kind: 'accepted', clientOrderId: id, venueOrderId: `V${s.order}`, ts: at, venueSeq: s.seq };
            else if (s.rep === 'rejected' || s.rep === 'cancel_rejected') rep = { kind: s.rep, clientOrderId: id, reason: 'x', ts: at, venueSeq: s.seq };
            else rep = { kind: s.rep, clientOrderId: id, ts: at, venueSeq: s.seq };
            venue.emit(rep);
          });
        }
        engine.runToEnd();

        // No client id sent twice.
        expect(new Set(venue.sent.map((c) => c.clientOrderId)).size).toBe(venue.sent.length);
        // Terminal states absorb: once terminal, every later state of that order is terminal.
        const term = new Set<string>();
        for (const e of events) {
          if (term.has(e.clientOrderId)) expect(isTerminal(e.to)).toBe(true);
          if (isTerminal(e.to)) term.add(e.clientOrderId);
        }
        // Filled never exceeds the order quantity, unless flagged as an overfill.
        let expected = 0;
        for (const id of ids) {
          const o = engine.orders.get(id)!;
          if (o.filledQty > o.request.qty) expect(o.flagged).not.toBeNull();
          expected += o.filledQty;
        }
        // Position = sum of the fills booked, each execution id booked once.
        expect(engine.portfolio.qty('AAPL')).toBe(expected);
        expect(engine.portfolio.qty('AAPL')).toBe(fills.reduce((a, f) => a + f.qty, 0));
        expect(new Set(fills.map((f) => f.execId)).size).toBe(fills.length);
        const distinct = new Map<string, number>();
        for (const s of stream) if (s.t === 'fill') {
          const key = `${ids[s.order]}-${s.exec}`;
          if (!distinct.has(key)) distinct.set(key, s.qty);
        }
        // Every distinct execution was booked exactly once: the booked executions are the distinct
        // ones (a late fill on a canceled or expired order is still money that moved).
        let booked = 0;
        for (const id of ids) booked += engine.orders.get(id)!.execIds.size;
        expect(booked).toBe(distinct.size);
        expect(ids.flatMap((id) => [...engine.orders.get(id)!.execIds]).sort()).toEqual([...distinct.keys()].sort());
        if (distinct.size > 0) runsWithFills++;
      },
    ), { numRuns: 300 });
    expect(runsWithFills).toBeGreaterThan(100); // the equality above was exercised
  });
});
