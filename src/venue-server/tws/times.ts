/** TWS request time strings and durations: "yyyyMMdd HH:mm:ss[ zone]", "yyyyMMdd-HH:mm:ss" (UTC), "30 D". */
import { ZoneConverter } from '../../data/index.ts';

const UTC_NAMES = new Set(['', 'UTC', 'GMT', 'Etc/UTC', 'Etc/GMT', 'Z']);

/** Epoch ms of a TWS time string, or an error message saying what was expected. */
export function parseTwsTime(s: string): { ok: true; ms: number } | { ok: false; message: string } {
  const m = /^(\d{4})(\d{2})(\d{2})(?:([ -])(\d{2}):(\d{2}):(\d{2}))?(?: +(\S+))?$/.exec(s.trim());
  if (m === null) return { ok: false, message: `time "${s}" is not "yyyyMMdd HH:mm:ss[ zone]" or "yyyyMMdd-HH:mm:ss" (UTC)` };
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[5] ?? 0), Number(m[6] ?? 0), Number(m[7] ?? 0));
  if (!Number.isFinite(wall)) return { ok: false, message: `time "${s}" is not a date` };
  const zone = m[8] ?? '';
  if (m[4] === '-' || UTC_NAMES.has(zone)) return { ok: true, ms: wall };
  try {
    const ms = new ZoneConverter(zone).toUtc(wall);
    return Number.isFinite(ms) ? { ok: true, ms } : { ok: false, message: `time "${s}" falls in a DST gap of ${zone}` };
  } catch {
    return { ok: false, message: `time "${s}": unknown time zone "${zone}"` };
  }
}

/** "30 D" -> ms. S, D, W, M (30 days), Y (365 days). */
export function parseDuration(s: string): number | null {
  const m = /^(\d+) ([SDWMY])$/.exec(s.trim());
  if (m === null) return null;
  const unit = { S: 1_000, D: 86_400_000, W: 7 * 86_400_000, M: 30 * 86_400_000, Y: 365 * 86_400_000 }[m[2] as 'S' | 'D' | 'W' | 'M' | 'Y'];
  return Number(m[1]) * unit;
}

/** "5 mins" -> ms; only sizes the one-minute data can make. */
export function parseBarSize(s: string): number | null {
  const m = /^(\d+) (min|mins|hour|hours|day|days)$/.exec(s.trim());
  if (m === null) return null;
  const n = Number(m[1]);
  const unit = m[2]!.startsWith('min') ? 60_000 : m[2]!.startsWith('hour') ? 3_600_000 : 86_400_000;
  return n > 0 ? n * unit : null;
}
