/**
 * Reconciliation that holds: a difference is re-checked a few seconds after it is first seen, a
 * confirmed one pauses new signals through the 'reconcile' hold within 30 s of the first sighting,
 * unrelated order traffic never resets it, and the operator's "accept venue state" repairs our books
 * from the venue. Time is a ManualScheduler: nothing here waits on the wall clock.
 */
import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { InstrumentRegistry } from '../../src/domain/instrument-registry.ts';
import { ManualScheduler } from '../../src/ports/scheduler.ts';
import { ReconcileService, type ReconcileResult, summarizeReconcile } from '../../src/ops/reconcile.ts';
import { TradingGuard } from '../../src/ops/trading-guard.ts';
import { AAPL, ScriptVenue, T0, start, type Harness } from '../orders/helpers.ts';

const MSFT = makeInstrument('MSFT', 'sim');
const S = 1000;

interface Setup {
  readonly h: Harness;
  readonly venue: ScriptVenue;
  readonly sched: ManualScheduler;
  readonly guard: TradingGuard;
  readonly rec: ReconcileService;
  readonly results: ReconcileResult[];
  /** Scheduler time of every pause the reconciler asked for. */
  readonly pauses: { at: number; reason: string }[];
  readonly journal: unknown[];
  paused(): boolean;
}

async function setup(opts: { periodMs?: number } = {}): Promise<Setup> {
  const venue = new ScriptVenue();
  const h = await start(venue, {}, { instruments: new InstrumentRegistry([AAPL, MSFT]) });
  const sched = new ManualScheduler(1_700_000_000_000);
  const guard = new TradingGuard(() => sched.now());
  guard.attach(h.engine);
  h.engine.addObserver(guard);
  const pauses: { at: number; reason: string }[] = [];
  const journal: unknown[] = [];
  // The console's wiring (cli/run.ts): a named hold, lifted only by the reconciler itself.
  const rec = new ReconcileService(h.engine, {
    scheduler: sched, wallNow: () => sched.now(),
    ...(opts.periodMs !== undefined ? { periodMs: opts.periodMs } : {}),
    pause: (r) => { pauses.push({ at: sched.now(), reason: r }); guard.hold('reconcile', 'paused', r); },
    resume: (why) => { guard.release((k) => k === 'reconcile', why); },
    journal: (book) => { journal.push(book); },
  });
  h.engine.addObserver(rec);
  const results: ReconcileResult[] = [];
  rec.onResult((r) => results.push(r));
  return { h, venue, sched, guard, rec, results, pauses, journal, paused: () => guard.has('reconcile') && h.engine.tradingState().status === 'paused' };
}

/** A fill the stream never reported: the venue bought 5 MSFT at 50 for us. */
function missedMsftFill(venue: ScriptVenue): void {
  venue.positions = [...venue.positions.filter((p) => p.symbol !== 'MSFT'), { symbol: 'MSFT', qty: 5, avgPrice: 50 }];
  venue.cash = { USD: (venue.cash.USD ?? 0) - 250 };
}

/** Our order on AAPL, acknowledged and filled through the stream, mirrored at the venue (no difference). */
async function tradeAapl(s: Setup, qty: number, n: number): Promise<void> {
  let id = '';
  await s.h.step(() => { id = s.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty }); });
  s.venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: `VA${n}`, ts: T0 + n });
  s.venue.emit({ kind: 'fill', clientOrderId: id, execId: `EA${n}`, qty, price: 100, fee: 0, liquidity: 'maker', ts: T0 + n });
  const v = s.venue.orders.get(id)!;
  s.venue.orders.set(id, { ...v, status: 'filled', filledQty: qty, avgFillPrice: 100 });
  const cur = s.venue.positions.find((p) => p.symbol === 'AAPL');
  s.venue.positions = [...s.venue.positions.filter((p) => p.symbol !== 'AAPL'), { symbol: 'AAPL', qty: (cur?.qty ?? 0) + qty, avgPrice: 100 }];
  s.venue.cash = { USD: (s.venue.cash.USD ?? 0) - qty * 100 };
  await s.h.step();
}

describe('reconciliation re-checks and holds', () => {
  it('a difference seen with trading active is re-checked ~5 s later and, confirmed, pauses within 30 s', async () => {
    const s = await setup();
    missedMsftFill(s.venue);
    const t0 = s.sched.now();
    const first = await s.rec.reconcileNow();
    expect(first.diffs.map((d) => d.key).sort()).toEqual(['cash:USD', 'pos:MSFT']);
    expect(s.h.engine.tradingState().status).toBe('active'); // one sighting is not alarming
    await s.sched.advance(30 * S);
    const recheck = s.results.find((r) => r.reason === 'recheck');
    expect(recheck, 'a re-check ran by itself').toBeDefined();
    expect(recheck!.at - t0).toBeGreaterThanOrEqual(2 * S);
    expect(recheck!.at - t0).toBeLessThanOrEqual(10 * S);
    expect(s.pauses.length).toBe(1);
    expect(s.pauses[0]!.at - t0).toBeLessThanOrEqual(30 * S);
    expect(s.paused()).toBe(true);
    await s.h.finish();
  });

  it('the periodic check runs at least every 30 s by default: a missed fill pauses within 30 s of being seen', async () => {
    const s = await setup();
    s.rec.start();
    await s.sched.advance(1 * S);
    const changedAt = s.sched.now();
    missedMsftFill(s.venue);
    await s.sched.advance(70 * S);
    const seen = s.results.find((r) => r.diffs.length > 0);
    expect(seen, 'a periodic check saw the difference').toBeDefined();
    expect(seen!.at - changedAt).toBeLessThanOrEqual(30 * S);
    expect(s.pauses.length).toBe(1);
    expect(s.pauses[0]!.at - seen!.at).toBeLessThanOrEqual(30 * S);
    s.rec.stop();
    await s.h.finish();
  });

  it('unrelated order events between the sightings do not reset it', async () => {
    const s = await setup();
    missedMsftFill(s.venue);
    const t0 = s.sched.now();
    await s.rec.reconcileNow();
    await s.sched.advance(2 * S);
    await tradeAapl(s, 2, 1); // another symbol's order: accepted and filled, mirrored at the venue
    await s.sched.advance(1 * S);
    await tradeAapl(s, 1, 2);
    await s.sched.advance(27 * S);
    // The periodic check (here by hand, as the old 60 s period would) also finds it still there.
    await s.rec.reconcileNow('periodic');
    expect(s.pauses.length).toBe(1);
    expect(s.pauses[0]!.at - t0).toBeLessThanOrEqual(30 * S);
    expect(s.paused()).toBe(true);
    // The AAPL traffic itself is no difference.
    expect(s.rec.last()!.diffs.map((d) => d.key).sort()).toEqual(['cash:USD', 'pos:MSFT']);
    await s.h.finish();
  });

  it('a difference gone by the re-check (a report in transit) does not pause', async () => {
    const s = await setup();
    let id = '';
    await s.h.step(() => { id = s.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 3 }); });
    s.venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'VT', ts: T0 });
    await s.h.step();
    // The venue filled it; the fill report is still on its way.
    s.venue.orders.set(id, { ...s.venue.orders.get(id)!, status: 'filled', filledQty: 3, avgFillPrice: 100 });
    s.venue.positions = [{ symbol: 'AAPL', qty: 3, avgPrice: 100 }];
    s.venue.cash = { USD: 99_700 };
    const first = await s.rec.reconcileNow();
    expect(first.diffs.length).toBeGreaterThan(0);
    await s.sched.advance(1 * S);
    s.venue.emit({ kind: 'fill', clientOrderId: id, execId: 'ET', qty: 3, price: 100, fee: 0, liquidity: 'maker', ts: T0 + 1 });
    await s.h.step();
    await s.sched.advance(60 * S);
    expect(s.results.some((r) => r.reason === 'recheck' && r.diffs.length === 0)).toBe(true);
    expect(s.pauses).toEqual([]);
    expect(s.h.engine.tradingState().status).toBe('active');
    await s.h.finish();
  });

  it('orders in flight are left out of the comparison but do not stop a position or cash difference from being confirmed', async () => {
    const s = await setup();
    // A constantly busy strategy: an AAPL order the venue has, still unacknowledged here.
    let busy = '';
    await s.h.step(() => { busy = s.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, qty: 1 }); });
    expect(s.h.engine.orders.get(busy)!.status).toBe('submitted');
    missedMsftFill(s.venue);
    const t0 = s.sched.now();
    const first = await s.rec.reconcileNow();
    expect(first.inFlight).toBe(1);
    expect(first.diffs.some((d) => d.message.includes(busy))).toBe(false); // the in-flight order is not a difference
    await s.sched.advance(30 * S);
    expect(s.pauses.length).toBe(1);
    expect(s.pauses[0]!.at - t0).toBeLessThanOrEqual(30 * S);
    await s.h.finish();
  });

  it('an order in flight on the same symbol defers the confirmation (its fill may be in transit), never past 30 s', async () => {
    const s = await setup();
    let busy = '';
    await s.h.step(() => { busy = s.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, qty: 1 }); });
    // The venue holds 5 AAPL more than we do, and our AAPL order never gets acknowledged.
    s.venue.positions = [{ symbol: 'AAPL', qty: 5, avgPrice: 100 }];
    const t0 = s.sched.now();
    await s.rec.reconcileNow();
    await s.sched.advance(7 * S);
    expect(s.results.some((r) => r.reason === 'recheck')).toBe(true);
    expect(s.pauses).toEqual([]); // the in-flight AAPL order could still explain it
    await s.sched.advance(23 * S);
    expect(s.pauses.length).toBe(1);
    expect(s.pauses[0]!.at - t0).toBeLessThanOrEqual(30 * S);
    expect(s.h.engine.orders.get(busy)!.status).toBe('submitted');
    await s.h.finish();
  });

  it('the result, the hold and the pane summary name the difference', async () => {
    const s = await setup();
    missedMsftFill(s.venue);
    await s.rec.reconcileNow();
    const pending = summarizeReconcile(s.rec.last()!);
    expect(pending.clean).toBe(false);
    expect(pending.status).toBe('rechecking');
    await s.sched.advance(30 * S);
    const r = s.rec.last()!;
    expect(r.confirmed.map((d) => d.key).sort()).toEqual(['cash:USD', 'pos:MSFT']);
    const sum = summarizeReconcile(r);
    expect(sum.status).toBe('confirmed');
    expect(sum.lines.join('\n')).toMatch(/the venue holds 5 MSFT; parity holds none/);
    expect(sum.lines.join('\n')).toMatch(/cash USD: 100000\.00 here, 99750\.00 at the venue/);
    expect(s.pauses[0]!.reason).toMatch(/MSFT/);
    expect(s.guard.list().find((x) => x.key === 'reconcile')!.reason).toMatch(/the venue holds 5 MSFT/);
    await s.h.finish();
  });
});

describe('accept venue state', () => {
  it('repairs positions, cash and the differing orders from the venue, journals, logs and lifts the hold', async () => {
    const s = await setup();
    // Our AAPL order the venue filled (3 of 3) while the stream reported nothing past the ack.
    let id = '';
    await s.h.step(() => { id = s.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 3 }); });
    s.venue.emit({ kind: 'accepted', clientOrderId: id, venueOrderId: 'VX', ts: T0 });
    await s.h.step();
    s.venue.orders.set(id, { ...s.venue.orders.get(id)!, status: 'filled', filledQty: 3, avgFillPrice: 100 });
    s.venue.execs.push({ clientOrderId: id, execId: 'EX1', symbol: 'AAPL', side: 'buy', qty: 3, price: 100, fee: 0, ts: T0 + 1 });
    s.venue.positions = [{ symbol: 'AAPL', qty: 3, avgPrice: 100 }];
    s.venue.cash = { USD: 99_700 };
    missedMsftFill(s.venue); // and an MSFT fill we know nothing about
    await s.rec.reconcileNow();
    await s.sched.advance(30 * S);
    expect(s.paused()).toBe(true);
    const keys = s.rec.last()!.diffs.map((d) => d.key).sort();
    expect(keys).toEqual(['cash:USD', `order:${id}`, 'pos:AAPL', 'pos:MSFT']);
    const queriesBefore = s.venue.queryCount;

    const out = await s.rec.acceptVenue('test');
    expect(out.ok).toBe(true);
    // The order went through the state machine (its fill booked once, from the venue's executions).
    const o = s.h.engine.orders.get(id)!;
    expect(o.status).toBe('filled');
    expect(o.filledQty).toBe(3);
    expect(s.venue.queryCount).toBeGreaterThan(queriesBefore); // re-queried by client order id
    const pos = Object.fromEntries(s.h.engine.portfolio.positionsList().map((p) => [p.symbol, p.qty]));
    expect(pos).toEqual({ AAPL: 3, MSFT: 5 });
    expect(s.h.engine.portfolio.account().cashByCurrency.USD).toBeCloseTo(99_450, 6);
    expect(s.journal).toEqual([{ positions: [{ symbol: 'AAPL', qty: 3, avgPrice: 100 }, { symbol: 'MSFT', qty: 5, avgPrice: 50 }], cash: { USD: 99_450 } }]);
    expect(s.h.logs.some((l) => l.source === 'reconcile' && /accepted the venue's state/.test(l.message) && /MSFT/.test(l.message))).toBe(true);
    expect(s.guard.has('reconcile')).toBe(false);
    expect(s.h.engine.tradingState().status).toBe('active');
    expect(out.result.diffs).toEqual([]);
    expect(out.message).toMatch(/books now agree/);
    // And it stays clean: nothing left to re-check, no new pause.
    await s.sched.advance(60 * S);
    expect(s.pauses.length).toBe(1);
    await s.h.finish();
  });

  it('with nothing different it changes nothing and says so', async () => {
    const s = await setup();
    const out = await s.rec.acceptVenue('test');
    expect(out.ok).toBe(true);
    expect(out.message).toMatch(/nothing to accept/);
    expect(s.journal).toEqual([]);
    await s.h.finish();
  });
});
