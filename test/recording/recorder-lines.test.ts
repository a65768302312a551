/**
 * The recorder writes market lines straight into a byte buffer (no string per line). These pin the
 * bytes to the text the line template always produced, for numbers on and off the fast path, odd
 * timestamps and non-ASCII symbols, and check that non-market lines sharing the buffer keep their
 * order, stay valid JSON and are still scrubbed of secrets.
 */
import { describe, expect, it } from 'vitest';
import type { EngineView } from '../../src/engine/engine.ts';
import type { MarketEvent } from '../../src/domain/market.ts';
import { Recorder, num } from '../../src/recording/recorder.ts';
import { MemorySink } from '../../src/recording/sink.ts';
import { secrets } from '../../src/util/secrets.ts';

function fakeEngine(): EngineView & { tick(): void } {
  let processed = 0;
  const e = {
    tick: () => { processed++; },
    eventsProcessed: () => processed,
    now: () => 1_700_000_000_000,
    last: () => undefined,
    context: () => ({ symbols: [] as string[] }),
    portfolio: { positionsList: () => [], account: () => ({ cash: 0 }), position: () => null },
    openOrderViews: () => [],
    tradingState: () => ({ status: 'active' }),
  };
  return e as unknown as EngineView & { tick(): void };
}

function expected(ev: MarketEvent): string {
  const s = JSON.stringify(ev.symbol);
  if (ev.kind === 'bar') return `{"k":"bar","t":${ev.ts},"s":${s},"o":${num(ev.open)},"h":${num(ev.high)},"l":${num(ev.low)},"c":${num(ev.close)},"v":${num(ev.volume)}}`;
  if (ev.kind === 'quote') return `{"k":"quote","t":${ev.ts},"s":${s},"b":${num(ev.bid)},"a":${num(ev.ask)},"bs":${num(ev.bidSize)},"as":${num(ev.askSize)}}`;
  return `{"k":"trade","t":${ev.ts},"s":${s},"p":${num(ev.price)},"q":${num(ev.size)}}`;
}

const NUMBERS = [60035.11, 12.63208, 0.00001, 1e-9, 60000, 0.1 + 0.2, 123456789.5, 1.5e300, -3.25, 59999.99, 0.3, 0, -0, 8.99999999e7, 9e7, 1, 0.12345678, 0.123456789, 5e-324, Number.MAX_SAFE_INTEGER];
const TIMES = [0, 1, 1_700_000_000_000, 1.5, -60_000, 2 ** 53 + 2, 1e21];
const SYMBOLS = ['BTC-USD', 'ÄPFEL', 'a"b\\c', '日本'];

describe('recorder market lines', () => {
  it('are byte for byte the template text, in order with the other lines', () => {
    const sink = new MemorySink();
    const engine = fakeEngine();
    const rec = new Recorder({ sink, header: null, flushMs: 0, batchLines: 7, snapshotEvery: 1_000_000 });
    const want: string[] = [];
    let i = 0;
    for (const sym of SYMBOLS) {
      for (const t of TIMES) {
        for (const x of NUMBERS) {
          const y = NUMBERS[(i * 7) % NUMBERS.length]!;
          const evs: MarketEvent[] = [
            { kind: 'bar', symbol: sym, ts: t, open: x, high: y, low: x, close: y, volume: x },
            { kind: 'quote', symbol: sym, ts: t, bid: y, ask: x, bidSize: x, askSize: y },
            { kind: 'trade', symbol: sym, ts: t, price: x, size: y },
          ];
          for (const ev of evs) {
            engine.tick();
            rec.onMarket(ev, engine);
            want.push(expected(ev));
          }
          if (i % 13 === 0) {
            rec.gate(`g${i}`, true, 'é'.repeat(i % 5));
            want.push(JSON.stringify({ k: 'gate', t: 0, name: `g${i}`, ok: true, detail: 'é'.repeat(i % 5) }));
          }
          i++;
        }
      }
    }
    rec.close();
    const lines = sink.text().split('\n');
    expect(lines.pop()).toBe('');
    // The opening snapshot follows the first market line; the rest are the events in order.
    expect(JSON.parse(lines[1]!).k).toBe('snap');
    expect([lines[0], ...lines.slice(2)]).toEqual(want);
    expect(sink.batches.length).toBeGreaterThan(10);
    expect(sink.closed).toBe(true);
  });

  it('scrubs secrets from non-market lines, even a line larger than the buffer', () => {
    const secret = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc';
    secrets.add(secret);
    try {
      const sink = new MemorySink();
      const engine = fakeEngine();
      const rec = new Recorder({ sink, header: null, flushMs: 0, snapshotEvery: 1_000_000 });
      rec.error('venue', new Error(`bad key ${secret}`));
      rec.gate('big', false, `${'x'.repeat(3_000_000)} ${secret}`);
      engine.tick();
      rec.onMarket({ kind: 'trade', symbol: 'BTC-USD', ts: 5, price: 1, size: 2 }, engine);
      rec.close();
      const text = sink.text();
      expect(text).not.toContain(secret);
      const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { k: string });
      expect(lines.map((l) => l.k)).toEqual(['error', 'gate', 'trade', 'snap']);
    } finally {
      secrets.clear();
    }
  });
});
