/**
 * The wall clock of an instrument's calendar at a UTC instant: us_equity reads America/New_York
 * (DST-correct, from the runtime's zone data through src/data/zone.ts), 24x7 reads UTC.
 *
 * Asking Intl for an offset costs microseconds, so the offsets of the current UTC day are kept (bars
 * come in time order: one day at a time, bounded memory): a day whose offset is the same at its
 * start and at its end holds no transition (a zone changes offset at most once in a day), and on the
 * two transition days a year the transition instant is found once by bisection to the millisecond,
 * so every bar converts with one comparison and one addition.
 */
import type { Instrument } from '../domain/instrument.ts';
import { ZoneConverter } from '../data/zone.ts';

const DAY_MS = 86_400_000;

/** The IANA zone a calendar's days and times of day are counted in. */
export function calendarZone(calendar: Instrument['calendar']): string {
  return calendar === 'us_equity' ? 'America/New_York' : 'UTC';
}

interface DayOffsets {
  /** Offset (local - UTC, ms) from the day's start up to `switchAt`. */
  readonly before: number;
  /** The first instant of the new offset, or +Infinity when the day holds no transition. */
  readonly switchAt: number;
  readonly after: number;
}

export class LocalClock {
  private readonly zone: ZoneConverter | undefined;
  private lastDay = Number.NaN;
  private lastOffsets: DayOffsets = { before: 0, switchAt: Number.POSITIVE_INFINITY, after: 0 };

  constructor(calendar: Instrument['calendar']) {
    const zone = calendarZone(calendar);
    this.zone = zone === 'UTC' ? undefined : new ZoneConverter(zone);
  }

  /** The wall time at `utc`, as epoch ms of the same wall reading in UTC. */
  local(utc: number): number {
    if (this.zone === undefined) return utc;
    const day = Math.floor(utc / DAY_MS);
    if (day !== this.lastDay) {
      this.lastOffsets = this.classify(day);
      this.lastDay = day;
    }
    const o = this.lastOffsets;
    return utc + (utc < o.switchAt ? o.before : o.after);
  }

  /** Minutes since local midnight (fractional for instants off the minute). */
  minuteOfDay(utc: number): number {
    const l = this.local(utc);
    return (l - Math.floor(l / DAY_MS) * DAY_MS) / 60_000;
  }

  /** 0 = Monday .. 6 = Sunday, of the local date. */
  dayOfWeek(utc: number): number {
    // 1970-01-01 was a Thursday (3 when Monday is 0).
    const d = Math.floor(this.local(utc) / DAY_MS);
    return (((d + 3) % 7) + 7) % 7;
  }

  private classify(day: number): DayOffsets {
    const zone = this.zone!;
    const start = day * DAY_MS;
    const end = start + DAY_MS - 1;
    const before = zone.offsetAt(start);
    const after = zone.offsetAt(end);
    let switchAt = Number.POSITIVE_INFINITY;
    if (before !== after) {
      let lo = start; // offset here is `before`
      let hi = end; // offset here is `after`
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (zone.offsetAt(mid) === before) lo = mid;
        else hi = mid;
      }
      switchAt = hi;
    }
    return { before, switchAt, after };
  }
}
