/**
 * Venue-initiated entries across a restart (issue 13, item 4): funding paid while the console was
 * down is booked by recovery from the venue's entries, once; what an earlier life booked is never
 * booked again; and a reconciliation books new entries before it compares, so a funding interval
 * does not pause trading. Real engine, store and simulated venue (the venue outlives the "crash").
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Store } from '../../src/journal/store.ts';
import { makeDurable } from '../../src/journal/durable.ts';
import { Engine } from '../../src/engine/engine.ts';
import { makeInstrument } from '../../src/domain/instrument.ts';
import { InstrumentRegistry } from '../../src/domain/instrument-registry.ts';
import type { Bar, MarketEvent } from '../../src/domain/market.ts';
import type { AccountEntrySink, ExecutionClient, PushFeed, ReportSink, SubmitCommand, TransportHooks } from '../../src/ports/index.ts';
import { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { DEFAULT_ACCOUNT } from '../../src/portfolio/portfolio.ts';
import { ReconcileService } from '../../src/ops/reconcile.ts';

const SYM = 'BTC/USDT:USDT';
const PERP = makeInstrument(SYM, 'sim', { assetClass: 'crypto_perp', tickSize: 0.1, lotSize: 1, minQty: 1, multiplier: 0.01, perp: { fundingRate: 0.001 } });
const INSTRUMENTS = new InstrumentRegistry([PERP]);
const ACCOUNT = { ...DEFAULT_ACCOUNT, currency: 'USDT', cash: 10_000, type: 'margin' as const };
const H8 = 8 * 3_600_000;
const T0 = Date.UTC(2024, 0, 2, 0, 0) + H8 - 10 * 60_000; // 07:50 UTC: the 08:00 funding is ten minutes on
const bar = (k: number, px: number): Bar => ({ kind: 'bar', symbol: SYM, ts: T0 + k * 60_000, open: px, high: px, low: px, close: px, volume: 1e6 });

/** The sim behind a link that can be cut: while down, nothing it says reaches the engine. */
class Link implements ExecutionClient {
  readonly venue = 'sim';
  up = true;
  constructor(private readonly sim: SimVenue) {}
  get capabilities() { return { ...this.sim.capabilities, simulated: false }; }
  get queries() { return this.sim.queries; }
  connect(sink: ReportSink, _t?: TransportHooks, entries?: AccountEntrySink): void {
    this.sim.connect((r) => { if (this.up) sink(r); }, undefined, (e) => { if (this.up) entries?.(e); });
  }
  submit(cmd: SubmitCommand): void { if (this.up) this.sim.submit(cmd); }
  cancel(id: string, ts: number): void { if (this.up) this.sim.cancel(id, ts); }
  replace(): void {}
  onMarketData(ev: MarketEvent): void { this.sim.onMarketData(ev); }
  disconnect(): void {}
}

async function life(dir: string, sim: SimVenue) {
  const { store } = Store.open({ dir, venue: 'sim', account: 'test' });
  const link = new Link(sim);
  const durable = makeDurable(store, { strategy: 'test', venue: link });
  let push: ((ev: MarketEvent) => void) | null = null;
  const feed: PushFeed = { kind: 'push', start: (s) => { push = s; }, stop: () => undefined };
  const engine = new Engine({
    instruments: INSTRUMENTS, execution: link, account: ACCOUNT, strategy: { name: 'test', handlers: {}, params: {} },
    clientIds: durable.clientIds, observers: [...durable.observers], startup: durable.startup,
  });
  engine.addFeed(feed);
  const running = engine.run();
  await new Promise((r) => setTimeout(r, 20));
  const inLoop = (fn: () => void) => new Promise<void>((res) => engine.schedule(engine.now(), () => { fn(); res(); }));
  return {
    engine, store, link, durable,
    market: async (ev: MarketEvent) => { push!(ev); await new Promise((r) => setImmediate(r)); await new Promise((r) => setImmediate(r)); },
    inLoop,
    crash: async () => { link.up = false; store.abandon(); engine.stop(); await running.catch(() => undefined); },
  };
}

const cash = (c: Readonly<Record<string, number>>) => Math.round((c.USDT ?? 0) * 1e6) / 1e6;

describe('account entries across a restart', () => {
  it('funding paid while down is booked at recovery, once; a later life books nothing again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-entries-'));
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const l1 = await life(dir, sim);
    await l1.market(bar(0, 50_000));
    await l1.inLoop(() => { l1.engine.submit({ symbol: SYM, side: 'buy', type: 'market', qty: 10 }); });
    await l1.market(bar(1, 50_000)); // fills at this open
    expect(l1.engine.portfolio.qty(SYM)).toBe(10);
    await l1.crash();

    // Down across 08:00: the venue books the funding (10 x 0.01 x 50 000 x 0.001 = 5 USDT paid by the long).
    for (let k = 2; k <= 12; k++) sim.onMarketData(bar(k, 50_000));
    const venueCash = cash(sim.snapshot().cash);
    expect(venueCash).toBeLessThan(cash(l1.engine.portfolio.cashByCurrency()));

    const l2 = await life(dir, sim);
    expect(cash(l2.engine.portfolio.cashByCurrency())).toBe(venueCash);
    expect(l2.engine.portfolio.account().funding).toBeCloseTo(-5, 9);
    expect(l2.store.state.entries.ids.length).toBe(1);
    await l2.crash();

    const l3 = await life(dir, sim);
    expect(cash(l3.engine.portfolio.cashByCurrency())).toBe(venueCash);
    expect(l3.store.state.entries.ids.length).toBe(1);
    await l3.crash();
  });

  it('a reconciliation books the venue entries it has not heard of before comparing: no cash difference', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parity-entries-'));
    const sim = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
    const l1 = await life(dir, sim);
    await l1.market(bar(0, 50_000));
    await l1.inLoop(() => { l1.engine.submit({ symbol: SYM, side: 'buy', type: 'market', qty: 10 }); });
    await l1.market(bar(1, 50_000));
    // The venue's funding push is lost in transit (the link is down for it alone).
    l1.link.up = false;
    for (let k = 2; k <= 12; k++) sim.onMarketData(bar(k, 50_000));
    l1.link.up = true;
    const rec = new ReconcileService(l1.engine, { periodMs: 0, recheckMs: 10, confirmWithinMs: 20 });
    const r = await rec.reconcileNow('on-demand');
    expect(r.diffs.map((d) => d.message)).toEqual([]);
    expect(cash(l1.engine.portfolio.cashByCurrency())).toBe(cash(sim.snapshot().cash));
    await l1.crash();
  });
});
