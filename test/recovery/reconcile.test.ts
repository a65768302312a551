import { describe, expect, it } from 'vitest';
import { ReconcileService } from '../../src/ops/reconcile.ts';
import { diffBooks, DEFAULT_TOLERANCES } from '../../src/ops/reconcile-diff.ts';
import { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { ManualScheduler } from '../../src/ports/scheduler.ts';
import { ACCOUNT, INSTRUMENTS, Link, ScriptVenue, T0, bar, start } from '../orders/helpers.ts';

const LMT = (id: string, qty: number, px: number) => ({ clientOrderId: id, status: 'accepted' as const, request: { symbol: 'AAPL', side: 'buy' as const, type: 'limit' as const, limitPrice: px, qty }, filledQty: 0, flagged: null, lotSize: 1 });
const VLMT = (id: string, qty: number, px: number, filled = 0) => ({ clientOrderId: id, venueOrderId: 'V', request: { symbol: 'AAPL', side: 'buy' as const, type: 'limit' as const, limitPrice: px, qty }, status: 'accepted' as const, filledQty: filled, avgFillPrice: 0, createdAt: 0, updatedAt: 0 });

describe('reconciliation diff', () => {
  const none = () => false;
  it('names every kind of difference', () => {
    const diffs = diffBooks(
      {
        orders: [LMT('a', 10, 100), LMT('b', 10, 100), LMT('c', 10, 100)],
        positions: [{ symbol: 'AAPL', qty: 10, avgPrice: 100, lotSize: 1 }, { symbol: 'MSFT', qty: 5, avgPrice: 50, lotSize: 1 }],
        cash: { USD: 1000 }, isKnownFinished: none,
      },
      {
        orders: [VLMT('b', 12, 100), VLMT('c', 10, 101), VLMT('x', 1, 90)],
        positions: [{ symbol: 'AAPL', qty: 10, avgPrice: 110 }, { symbol: 'TSLA', qty: 2, avgPrice: 200 }],
        cash: { USD: 1010 }, equity: 5000,
      },
    );
    expect(diffs.map((d) => `${d.kind}:${d.key}`).sort()).toEqual([
      'cash_difference:cash:USD', 'extra:order:x', 'extra:pos:TSLA', 'missing:order:a', 'missing:pos:MSFT',
      'price_mismatch:order-px:c', 'price_mismatch:pos-px:AAPL', 'quantity_mismatch:order-qty:b',
    ]);
  });

  it('stays quiet within the default tolerances', () => {
    const diffs = diffBooks(
      { orders: [], positions: [{ symbol: 'AAPL', qty: 10, avgPrice: 100.05, lotSize: 1 }], cash: { USD: 1000.5 }, isKnownFinished: none },
      { orders: [], positions: [{ symbol: 'AAPL', qty: 10, avgPrice: 100 }], cash: { USD: 1000 }, equity: 5000 },
      DEFAULT_TOLERANCES,
    );
    expect(diffs).toEqual([]);
  });
});

describe('reconciliation service', () => {
  it('against the simulated venue after normal trading: no differences', async () => {
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const h = await start(new Link(sim));
    h.market(bar(0, 100));
    await h.step(() => { h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 7 }); h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, qty: 3 }); });
    h.market(bar(1, 101));
    await h.step();
    const r = await new ReconcileService(h.engine).reconcileNow();
    expect(r.diffs).toEqual([]);
    await h.finish();
  });

  it('a diff confirmed by its re-check pauses new signals until the operator resolves it', async () => {
    const venue = new ScriptVenue();
    const h = await start(venue);
    venue.positions = [{ symbol: 'AAPL', qty: 5, avgPrice: 100 }]; // the venue holds something we do not
    const sched = new ManualScheduler(0);
    const rec = new ReconcileService(h.engine, { recheckMs: 10_000, scheduler: sched });
    h.engine.addObserver(rec);
    const r1 = await rec.reconcileNow();
    expect(r1.diffs.map((d) => d.kind)).toEqual(['extra']);
    expect(r1.recheckAt).toBe(10_000);
    expect(h.engine.tradingState().status).toBe('active'); // one sighting is not alarming
    await sched.advance(5_000);
    expect((await rec.reconcileNow()).halted).toBe(false); // too early to count as the re-check
    await sched.advance(6_000); // the re-check at 10 s finds it unchanged
    expect(rec.last()!.reason).toBe('recheck');
    expect(rec.last()!.halted).toBe(true);
    expect(h.engine.tradingState().status).toBe('paused');
    // Paused: a new entry is denied (an order in the denied state, with the reason).
    let id = '';
    await h.step(() => { id = h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 }); });
    expect(h.engine.orders.get(id)!.status).toBe('denied');
    expect(h.engine.orders.get(id)!.reason).toMatch(/reconciliation/);
    rec.resolve();
    expect(h.engine.tradingState().status).toBe('active');
    await sched.advance(20_000);
    expect((await rec.reconcileNow()).diffs).toEqual([]); // acknowledged as it stands
    await h.finish();
  });

  it('order activity between the sightings does not restart the count (it used to, forever)', async () => {
    const venue = new ScriptVenue();
    const h = await start(venue);
    venue.positions = [{ symbol: 'AAPL', qty: 5, avgPrice: 100 }];
    const sched = new ManualScheduler(0);
    const rec = new ReconcileService(h.engine, { recheckMs: 10_000, scheduler: sched });
    h.engine.addObserver(rec);
    await rec.reconcileNow();
    await sched.advance(5_000);
    // An order acknowledged (no longer in flight): activity, but nothing that explains 5 AAPL.
    await h.step(() => { const id = h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, qty: 1 }); venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'V1', ts: T0 }); });
    await h.step();
    await sched.advance(6_000);
    expect(rec.last()!.halted).toBe(true);
    await h.finish();
  });
});
