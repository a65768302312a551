/**
 * Market hours for GET /v2/clock, judged on venue time: US equities trade 09:30-16:00 New York on
 * weekdays (exchange holidays are not known here, as in the simulated venue's calendar); a venue
 * that only lists crypto is always open.
 */
import { nyCloseOf } from '../venues/sim/index.ts';

const DAY_MS = 86_400_000;
const SESSION_MS = 6.5 * 3_600_000;

export interface MarketClock {
  readonly isOpen: boolean;
  readonly nextOpen: number;
  readonly nextClose: number;
}

export function equityClock(ts: number): MarketClock {
  let nextOpen = Number.NaN;
  let nextClose = Number.NaN;
  let isOpen = false;
  for (let day = Math.floor(ts / DAY_MS) - 1; day < Math.floor(ts / DAY_MS) + 10; day++) {
    const close = nyCloseOf(day);
    if (close === null || close <= ts) continue;
    const open = close - SESSION_MS;
    if (Number.isNaN(nextClose)) {
      nextClose = close;
      isOpen = open <= ts;
    }
    if (open > ts && Number.isNaN(nextOpen)) nextOpen = open;
    if (!Number.isNaN(nextOpen)) break;
  }
  return { isOpen, nextOpen, nextClose };
}

export function alwaysOpenClock(ts: number): MarketClock {
  const midnight = Math.floor(ts / DAY_MS) * DAY_MS + DAY_MS;
  return { isOpen: true, nextOpen: midnight, nextClose: midnight };
}
