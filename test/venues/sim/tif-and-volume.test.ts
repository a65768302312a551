import { describe, expect, it } from 'vitest';
import { dayExpiry } from '../../../src/venues/sim/calendar.ts';
import { isNyDst } from '../../../src/domain/market-hours.ts';
import { harness, lmt, MIN, mkt, stp, T0 } from './helpers.ts';

const t = (k: number): number => T0 + k * MIN;

describe('partial fills under a volume cap', () => {
  it('each bar fills at most share x volume (rounded down to the lot grid); market remainders fill at later opens', () => {
    const h = harness({ volumeShare: 0.1 });
    const id = h.submit(mkt('buy', 250), T0);
    h.bar(t(1), 100, 101, 99, 100, 1005); // 100.5 -> 100
    h.bar(t(2), 101, 102, 100, 101, 1000); // 100
    h.bar(t(3), 102, 103, 101, 102, 1000); // the last 50
    expect(h.fills(id).map((f) => [f.qty, f.price, f.execId, f.ts])).toEqual([
      [100, 100, 'S1-1', t(1)], [100, 101, 'S1-2', t(2)], [50, 102, 'S1-3', t(3)],
    ]);
    expect(h.venue.workingCount()).toBe(0);
  });

  it('a volume share that is not a whole number of lots rounds down (crypto lot 0.00001)', () => {
    const h = harness({ volumeShare: 0.5 });
    const id = h.submit(mkt('buy', 1, {}, 'BTC-USD'), T0);
    h.bar(t(1), 100, 100, 100, 100, 0.123456, 'BTC-USD'); // 0.061728 -> 0.06172
    expect(h.fills(id)).toMatchObject([{ qty: 0.06172 }]);
  });

  it('a limit remainder keeps working as a resting (maker) order', () => {
    const h = harness({ volumeShare: 0.1 });
    const id = h.submit(lmt('buy', 150, 100), T0);
    h.bar(t(1), 99, 99.5, 98.5, 99, 1000); // gap: 100 at 99.00, taker
    h.bar(t(2), 100.5, 101, 99.9, 100.2, 1000); // touched: the last 50 at 100.00, maker
    expect(h.fills(id).map((f) => [f.qty, f.price, f.liquidity])).toEqual([[100, 99, 'taker'], [50, 100, 'maker']]);
  });

  it('a zero-volume bar fills nothing and the order keeps working', () => {
    const h = harness({ volumeShare: 0.1 });
    const id = h.submit(mkt('buy', 10), T0);
    h.bar(t(1), 100, 100, 100, 100, 0);
    expect(h.fills(id)).toEqual([]);
    h.bar(t(2), 101, 101, 101, 101, 1000);
    expect(h.fills(id)).toMatchObject([{ qty: 10, price: 101 }]);
  });

  it('the cap is shared by all our orders on the symbol, in path order', () => {
    const h = harness({ volumeShare: 0.1 });
    const a = h.submit(lmt('buy', 80, 99), T0); // touched later on the path
    const b = h.submit(mkt('buy', 80), T0); // fills at the open, first
    h.bar(t(1), 100, 100.5, 98, 99, 1000);
    expect(h.fills().map((f) => [f.clientOrderId, f.qty])).toEqual([[b, 80], [a, 20]]);
  });
});

describe('time in force', () => {
  it('ioc: fills what the first event allows at arrival and cancels the rest', () => {
    const h = harness({ volumeShare: 0.1 });
    const id = h.submit(mkt('buy', 150, { tif: 'ioc' }), T0);
    h.bar(t(1), 100, 101, 99, 100, 1000);
    expect(h.of(id).slice(1)).toEqual([
      { kind: 'fill', clientOrderId: id, execId: 'S1-1', qty: 100, price: 100, fee: 0, liquidity: 'taker', ts: t(1) },
      { kind: 'canceled', clientOrderId: id, reason: 'ioc: unfilled quantity canceled', ts: t(1) },
    ]);
  });

  it('ioc limit is judged at arrival (the open): a touch later in the bar does not count', () => {
    const h = harness();
    const id = h.submit(lmt('buy', 10, 100, { tif: 'ioc' }), T0);
    h.bar(t(1), 101, 101.5, 99.5, 100.5);
    expect(h.kinds(id)).toEqual(['accepted', 'canceled']);
    const ok = h.submit(lmt('buy', 10, 100, { tif: 'ioc' }), t(1));
    h.bar(t(2), 99.8, 100.5, 99.5, 100);
    expect(h.fills(ok)).toMatchObject([{ qty: 10, price: 99.8, liquidity: 'taker' }]);
  });

  it('fok: all at once or canceled with nothing filled', () => {
    const h = harness({ volumeShare: 0.1 });
    const no = h.submit(mkt('buy', 150, { tif: 'fok' }), T0);
    h.bar(t(1), 100, 101, 99, 100, 1000); // cap 100 < 150
    expect(h.kinds(no)).toEqual(['accepted', 'canceled']);
    expect(h.of(no)[1]).toMatchObject({ reason: 'fok: the whole quantity could not fill at once' });
    const yes = h.submit(mkt('buy', 100, { tif: 'fok' }), t(1));
    h.bar(t(2), 100, 101, 99, 100, 1000);
    expect(h.kinds(yes)).toEqual(['accepted', 'fill']);
  });

  it('day (us_equity): expires at 16:00 New York; the next event past it expires the order before matching', () => {
    const h = harness({ latency: { submitMs: 0, ackMs: 7 } });
    const id = h.submit(lmt('buy', 10, 100), T0); // 10:00 EST, day is the equity default
    const close = Date.UTC(2024, 0, 2, 21, 0); // 16:00 EST
    const nextMorning = Date.UTC(2024, 0, 3, 14, 30);
    h.bar(nextMorning, 99, 99.5, 98, 99); // would gap-fill the limit, but the order died at the close
    expect(h.of(id)).toEqual([
      { kind: 'accepted', clientOrderId: id, venueOrderId: 'S1', ts: T0 + 7 },
      { kind: 'expired', clientOrderId: id, ts: close + 7 },
    ]);
    expect(h.venue.workingCount()).toBe(0);
  });

  it('day orders are expired by any symbol\'s event; gtc orders are not', () => {
    const h = harness();
    const day = h.submit(lmt('buy', 10, 100), T0);
    const gtc = h.submit(lmt('buy', 10, 100, { tif: 'gtc' }), T0);
    h.bar(Date.UTC(2024, 0, 2, 21, 0), 50, 51, 49, 50, 1000, 'MSFT'); // exactly at the close
    expect(h.kinds(day)).toEqual(['accepted', 'expired']);
    expect(h.kinds(gtc)).toEqual(['accepted']);
  });

  it('day (24x7): expires at the UTC day boundary; crypto defaults to gtc', () => {
    const h = harness();
    const day = h.submit(lmt('buy', 1, 100, { tif: 'day' }, 'BTC-USD'), T0);
    const dflt = h.submit(lmt('buy', 1, 100, {}, 'BTC-USD'), T0);
    h.bar(Date.UTC(2024, 0, 2, 23, 59), 150, 150, 150, 150, 1, 'BTC-USD');
    expect(h.kinds(day)).toEqual(['accepted']);
    h.bar(Date.UTC(2024, 0, 3), 150, 150, 150, 150, 1, 'BTC-USD');
    expect(h.of(day)[1]).toEqual({ kind: 'expired', clientOrderId: day, ts: Date.UTC(2024, 0, 3) });
    expect(h.kinds(dflt)).toEqual(['accepted']);
  });

  it('an order sent before engine time began (onStart: ts = -Infinity) takes its trading day from its first event', () => {
    const h = harness();
    const id = h.submit(lmt('buy', 10, 90), Number.NEGATIVE_INFINITY); // no price known yet either
    expect(h.kinds(id)).toEqual(['accepted']);
    h.bar(T0, 100, 101, 99, 100); // 10:00 EST Jan 2: the day ends 21:00 UTC
    h.bar(Date.UTC(2024, 0, 2, 20, 59), 100, 101, 99, 100);
    expect(h.kinds(id)).toEqual(['accepted']);
    h.bar(Date.UTC(2024, 0, 3, 14, 30), 100, 101, 99, 100);
    expect(h.of(id)[1]).toEqual({ kind: 'expired', clientOrderId: id, ts: Date.UTC(2024, 0, 2, 21) });
  });

  it('dayExpiry: daylight saving, after-hours and weekends', () => {
    expect(dayExpiry(T0, 'us_equity')).toBe(Date.UTC(2024, 0, 2, 21)); // EST
    expect(dayExpiry(Date.UTC(2024, 6, 2, 15), 'us_equity')).toBe(Date.UTC(2024, 6, 2, 20)); // EDT
    expect(dayExpiry(Date.UTC(2024, 0, 2, 22), 'us_equity')).toBe(Date.UTC(2024, 0, 3, 21)); // after the close: next session
    expect(dayExpiry(Date.UTC(2024, 0, 3, 2), 'us_equity')).toBe(Date.UTC(2024, 0, 3, 21)); // 21:00 NY the evening before
    expect(dayExpiry(Date.UTC(2024, 0, 5, 22), 'us_equity')).toBe(Date.UTC(2024, 0, 8, 21)); // Friday evening -> Monday
    expect(dayExpiry(Date.UTC(2024, 2, 8, 15), 'us_equity')).toBe(Date.UTC(2024, 2, 8, 21)); // Fri before the switch: EST
    expect(dayExpiry(Date.UTC(2024, 2, 11, 15), 'us_equity')).toBe(Date.UTC(2024, 2, 11, 20)); // Mon after: EDT
    expect(dayExpiry(Date.UTC(2024, 0, 2, 15), '24x7')).toBe(Date.UTC(2024, 0, 3));
    expect(isNyDst(2024, 2, 10)).toBe(true); // the second Sunday of March 2024
    expect(isNyDst(2024, 10, 3)).toBe(false); // the first Sunday of November 2024
    expect(isNyDst(2005, 3, 3)).toBe(true); // pre-2007 rule: first Sunday of April
    expect(isNyDst(2005, 2, 20)).toBe(false);
  });

  it('a stop that triggers on a bar with a zero volume cap keeps working as a market order', () => {
    const h = harness({ volumeShare: 0.1 });
    const id = h.submit(stp('buy', 10, 101), T0);
    h.bar(t(1), 100, 102, 99, 101, 0);
    expect(h.fills(id)).toEqual([]);
    h.bar(t(2), 103, 104, 102, 103, 1000);
    expect(h.fills(id)).toMatchObject([{ price: 103, liquidity: 'taker' }]);
  });
});
