/**
 * A fill the venue's executions never showed (a status said "Filled": IBKR when TWS lists the order
 * as Filled but reqExecutions does not show its executions yet) is booked as a synthetic fill. When
 * the real execution arrives later under its own exec id, it must not be booked a second time: the
 * synthetic fill carries the same second identity (venue order @ cumulative quantity) as the real one.
 */
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { OrderRegistry } from '../../src/orders/registry.ts';
import { reportsFromVenue } from '../../src/orders/venue-sync.ts';
import type { ExecutionReport } from '../../src/ports/index.ts';

const AAPL = makeInstrument('AAPL', 'sim');
const request = { symbol: 'AAPL', side: 'buy' as const, type: 'limit' as const, limitPrice: 100, qty: 10, tif: 'day' as const };

describe('a synthetic fill from the venue\'s filled quantity', () => {
  it('and the real execution heard afterwards: booked once', () => {
    const reg = new OrderRegistry(() => AAPL);
    const o = reg.create('A1', request, 0);
    reg.apply(o, 'submit', 0);
    reg.applyReport({ kind: 'accepted', clientOrderId: 'A1', venueOrderId: '7', ts: 1 });
    const view = { clientOrderId: 'A1', status: o.status, request, filledQty: 0, avgFillPrice: 0, execIds: new Set<string>() };
    const reps = reportsFromVenue(view, { clientOrderId: 'A1', venueOrderId: '7', request, status: 'filled', filledQty: 10, avgFillPrice: 100, createdAt: 0, updatedAt: 0 }, [], AAPL, 2);
    const booked: number[] = [];
    for (const r of reps) { const out = reg.applyReport(r); if (out.fill !== null) booked.push(out.fill.qty); }
    expect(booked).toEqual([10]);
    const real: ExecutionReport = { kind: 'fill', clientOrderId: 'A1', execId: '0001.01', qty: 10, price: 100, fee: 1, liquidity: 'taker', ts: 3, venueOrderId: '7', venueCumQty: 10 };
    expect(reg.applyReport(real).fill).toBeNull();
    expect(reg.get('A1')?.filledQty).toBe(10);
  });
});
