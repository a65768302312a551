import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { TS_BAD, TS_NAIVE, TS_RANGE, TS_SECONDS, TS_SUBMS, TS_UTC, daysFromCivil, formatTs, scanTimestamp } from '../../src/data/timestamps.ts';
import { ZoneConverter, isValidTimeZone } from '../../src/data/zone.ts';
import { loadBars } from '../../src/data/load.ts';
import { parseCsvBars } from '../../src/data/csv.ts';
import { expectDataError, fixture } from './helpers.ts';

const scan = (s: string): [number, number] => {
  const out = { ms: Number.NaN };
  const k = scanTimestamp(s, 0, s.length, out);
  return [k, out.ms];
};

describe('scanTimestamp', () => {
  it('reads ISO with Z and offsets like Date.parse', () => {
    for (const s of ['2024-01-02T09:30:00Z', '2024-01-02T09:30:00.123Z', '2024-01-02T09:30:00+02:00', '2024-01-02T09:30:00-05:30',
      '2024-01-02 09:30:00Z', '2024-01-02T09:30Z', '1999-12-31T23:59:59.9+14:00', '2024-02-29T00:00:00Z']) {
      expect(scan(s), s).toEqual([TS_UTC, Date.parse(s.replace(' ', 'T'))]);
    }
    expect(scan('2024-01-02T09:30:00+0200')).toEqual([TS_UTC, Date.parse('2024-01-02T09:30:00+02:00')]);
    expect(scan('2024-01-02T09:30:00+02')).toEqual([TS_UTC, Date.parse('2024-01-02T09:30:00+02:00')]);
    expect(scan(' "2024-01-02T09:30:00Z" ')).toEqual([TS_UTC, Date.parse('2024-01-02T09:30:00Z')]);
  });

  it('truncates sub-millisecond fractions', () => {
    expect(scan('2024-01-02T09:30:00.123456Z')).toEqual([TS_UTC, Date.parse('2024-01-02T09:30:00.123Z')]);
  });

  it('agrees with Date.parse on random instants', () => {
    fc.assert(fc.property(fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) }), fc.integer({ min: -14 * 60, max: 14 * 60 }), (ms, offMin) => {
      const iso = new Date(ms).toISOString();
      expect(scan(iso)).toEqual([TS_UTC, ms]);
      const sign = offMin < 0 ? '-' : '+';
      const a = Math.abs(offMin);
      const withOff = `${new Date(ms + offMin * 60_000).toISOString().slice(0, -1)}${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
      expect(scan(withOff)).toEqual([TS_UTC, ms]);
    }));
  });

  it('marks naive times (no offset) as naive, with the wall time as if UTC', () => {
    expect(scan('2024-01-02 09:30:00')).toEqual([TS_NAIVE, Date.UTC(2024, 0, 2, 9, 30)]);
    expect(scan('2024-01-02T09:30')).toEqual([TS_NAIVE, Date.UTC(2024, 0, 2, 9, 30)]);
    expect(scan('2024-01-02')).toEqual([TS_NAIVE, Date.UTC(2024, 0, 2)]);
  });

  it('reads epoch ms and refuses seconds, micro- and nanoseconds', () => {
    expect(scan('1704187800000')).toEqual([TS_UTC, 1704187800000]);
    expect(scan('86400000000')).toEqual([TS_UTC, 86400000000]); // 11 digits: 1972, fine as ms
    expect(scan('0')).toEqual([TS_UTC, 0]);
    expect(scan('1704187800')[0]).toBe(TS_SECONDS);
    expect(scan('999999999')[0]).toBe(TS_SECONDS);
    expect(scan('1704187800000000')[0]).toBe(TS_SUBMS);
    expect(scan('1704187800000000000')[0]).toBe(TS_SUBMS);
  });

  it('refuses junk and out-of-range fields', () => {
    for (const s of ['', 'yesterday', '2024/01/02 09:30', '2024-01-02T9:30:00Z', '2024-01-02T09:30:00X', '2024-01-02T09:30:00+2:00', '1.7e12', '-1704187800000', '2024-01-02T09:30:00.Z']) {
      expect(scan(s)[0], s).toBe(TS_BAD);
    }
    for (const s of ['2024-13-01T00:00:00Z', '2023-02-29T00:00:00Z', '2024-01-02T24:00:00Z', '2024-01-02T23:60:00Z', '2024-01-00']) {
      expect(scan(s)[0], s).toBe(TS_RANGE);
    }
  });

  it('daysFromCivil matches Date.UTC', () => {
    fc.assert(fc.property(fc.integer({ min: -2000, max: 4000 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), (y, m, d) => {
      const ref = new Date(0);
      ref.setUTCFullYear(y, m - 1, d);
      expect(daysFromCivil(y, m, d) * 86_400_000).toBe(ref.getTime());
    }));
  });

  it('formatTs prints ISO with Z, milliseconds only when present', () => {
    expect(formatTs(Date.UTC(2024, 2, 4))).toBe('2024-03-04T00:00:00Z');
    expect(formatTs(Date.UTC(2024, 2, 4) + 5)).toBe('2024-03-04T00:00:00.005Z');
  });
});

describe('ZoneConverter', () => {
  const ny = new ZoneConverter('America/New_York');
  const wall = (y: number, mo: number, d: number, h: number, mi = 0): number => Date.UTC(y, mo - 1, d, h, mi);

  it('knows zones and refuses unknown ones by name', () => {
    expect(isValidTimeZone('Europe/London')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => new ZoneConverter('Mars/Olympus_Mons')).toThrow(/unknown time zone 'Mars\/Olympus_Mons'/);
  });

  it('converts winter and summer times with the right offset', () => {
    expect(ny.toUtc(wall(2024, 1, 2, 9, 30))).toBe(Date.UTC(2024, 0, 2, 14, 30)); // EST, -5
    expect(ny.toUtc(wall(2024, 7, 2, 9, 30))).toBe(Date.UTC(2024, 6, 2, 13, 30)); // EDT, -4
    expect(new ZoneConverter('Asia/Kolkata').toUtc(wall(2024, 1, 2, 9, 30))).toBe(Date.UTC(2024, 0, 2, 4, 0));
    expect(new ZoneConverter('UTC').toUtc(wall(2024, 1, 2, 9, 30))).toBe(wall(2024, 1, 2, 9, 30));
  });

  it('spring forward: 01:59 EST is followed by 03:00 EDT one minute later; 02:30 does not exist', () => {
    expect(ny.toUtc(wall(2024, 3, 10, 1, 59))).toBe(Date.UTC(2024, 2, 10, 6, 59));
    expect(ny.toUtc(wall(2024, 3, 10, 3, 0))).toBe(Date.UTC(2024, 2, 10, 7, 0));
    expect(ny.toUtc(wall(2024, 3, 10, 2, 30))).toBeNaN();
    expect(ny.resolve(wall(2024, 3, 10, 2, 30))).toEqual({ kind: 'gap' });
  });

  it('fall back: 01:30 happens twice; the earlier instant first, the later after it', () => {
    const w = wall(2024, 11, 3, 1, 30);
    expect(ny.resolve(w)).toEqual({ kind: 'ambiguous', earlier: Date.UTC(2024, 10, 3, 5, 30), later: Date.UTC(2024, 10, 3, 6, 30) });
    expect(ny.toUtc(w)).toBe(Date.UTC(2024, 10, 3, 5, 30));
    expect(ny.toUtc(w, Date.UTC(2024, 10, 3, 5, 59))).toBe(Date.UTC(2024, 10, 3, 6, 30));
  });

  it('agrees with Intl on every hour of a year, in several zones (cached path included)', () => {
    for (const zone of ['America/New_York', 'Europe/London', 'Australia/Sydney', 'Australia/Lord_Howe', 'Asia/Tehran']) {
      const z = new ZoneConverter(zone);
      for (let utc = Date.UTC(2024, 0, 1); utc < Date.UTC(2025, 0, 1); utc += 3_600_000 + 17 * 60_000) {
        const w = utc + z.offsetAt(utc);
        const back = z.toUtc(w, utc - 1);
        expect(back, `${zone} ${new Date(utc).toISOString()}`).toBe(utc);
      }
    }
  });
});

describe('loadBars with tz', () => {
  it('reads naive times in the named zone across the spring-forward gap', () => {
    const [s] = loadBars(fixture('ny-spring.csv'), { tz: 'America/New_York' });
    expect(Array.from(s!.ts)).toEqual([Date.UTC(2024, 2, 10, 6, 58), Date.UTC(2024, 2, 10, 6, 59), Date.UTC(2024, 2, 10, 7, 0), Date.UTC(2024, 2, 10, 7, 1)]);
  });

  it('reads the repeated hour at fall-back as two distinct hours', () => {
    const [s] = loadBars(fixture('ny-fall.csv'), { tz: 'America/New_York' });
    expect(Array.from(s!.ts).map(formatTs)).toEqual([
      '2024-11-03T04:59:00Z', // 00:59 EDT
      '2024-11-03T05:00:00Z', // 01:00 EDT
      '2024-11-03T05:59:00Z', // 01:59 EDT
      '2024-11-03T06:00:00Z', // 01:00 EST
      '2024-11-03T06:59:00Z', // 01:59 EST
      '2024-11-03T07:00:00Z', // 02:00 EST
    ]);
  });

  it('refuses a time inside the gap, naming zone and line', () => {
    expectDataError(() => loadBars(fixture('ny-gap.csv'), { tz: 'America/New_York' }), fixture('ny-gap.csv'), 3,
      "timestamp '2024-03-10 02:30:00' does not exist in America/New_York (skipped by a daylight-saving change)");
  });

  it('refuses naive times without tz, and names an unknown zone', () => {
    expectDataError(() => loadBars(fixture('naive.csv')), fixture('naive.csv'), 2, 'or name the zone it is in (--tz America/New_York, or data.tz in the config)');
    expectDataError(() => loadBars(fixture('naive.csv'), { tz: 'America/Nowhere' }), fixture('naive.csv'), 0, "unknown time zone 'America/Nowhere'");
  });

  it('tz does not touch timestamps that carry an offset', () => {
    const [a] = loadBars(fixture('offsets.csv'), { tz: 'Asia/Tokyo' });
    const [b] = loadBars(fixture('offsets.csv'));
    expect(Array.from(a!.ts)).toEqual(Array.from(b!.ts));
  });

  it('reads naive dates (daily bars) at local midnight', () => {
    const text = 'timestamp,open,high,low,close,volume\n2024-01-02,10,11,9,10,1\n2024-07-02,10,11,9,10,1\n';
    const [s] = parseCsvBars(text, 'SPY-1d.csv', { tz: 'America/New_York' });
    expect(s!.symbol).toBe('SPY');
    expect(Array.from(s!.ts)).toEqual([Date.UTC(2024, 0, 2, 5), Date.UTC(2024, 6, 2, 4)]);
  });
});
