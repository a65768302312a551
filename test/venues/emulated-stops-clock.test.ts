/**
 * The answers parity gives for a stop it holds (accepted, canceled) carry the venue's clock, as the
 * venue's own answers do. A session's engine time can run ahead of that clock (it starts before the
 * first clock sync; a fake replays old bars): stamped with engine time, the answers waited for the
 * clock for ever and a cancelled stop stayed pending_cancel (perp-ml on the OKX fake).
 */
import { describe, expect, it } from 'vitest';
import { resolve } from 'node:path';
import type { Clock } from '../../src/engine/clock.ts';
import type { MarketEvent } from '../../src/domain/market.ts';
import type { ReplaceRequest } from '../../src/domain/order.ts';
import type { ExecutionClient, ReportSink, SubmitCommand, VenueCapabilities } from '../../src/ports/index.ts';
import { EmulatedStops } from '../../src/venues/emulated-stops.ts';
import { SimVenue } from '../../src/venues/sim/index.ts';
import { makeEngine } from '../../src/modes/parts.ts';
import { barsFromCloses, config, partsFor } from '../engine/helpers.ts';

const STRATEGY = resolve(import.meta.dirname, 'fixtures/stop-then-cancel.ts');

/** The simulator without stop orders (as OKX in parity). */
class NoStops implements ExecutionClient {
  readonly capabilities: VenueCapabilities;
  constructor(readonly sim: SimVenue) { this.capabilities = { ...sim.capabilities, orderTypes: ['market', 'limit'] }; }
  get venue(): string { return 'nostops'; }
  connect(sink: ReportSink): void { this.sim.connect(sink); }
  submit(cmd: SubmitCommand): void { this.sim.submit(cmd); }
  cancel(id: string, ts: number): void { this.sim.cancel(id, ts); }
  replace(id: string, ch: ReplaceRequest, ts: number): void { this.sim.replace(id, ch, ts); }
  onMarketData(ev: MarketEvent): void { this.sim.onMarketData(ev); }
  disconnect(): void { this.sim.disconnect(); }
}

/** The venue's clock: a day ahead until the first bar (a start before the sync), then the bars' time. */
class VenueClock implements Clock {
  t: number;
  constructor(start: number) { this.t = start + 86_400_000; }
  now(): number { return this.t; }
  delayUntil(ts: number): number { return Math.max(0, Math.min(5, ts - this.t)); }
}

async function run(): Promise<string> {
  const data = barsFromCloses('BTC-USD', Array.from({ length: 8 }, (_, i) => 100 + i));
  const parts = await partsFor(STRATEGY, {}, data);
  const cfg = config({ account: { cash: 1_000_000, type: 'margin' } });
  const clock = new VenueClock(data[0]!.ts);
  const stops = new EmulatedStops(new NoStops(new SimVenue({ instruments: parts.instruments, account: cfg.account })));
  let openAt5: unknown = null;
  const engine = makeEngine(cfg, parts, stops, { observers: [stops, { onLog: (l) => { if (l.message === 'stop at bar 5') openAt5 = l.fields?.['open']; } }], idPrefix: 't', clock });
  let status = '';
  let stop = false;
  engine.addFeed({
    kind: 'push',
    start(sink, done) {
      // Every bar at once: a backlog, as when bars arrive faster than the engine takes them.
      clock.t = data[data.length - 1]!.ts + 60_000; // the venue's clock follows its bars once synced
      for (const b of data) sink(b);
      setTimeout(() => { status = [...engine.orders.all()][0]!.status; engine.stop(); done(); }, 50);
      void stop;
    },
    stop() { stop = true; },
  });
  await engine.run();
  return `${status}, open at bar 5: ${String(openAt5)}`;
}

describe('a held stop\'s answers carry the venue\'s clock', () => {
  it('a cancelled stop ends canceled even when engine time started ahead of the venue\'s clock', async () => {
    // The cancel landed before the next bar was handled, though every bar was already queued.
    expect(await run()).toBe('canceled, open at bar 5: false');
  });
  it('accepted, canceled and replaced carry the venue\'s latest time, not the command\'s', async () => {
    const parts = await partsFor(STRATEGY, {}, barsFromCloses('BTC-USD', [100]));
    const sim = new SimVenue({ instruments: parts.instruments, account: config().account });
    const got: { kind: string; ts: number }[] = [];
    const stops = new EmulatedStops(new NoStops(sim));
    stops.connect((r) => got.push({ kind: r.kind, ts: r.ts }));
    stops.onMarketData({ kind: 'bar', symbol: 'BTC-USD', ts: 42, open: 100, high: 100, low: 100, close: 100, volume: 1 });
    stops.submit({ clientOrderId: 'S1', request: { symbol: 'BTC-USD', side: 'sell', type: 'stop', stopPrice: 50, qty: 1, tif: 'gtc' }, ts: 9e12 });
    stops.replace('S1', { stopPrice: 49 }, 9e12);
    stops.cancel('S1', 9e12);
    expect(got).toEqual([{ kind: 'accepted', ts: 42 }, { kind: 'replaced', ts: 42 }, { kind: 'canceled', ts: 42 }]);
  });
});
