/**
 * One trigger rule: a stop parity holds (venues/emulated-stops.ts) triggers on exactly the event on
 * which the simulated venue's native stop triggers, over seeded random bars, trades and quotes
 * (gaps through the stop, touches exactly at it, misses by a tick, one-sided quotes). The native
 * side is the real SimVenue taking the stop; the emulated side is the same SimVenue with 'stop'
 * taken out of its capabilities (a venue that takes market orders only), under the decorator.
 */
import { describe, expect, it } from 'vitest';
import type { MarketEvent } from '../../src/domain/market.ts';
import type { ReplaceRequest } from '../../src/domain/order.ts';
import type { ExecutionClient, ExecutionReport, ReportSink, SubmitCommand, VenueCapabilities } from '../../src/ports/index.ts';
import { SimVenue } from '../../src/venues/sim/sim-venue.ts';
import { EmulatedStops } from '../../src/venues/emulated-stops.ts';
import { mulberry32 } from '../../src/util/random.ts';
import { INSTRUMENTS, MIN, T0 } from '../orders/helpers.ts';
import { DEFAULT_ACCOUNT } from '../../src/portfolio/portfolio.ts';

const ACCOUNT = { ...DEFAULT_ACCOUNT, type: 'margin' as const, leverage: 4, cash: 10_000_000 };

/** The real simulator, offering market and limit orders only (what OKX offers). */
class NoStops implements ExecutionClient {
  readonly capabilities: VenueCapabilities;
  readonly submits: { cmd: SubmitCommand; at: number }[] = [];
  now = Number.NaN;
  constructor(readonly sim: SimVenue) {
    this.capabilities = { ...sim.capabilities, orderTypes: ['market', 'limit'] };
  }
  get venue(): string { return 'nostops'; }
  connect(sink: ReportSink): void { this.sim.connect(sink); }
  submit(cmd: SubmitCommand): void { this.submits.push({ cmd, at: this.now }); this.sim.submit(cmd); }
  cancel(id: string, ts: number): void { this.sim.cancel(id, ts); }
  replace(id: string, ch: ReplaceRequest, ts: number): void { this.sim.replace(id, ch, ts); }
  onMarketData(ev: MarketEvent): void { this.now = ev.ts; this.sim.onMarketData(ev); }
  disconnect(): void { this.sim.disconnect(); }
}

const round = (x: number): number => Math.round(x * 100) / 100;

function events(seed: number, n: number): MarketEvent[] {
  const rnd = mulberry32(seed);
  const out: MarketEvent[] = [];
  let px = 100;
  for (let i = 1; i <= n; i++) {
    const ts = T0 + i * MIN;
    const k = rnd();
    px = round(Math.max(50, px + (rnd() - 0.5) * 4));
    if (k < 0.5) {
      const open = round(px + (rnd() < 0.2 ? (rnd() - 0.5) * 6 : 0)); // sometimes a gap
      const hi = round(Math.max(open, px) + rnd() * 2);
      const lo = round(Math.min(open, px) - rnd() * 2);
      out.push({ kind: 'bar', symbol: 'AAPL', ts, open, high: hi, low: lo, close: px, volume: 1e9 });
    } else if (k < 0.75) {
      out.push({ kind: 'trade', symbol: 'AAPL', ts, price: px, size: 1e9 });
    } else {
      const oneSided = rnd() < 0.15;
      const bid = oneSided && rnd() < 0.5 ? 0 : round(px - 0.05);
      const ask = oneSided && bid !== 0 ? 0 : round(px + 0.05);
      out.push({ kind: 'quote', symbol: 'AAPL', ts, bid, ask, bidSize: 1e9, askSize: 1e9 });
    }
  }
  return out;
}

/** Engine time of the event on which each side's stop triggered (native: its fill; emulated: its market order left). */
function triggerTimes(evs: readonly MarketEvent[], side: 'buy' | 'sell', stopPrice: number): { native: number | null; emulated: number | null } {
  const native = new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT });
  const reports: ExecutionReport[] = [];
  native.connect((r) => reports.push(r));
  const inner = new NoStops(new SimVenue({ instruments: INSTRUMENTS, account: ACCOUNT }));
  const emulated = new EmulatedStops(inner);
  emulated.connect(() => undefined);
  const request = { symbol: 'AAPL', side, type: 'stop' as const, stopPrice, qty: 10, tif: 'gtc' as const };
  // Decided on the first event: neither side may trigger on it (the past of the decision).
  const first = evs[0]!;
  native.onMarketData(first);
  emulated.onMarketData(first);
  native.submit({ clientOrderId: 'S1', request, ts: first.ts });
  emulated.submit({ clientOrderId: 'S1', request, ts: first.ts });
  for (const ev of evs.slice(1)) {
    native.onMarketData(ev);
    emulated.onMarketData(ev);
  }
  const fill = reports.find((r) => r.kind === 'fill');
  const sent = inner.submits.find((s) => s.cmd.clientOrderId === 'S1');
  return { native: fill?.ts ?? null, emulated: sent?.at ?? null };
}

describe('emulated stops trigger by the simulator\'s rule', () => {
  it('on the same event as the simulator\'s own stop, over bars, trades and quotes, both sides', () => {
    let triggered = 0;
    let missed = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const evs = events(seed, 40);
      for (const side of ['buy', 'sell'] as const) {
        for (const off of [-3, -1.5, 0, 1.5, 3]) {
          const stop = round(100 + (side === 'buy' ? off + 2 : off - 2));
          const t = triggerTimes(evs, side, stop);
          expect(t.emulated, `seed ${seed} ${side} stop ${stop}`).toBe(t.native);
          if (t.native === null) missed++; else triggered++;
        }
      }
    }
    // Both outcomes were exercised, many times.
    expect(triggered).toBeGreaterThan(200);
    expect(missed).toBeGreaterThan(20);
  });

  it('a bar that only touches the stop triggers it; one a tick short does not; a one-sided quote never', () => {
    const bar = (k: number, o: number, h: number, l: number, c: number): MarketEvent => ({ kind: 'bar', symbol: 'AAPL', ts: T0 + k * MIN, open: o, high: h, low: l, close: c, volume: 1e9 });
    const base = bar(0, 100, 100, 100, 100);
    expect(triggerTimes([base, bar(1, 100, 100.5, 99.01, 100)], 'sell', 99)).toEqual({ native: null, emulated: null });
    expect(triggerTimes([base, bar(1, 100, 100.5, 99, 100)], 'sell', 99)).toEqual({ native: T0 + MIN, emulated: T0 + MIN });
    const q = (k: number, bid: number, ask: number): MarketEvent => ({ kind: 'quote', symbol: 'AAPL', ts: T0 + k * MIN, bid, ask, bidSize: 1e9, askSize: 1e9 });
    expect(triggerTimes([base, q(1, 0, 101), q(2, 98.9, 99.1)], 'sell', 99)).toEqual({ native: T0 + 2 * MIN, emulated: T0 + 2 * MIN });
  });
});
