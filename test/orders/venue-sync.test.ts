import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { reportsFromVenue } from '../../src/orders/venue-sync.ts';
import type { VenueOrderState } from '../../src/ports/index.ts';

const AAPL = makeInstrument('AAPL', 'sim');
const ours = {
  clientOrderId: 'A1', status: 'pending_replace' as const, filledQty: 5, avgFillPrice: 100, execIds: new Set(['e1']),
  request: { symbol: 'AAPL', side: 'buy' as const, type: 'limit' as const, limitPrice: 100, qty: 10 },
};
const venue = (over: Partial<VenueOrderState>): VenueOrderState => ({
  clientOrderId: 'A1', venueOrderId: 'V1', request: { ...ours.request, qty: 5 }, status: 'filled', filledQty: 5, avgFillPrice: 100, createdAt: 0, updatedAt: 0, ...over,
});

describe('reportsFromVenue', () => {
  it('a venue order closed as filled below our quantity ends ours (nothing more will fill)', () => {
    const reps = reportsFromVenue(ours, venue({}), [], AAPL, 1);
    expect(reps).toEqual([expect.objectContaining({ kind: 'canceled', reason: expect.stringMatching(/filled at 5 of 10/) })]);
  });

  it('books a fill the executions never told us about before closing it', () => {
    const reps = reportsFromVenue(ours, venue({ filledQty: 7, avgFillPrice: 100 }), [], AAPL, 1);
    expect(reps.map((r) => r.kind)).toEqual(['fill', 'canceled']);
    expect(reps[0]).toMatchObject({ qty: 2, price: 100 });
  });

  it('a venue fill that completes our quantity needs no cancel', () => {
    const reps = reportsFromVenue({ ...ours, status: 'partially_filled' }, venue({ filledQty: 10, request: ours.request }), [], AAPL, 1);
    expect(reps.map((r) => r.kind)).toEqual(['fill']);
  });
});
