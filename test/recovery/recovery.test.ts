/** Crash recovery through the real engine, store and simulated venue (the venue outlives the "crash"). */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/journal/store.ts';
import { makeDurable, type Durable } from '../../src/journal/durable.ts';
import type { ExecutionClient } from '../../src/ports/index.ts';
import type { Engine, EngineObserver } from '../../src/engine/engine.ts';
import type { StrategyHandlers } from '../../src/engine/strategy.ts';
import type { OrderEvent } from '../../src/orders/order.ts';
import { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { ReconcileService } from '../../src/ops/reconcile.ts';
import { ACCOUNT, INSTRUMENTS, Link, T0, bar, start, type Harness } from '../orders/helpers.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'parity-recovery-'));

interface Session { h: Harness; store: Store; durable: Durable }

async function session(dir: string, venue: ExecutionClient, handlers: StrategyHandlers = {}, wallNow?: () => number): Promise<Session> {
  const { store } = Store.open({ dir, venue: 'sim', account: 'test', ...(wallNow !== undefined ? { wallNow } : {}) });
  const durable = makeDurable(store, { strategy: 'test', venue, ...(wallNow !== undefined ? { wallNow } : {}) });
  const h = await start(venue, handlers, { clientIds: durable.clientIds, observers: [...durable.observers], startup: durable.startup });
  return { h, store, durable };
}

/** kill -9: no clean stop, no snapshot; only what was journaled survives. */
async function crash(s: Session): Promise<void> {
  s.store.abandon();
  await s.h.finish().catch(() => undefined);
}

function countingLink(sim: SimVenue): Link & { submits: string[] } {
  const link = new Link(sim) as Link & { submits: string[] };
  link.submits = [];
  const inner = link.submit.bind(link);
  link.submit = (cmd) => { link.submits.push(cmd.clientOrderId); inner(cmd); };
  return link;
}

describe('crash recovery', () => {
  it('restart while an entry order is working: no phantom position, the order stays working, nothing resent', async () => {
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const link1 = countingLink(sim);
    const s1 = await session(dir, link1);
    s1.h.market(bar(0, 105));
    let id = '';
    await s1.h.step(() => { id = s1.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 10 }); });
    await crash(s1);

    const link2 = countingLink(sim);
    const seen: { qty: number; open: number }[] = [];
    const s2 = await session(dir, link2, { onStart: (ctx) => { seen.push({ qty: ctx.position('AAPL').qty, open: ctx.openOrders().length }); } });
    expect(seen).toEqual([{ qty: 0, open: 1 }]);
    expect(s2.h.engine.orders.get(id)!.status).toBe('accepted');
    expect(link2.submits).toEqual([]);
    expect(s2.durable.recovery!.settled).toEqual([id]);
    // The next id continues the store's sequence.
    let next = '';
    await s2.h.step(() => { next = s2.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 99, qty: 1 }); });
    expect(next).not.toBe(id);
    expect(parseInt(next.slice(6, 12), 36)).toBe(parseInt(id.slice(6, 12), 36) + 1);
    await s2.h.finish();
    s2.store.close();
  });

  it('crash after journaling an intent, before sending it: resent under the same id while fresh', async () => {
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const link1 = countingLink(sim);
    link1.up = false;
    link1.dropCommands = true; // the order never leaves the process
    let wall = 1_000_000;
    const s1 = await session(dir, link1, {}, () => wall);
    s1.h.market(bar(0, 105));
    let id = '';
    await s1.h.step(() => { id = s1.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 10 }); });
    await crash(s1);
    expect(sim.snapshot().orders).toEqual([]);

    wall += 2000; // restarted 2 s later: fresh
    const link2 = countingLink(sim);
    const s2 = await session(dir, link2, {}, () => wall);
    expect(link2.submits).toEqual([id]);
    expect(s2.durable.recovery!.resent).toEqual([id]);
    await s2.h.step();
    expect(s2.h.engine.orders.get(id)!.status).toBe('accepted');
    expect(sim.snapshot().orders.map((o) => o.clientOrderId)).toEqual([id]);
    await s2.h.finish();
    s2.store.close();
  });

  it('an intent the venue never received that is too old is marked lost, and the strategy is told', async () => {
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const link1 = countingLink(sim);
    link1.up = false;
    link1.dropCommands = true;
    let wall = 1_000_000;
    const s1 = await session(dir, link1, {}, () => wall);
    let id = '';
    await s1.h.step(() => { id = s1.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 }); });
    await crash(s1);
    wall += 60_000;
    const link2 = countingLink(sim);
    const calls: string[] = [];
    const s2 = await session(dir, link2, {
      onStart: () => { calls.push('start'); },
      onOrderEvent: (e: OrderEvent) => { calls.push(`${e.clientOrderId}:${e.to}`); },
    }, () => wall);
    await s2.h.step();
    expect(link2.submits).toEqual([]);
    expect(calls).toEqual(['start', `${id}:lost`]); // told after onStart, never before
    expect(s2.h.engine.orders.get(id)!.status).toBe('lost');
    await s2.h.finish();
    s2.store.close();
  });

  it('accepted and filled while the console was down (ack never journaled): settled, position from the venue before onStart', async () => {
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const link1 = countingLink(sim);
    const s1 = await session(dir, link1);
    s1.h.market(bar(0, 100));
    link1.up = false; // the command goes out; every answer is lost
    let id = '';
    await s1.h.step(() => { id = s1.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 }); });
    await crash(s1);
    sim.onMarketData(bar(1, 101)); // the market moves on while we are down: the order fills

    const link2 = countingLink(sim);
    const seen: number[] = [];
    const s2 = await session(dir, link2, { onStart: (ctx) => { seen.push(ctx.position('AAPL').qty); } });
    expect(seen).toEqual([10]);
    const o = s2.h.engine.orders.get(id)!;
    expect(o.status).toBe('filled');
    expect(o.filledQty).toBe(10);
    expect(link2.submits).toEqual([]);
    expect(s2.h.engine.portfolio.account().cash).toBeCloseTo(sim.snapshot().cash.USD!, 6);
    await s2.h.finish();
    s2.store.close();
  });

  it('an order the venue works that the store does not know is adopted as external (shown, not ignored)', async () => {
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    sim.connect(() => undefined);
    sim.onMarketData(bar(0, 105));
    sim.submit({ clientOrderId: 'manual1', request: { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, qty: 5 }, ts: T0 });
    const link = countingLink(sim);
    const s = await session(tmp(), link);
    const o = s.h.engine.orders.get('manual1')!;
    expect(o.external).toBe(true);
    expect(o.status).toBe('accepted');
    expect(s.durable.recovery!.adopted).toEqual(['manual1']);
    // cancel-all touches only our own orders
    expect(s.h.engine.cancelAll()).toEqual([]);
    await s.h.finish();
    s.store.close();
    void dir;
  });

  it('a venue order with our client-id prefix that the journal lost halts trading until the operator decides on it', async () => {
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    sim.connect(() => undefined);
    sim.onMarketData(bar(0, 105));
    // The store's own id scheme, with a sequence the journal never wrote (a lost journal, a second console).
    const { store: probe } = Store.open({ dir, venue: 'sim', account: 'test' });
    const storeId = probe.state.storeId;
    probe.close();
    const ours = `${storeId}0000zztest`;
    sim.submit({ clientOrderId: ours, request: { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, qty: 5 }, ts: T0 });
    sim.submit({ clientOrderId: 'manual2', request: { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 80, qty: 1 }, ts: T0 });
    const link = countingLink(sim);
    const s = await session(dir, link);
    const e = s.h.engine;
    expect(e.orders.get(ours)!.external).toBe(true);
    expect(e.tradingState().status).toBe('halted');
    expect(e.tradingState().reason).toMatch(new RegExp(`${ours}.*adopt, cancel or leave`));
    // An order placed by hand (no prefix) is left alone from the start and halts nothing.
    expect(e.orders.get('manual2')!.leftAlone).toBe(true);
    expect(e.pendingExternal().map((o) => o.clientOrderId)).toEqual([ours]);
    // Not ours until adopted: the strategy's cancel-all and flatten leave it be.
    expect(e.cancelAll()).toEqual([]);
    await s.h.step(() => { expect(e.decideExternal(ours, 'adopt')).toBeNull(); });
    expect(e.tradingState().status).toBe('active');
    expect(e.orders.get(ours)!.external).toBe(false);
    await s.h.step(() => { expect(e.cancelAll()).toEqual([ours]); });
    expect(e.orders.get(ours)!.status).toBe('canceled');
    await s.h.finish();
    s.store.close();
    // The decision is journaled: a restart neither halts again nor forgets the order is ours.
    const s2 = await session(dir, countingLink(sim));
    expect(s2.h.engine.tradingState().status).toBe('active');
    expect(s2.h.engine.orders.get(ours)!.external).toBe(false);
    await s2.h.finish();
    s2.store.close();
  });

  it('an external order left alone stays untouched across a restart without halting again', async () => {
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    sim.connect(() => undefined);
    sim.onMarketData(bar(0, 105));
    const { store: probe } = Store.open({ dir, venue: 'sim', account: 'test' });
    const ours = `${probe.state.storeId}0000zyleft`;
    probe.close();
    sim.submit({ clientOrderId: ours, request: { symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 90, qty: 5 }, ts: T0 });
    const s = await session(dir, countingLink(sim));
    expect(s.h.engine.tradingState().status).toBe('halted');
    await s.h.step(() => { expect(s.h.engine.decideExternal(ours, 'leave')).toBeNull(); });
    expect(s.h.engine.tradingState().status).toBe('active');
    await s.h.finish();
    s.store.close();
    const s2 = await session(dir, countingLink(sim));
    expect(s2.h.engine.tradingState().status).toBe('active');
    expect(s2.h.engine.orders.get(ours)).toMatchObject({ external: true, leftAlone: true, status: 'accepted' });
    await s2.h.finish();
    s2.store.close();
  });

  it('start-up keeps our books and reports a difference with the venue instead of copying the venue over them', async () => {
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const s1 = await session(dir, countingLink(sim));
    s1.h.market(bar(0, 100));
    await s1.h.step(() => { s1.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 }); });
    s1.h.market(bar(1, 100));
    await s1.h.step();
    expect(s1.h.engine.portfolio.qty('AAPL')).toBe(10);
    await s1.h.finish();
    s1.store.close();
    // While parity is down, someone sells the 10 at the venue by hand.
    sim.submit({ clientOrderId: 'byhand', request: { symbol: 'AAPL', side: 'sell', type: 'market', qty: 10 }, ts: T0 + 120_000 });
    sim.onMarketData(bar(2, 101));
    sim.onMarketData(bar(3, 101));
    expect((await sim.queries.positions()).filter((p) => p.qty !== 0)).toEqual([]);
    const s2 = await session(dir, countingLink(sim));
    expect(s2.durable.recovery!.positionsFrom).toBe('store');
    expect(s2.h.engine.portfolio.qty('AAPL')).toBe(10);
    const r = await new ReconcileService(s2.h.engine, { periodMs: 0 }).reconcileNow('start');
    expect(r.diffs.map((d) => d.message)).toContain('position 10 AAPL here, none at the venue');
    await s2.h.finish();
    s2.store.close();
  });

  it('warm-up bars produce no orders; the strategy is warm at its first live bar', async () => {
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const link = countingLink(sim);
    let barsSeen = 0;
    const h = await start(link, {
      onBar: (b, ctx) => { barsSeen++; ctx.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 1 }); void b; },
    }, { warmup: () => [bar(-3, 100), bar(-2, 100), bar(-1, 100)] });
    expect(barsSeen).toBe(3);
    expect(link.submits).toEqual([]);
    expect([...h.engine.orders.all()]).toEqual([]);
    expect(h.engine.context().history('AAPL', 10).length).toBe(3);
    h.market(bar(0, 100));
    await h.step();
    expect(link.submits).toHaveLength(1);
    await h.finish();
  });
  it('killed between the fill record and the order record: the store still has the order filled, and recovery agrees with the venue', async () => {
    // Found by the crash torture test. A venue that reports only cumulative quantity (no
    // executions): recovery books the gap as a synthetic fill "sync-<id>-<lots>". Killed after that
    // fill record and before the order's own record (filled), the restored order held the execution
    // id with nothing filled; the next recovery's synthetic fill had the same id and was dropped as
    // a duplicate, so the order stayed "accepted" while the venue had it filled (its cancels
    // rejected forever, a reconciliation difference at every start).
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const cumulativeOnly = <L extends Link>(l: L): L => {
      Object.defineProperty(l, 'queries', { get: () => ({ ...sim.queries, executionsSince: async () => [] }) });
      return l;
    };
    const link1 = countingLink(sim);
    const s1 = await session(dir, link1);
    s1.h.market(bar(0, 100));
    link1.up = false; // sent; every answer lost
    let id = '';
    await s1.h.step(() => { id = s1.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 }); });
    await crash(s1);
    sim.onMarketData(bar(1, 101)); // filled while we are down

    const s2 = await session(dir, cumulativeOnly(countingLink(sim)));
    expect(s2.h.engine.orders.get(id)!.status).toBe('filled');
    const path = s2.store.journalPath();
    await crash(s2);
    // What kill -9 right after the synthetic fill record leaves: the journal ends with it.
    const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '');
    const at = lines.findIndex((l) => (JSON.parse(l) as { kind: string }).kind === 'fill');
    expect(at).toBeGreaterThan(0);
    writeFileSync(path, `${lines.slice(0, at + 1).join('\n')}\n`);
    rmSync(join(dir, 'state.json'), { force: true });

    const link3 = cumulativeOnly(countingLink(sim));
    const s3 = await session(dir, link3);
    const o = s3.h.engine.orders.get(id)!;
    expect(o.status).toBe('filled');
    expect(o.filledQty).toBe(10);
    expect([...s3.h.engine.orders.openOrders()].length).toBe(0);
    expect(s3.h.engine.portfolio.qty('AAPL')).toBe(10);
    expect(link3.submits).toEqual([]);
    await s3.h.finish();
    s3.store.close();
  });
  it('a journaled cancel the venue never got is sent again without the order ever leaving pending_cancel in the journal', async () => {
    // Found by the crash torture test: recovery recorded the order back at "accepted" (a cancel
    // refusal) and then a new cancel; killed between the two records, the next start had no cancel
    // to send: the wish to cancel was lost and the order worked on at the venue.
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const link1 = countingLink(sim);
    const s1 = await session(dir, link1);
    s1.h.market(bar(0, 105));
    let id = '';
    await s1.h.step(() => { id = s1.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'limit', limitPrice: 100, qty: 10 }); });
    await s1.h.settle();
    expect(s1.h.engine.orders.get(id)!.status).toBe('accepted');
    link1.up = false;
    link1.dropCommands = true; // the DELETE never leaves
    await s1.h.step(() => { s1.h.engine.cancel(id); });
    const path = s1.store.journalPath();
    const before = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').length;
    await crash(s1);
    expect(sim.snapshot().orders.find((o) => o.clientOrderId === id)!.status).toBe('accepted');

    const s2 = await session(dir, countingLink(sim));
    await s2.h.settle();
    expect(s2.h.engine.orders.get(id)!.status).toBe('canceled');
    const statuses = readFileSync(path, 'utf8').split('\n').filter((l) => l !== '').slice(before)
      .map((l) => JSON.parse(l) as { kind: string; data: { order?: { clientOrderId: string; status: string } } })
      .filter((r) => r.data.order?.clientOrderId === id).map((r) => r.data.order!.status);
    expect(statuses).toEqual(['canceled']);
    await s2.h.finish();
    s2.store.close();
  });

  describe('fills missed while down are booked in the venue\'s order (average price depends on it)', () => {
    // Found by the crash torture test: the venue filled a market buy, then a sell; recovery booked
    // the sell first (our order list's order), went flat, and the buy's average became the position's
    // (97.04 here, 98.735 at the venue), so start-up halted on a difference it had made itself.
    // Long 10 @ 100; while down: B (buy 10, market) fills at 101, then A (sell 10, limit 103) at 104.
    // The venue's order leaves 10 @ 100.5; A before B would leave 10 @ 101.
    async function downWhileTwoFill(dir: string, sim: SimVenue, beforeCrash?: (s: Session) => void): Promise<void> {
      const link1 = countingLink(sim);
      const s1 = await session(dir, link1);
      s1.h.market(bar(0, 100));
      await s1.h.step(() => { s1.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 }); });
      s1.h.market(bar(1, 100, 100.5, 99.5, 100));
      await s1.h.settle();
      expect(s1.h.engine.portfolio.qty('AAPL')).toBe(10);
      link1.up = false; // both go out; every answer is lost
      await s1.h.step(() => {
        s1.h.engine.submit({ symbol: 'AAPL', side: 'sell', type: 'limit', limitPrice: 103, qty: 10 });
        s1.h.engine.submit({ symbol: 'AAPL', side: 'buy', type: 'market', qty: 10 });
      });
      beforeCrash?.(s1);
      await crash(s1);
      sim.onMarketData(bar(2, 101, 101.5, 100.5, 101)); // B fills
      sim.onMarketData(bar(3, 104, 105, 103.5, 104)); // then A
    }
    const venueAvg = (sim: SimVenue) => sim.snapshot().positions.find((p) => p.symbol === 'AAPL')!.avgPrice;

    it('a venue that reports only cumulative quantities: synthetic fills follow the venue\'s clock', async () => {
      const dir = tmp();
      const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
      await downWhileTwoFill(dir, sim);
      expect(venueAvg(sim)).toBeCloseTo(100.5, 6);
      const link2 = countingLink(sim);
      Object.defineProperty(link2, 'queries', { get: () => ({ ...sim.queries, executionsSince: async () => [] }) });
      const s2 = await session(dir, link2);
      expect(s2.h.engine.portfolio.qty('AAPL')).toBe(10);
      expect(s2.h.engine.portfolio.position('AAPL').avgPrice).toBeCloseTo(venueAvg(sim), 6);
      await s2.h.finish();
      s2.store.close();
    });

    it('executions are asked from when the venue took the orders, on the venue\'s clock, not the journal\'s', async () => {
      // The journal dates orders and the reports the engine makes itself on the engine's clock; a
      // venue dates executions on its own (the torture test's venue replays 2024 while the engine
      // runs on the wall clock). Here the venue's clock runs 30 days behind ours.
      const dir = tmp();
      const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
      await downWhileTwoFill(dir, sim);
      const behind = 30 * 86_400_000;
      const asked: number[] = [];
      const q = sim.queries;
      const link2 = countingLink(sim);
      Object.defineProperty(link2, 'queries', {
        get: () => ({
          ...q,
          order: async (id: string) => { const v = await q.order(id); return v === null ? null : { ...v, createdAt: v.createdAt - behind, updatedAt: v.updatedAt - behind }; },
          executionsSince: async (ts: number) => { asked.push(ts); return (await q.executionsSince(0)).map((x) => ({ ...x, ts: x.ts - behind })).filter((x) => x.ts >= ts); },
        }),
      });
      const s2 = await session(dir, link2);
      expect(asked.length).toBe(1);
      expect(asked[0]).toBeLessThanOrEqual(T0 + 2 * 60_000 - behind);
      expect(s2.h.engine.portfolio.position('AAPL').avgPrice).toBeCloseTo(venueAvg(sim), 6);
      // Booked from the venue's executions (their ids), not synthesized from cumulative quantities.
      expect([...s2.h.engine.orders.all()].flatMap((o) => [...o.execIds]).some((x) => x.startsWith('sync-'))).toBe(false);
      await s2.h.finish();
      s2.store.close();
    });
  });

  it('a hold this run sets before recovery is not "restored" as a pause of its own; a pause of the previous run is', async () => {
    // Found wiring the Alpaca session: the console's "gates running" halt (set in onStart, before
    // recovery) was journaled, then recovery "restored" it, and the kill switch latched it: a fresh
    // start halted itself for good.
    const dir = tmp();
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const hold = { onStart: (e: Engine) => e.setTradingState('halted', 'gates running') };
    const open = async (observers: EngineObserver[]) => {
      const { store } = Store.open({ dir, venue: 'sim', account: 'test' });
      const durable = makeDurable(store, { strategy: 'test', venue: sim });
      const h = await start(new Link(sim), {}, { clientIds: durable.clientIds, observers: [...observers, ...durable.observers], startup: durable.startup });
      return { h, store };
    };
    const a = await open([hold]);
    expect(a.h.engine.tradingState()).toMatchObject({ status: 'halted', reason: 'gates running' });
    a.h.engine.setTradingState('paused', 'daily loss limit');
    await a.h.finish();
    a.store.close();

    const b = await open([]);
    expect(b.h.engine.tradingState()).toMatchObject({ status: 'paused', reason: 'restored: daily loss limit' });
    await b.h.finish();
    b.store.close();
  });
});
