/** The calendar clock behind `tod` and `dow`: DST-correct New York, UTC for 24x7, on every minute of the change days. */
import { describe, expect, it } from 'vitest';
import { LocalClock } from '../../src/features/local-time.ts';
import { FeatureSet, parseFeatureList } from '../../src/features/feature-set.ts';
import { assembleInputs } from '../../src/features/inputs.ts';
import { equityTimes, MINUTE, walk } from './synthetic.ts';

const fmt = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', hourCycle: 'h23', hour: 'numeric', minute: 'numeric', second: 'numeric', weekday: 'short' });
const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Milliseconds since local midnight and the weekday, from Intl (which shows whole seconds). */
function intl(ts: number): { ms: number; dow: number } {
  const p = Object.fromEntries(fmt.formatToParts(ts).map((x) => [x.type, x.value]));
  return { ms: ((Number(p.hour) * 60 + Number(p.minute)) * 60 + Number(p.second)) * 1000 + (ts % 1000), dow: DAYS.indexOf(p.weekday ?? '') };
}

describe('LocalClock', () => {
  it.each([
    ['DST start, 2024-03-09..11', '2024-03-09T00:00:00Z'],
    ['DST end, 2024-11-02..04', '2024-11-02T00:00:00Z'],
  ])('us_equity matches Intl at every minute (and some odd seconds) of %s', (_label, from) => {
    const clock = new LocalClock('us_equity');
    const start = Date.parse(from);
    const bad: string[] = [];
    for (let ts = start; ts < start + 3 * 86_400_000; ts += MINUTE) {
      for (const t of [ts, ts + 59_999 - (ts % 7) * 1000]) {
        const want = intl(t);
        const got = { ms: Math.round(clock.minuteOfDay(t) * 60_000), dow: clock.dayOfWeek(t) };
        if (got.ms !== want.ms || got.dow !== want.dow) bad.push(`${new Date(t).toISOString()}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
      }
    }
    expect(bad.slice(0, 5)).toEqual([]);
  });

  it('24x7 is UTC: midnight is 0, Monday 2024-03-11 is 0, Sunday 6', () => {
    const clock = new LocalClock('24x7');
    expect(clock.minuteOfDay(Date.parse('2024-03-11T00:00:00Z'))).toBe(0);
    expect(clock.minuteOfDay(Date.parse('2024-03-10T23:59:00Z'))).toBe(1439);
    expect(clock.dayOfWeek(Date.parse('2024-03-11T00:00:00Z'))).toBe(0);
    expect(clock.dayOfWeek(Date.parse('2024-03-10T23:59:59Z'))).toBe(6);
    expect(clock.minuteOfDay(Date.parse('1969-12-31T23:30:00Z'))).toBe(1410); // before the epoch
    expect(clock.dayOfWeek(Date.parse('1969-12-31T23:30:00Z'))).toBe(2); // a Wednesday
  });

  it('regular-hours equity bars read 09:30..15:59 New York on both sides of each DST change', () => {
    const bars = walk('SPY', equityTimes(), 1);
    const set = new FeatureSet(parseFeatureList('tod,dow'));
    const m = set.matrix(assembleInputs(bars, {}, MINUTE), { calendar: 'us_equity', barMs: MINUTE });
    const tods = bars.map((_, r) => m.values[r * 2]!);
    expect(Math.min(...tods)).toBe(570);
    expect(Math.max(...tods)).toBe(959);
    expect(new Set(bars.map((_, r) => m.values[r * 2 + 1]!))).toEqual(new Set([0, 1, 3, 4])); // Mon, Tue, Thu, Fri
  });
});
