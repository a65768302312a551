/**
 * Wall-clock time in an IANA zone -> UTC, DST-correct, on `Intl.DateTimeFormat` alone.
 *
 * Asking Intl is slow (microseconds), so the offset is cached per local day: a day whose offset is
 * the same two days before, at noon and three days after holds no transition (zones change offset
 * at most once in such a window), and every wall time in it converts with one subtraction. Only
 * the two transition days a year take the exact path.
 */

const DAY_MS = 86_400_000;

/** What a wall time is in the zone. */
export type WallResolution =
  | { readonly kind: 'unique'; readonly utc: number }
  /** A repeated hour (DST ends): both instants, earlier first. */
  | { readonly kind: 'ambiguous'; readonly earlier: number; readonly later: number }
  /** A skipped hour (DST starts): this wall time never happened there. */
  | { readonly kind: 'gap' };

/** True when the runtime knows the zone name. */
export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export class ZoneConverter {
  readonly zone: string;
  private readonly fmt: Intl.DateTimeFormat;
  /** Offset in ms per local day number, or NaN for a day with a transition. */
  private readonly dayOffset = new Map<number, number>();
  private lastDay = Number.NaN;
  private lastOffset = Number.NaN;

  /** Throws a RangeError naming the zone when the runtime does not know it. */
  constructor(zone: string) {
    if (!isValidTimeZone(zone)) throw new RangeError(`unknown time zone '${zone}' (expected an IANA name such as America/New_York or Europe/London)`);
    this.zone = zone;
    this.fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', era: 'short',
      year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
  }

  /** The zone's offset from UTC (local - UTC, ms) at a UTC instant. */
  offsetAt(utc: number): number {
    const whole = utc - (((utc % 1000) + 1000) % 1000);
    let y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, bc = false;
    for (const p of this.fmt.formatToParts(whole)) {
      switch (p.type) {
        case 'year': y = Number(p.value); break;
        case 'month': mo = Number(p.value); break;
        case 'day': d = Number(p.value); break;
        case 'hour': h = Number(p.value); break;
        case 'minute': mi = Number(p.value); break;
        case 'second': s = Number(p.value); break;
        case 'era': bc = p.value.startsWith('B'); break;
        default: break;
      }
    }
    const date = new Date(0);
    date.setUTCFullYear(bc ? 1 - y : y, mo - 1, d);
    date.setUTCHours(h, mi, s, 0);
    return date.getTime() - whole;
  }

  /**
   * The UTC instant of a wall time (given as if it were UTC). On a repeated hour, `notAfter` picks:
   * the earlier instant unless it is not after `notAfter` (the previous row of the same series),
   * then the later one, so a file that walks through the repeated hour twice reads correctly.
   * Returns NaN for a wall time in a DST gap.
   */
  toUtc(wall: number, notAfter: number = Number.NEGATIVE_INFINITY): number {
    const day = Math.floor(wall / DAY_MS);
    let off: number;
    if (day === this.lastDay) off = this.lastOffset;
    else {
      const cached = this.dayOffset.get(day);
      off = cached ?? this.classifyDay(day);
      this.lastDay = day;
      this.lastOffset = off;
    }
    if (!Number.isNaN(off)) return wall - off;
    const r = this.resolve(wall);
    if (r.kind === 'unique') return r.utc;
    if (r.kind === 'gap') return Number.NaN;
    return r.earlier > notAfter ? r.earlier : r.later;
  }

  /** The exact answer for one wall time (no cache). */
  resolve(wall: number): WallResolution {
    const before = this.offsetAt(wall - DAY_MS);
    const after = this.offsetAt(wall + DAY_MS);
    const valid: number[] = [];
    for (const off of before === after ? [before] : [before, after]) {
      const utc = wall - off;
      if (this.offsetAt(utc) === off) valid.push(utc);
    }
    if (valid.length === 0) return { kind: 'gap' };
    if (valid.length === 1) return { kind: 'unique', utc: valid[0]! };
    const [a, b] = valid as [number, number];
    return { kind: 'ambiguous', earlier: Math.min(a, b), later: Math.max(a, b) };
  }

  private classifyDay(day: number): number {
    const start = day * DAY_MS;
    const a = this.offsetAt(start - 2 * DAY_MS);
    const b = this.offsetAt(start + DAY_MS / 2);
    const c = this.offsetAt(start + 3 * DAY_MS);
    const off = a === b && b === c ? a : Number.NaN;
    this.dayOffset.set(day, off);
    return off;
  }
}
