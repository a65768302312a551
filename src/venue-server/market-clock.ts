/**
 * The shape of GET /v2/clock, and the clock of a venue that lists only crypto (always open). US
 * equity hours come from the domain's one calendar (src/domain/market-hours.ts usEquityClock).
 */
const DAY_MS = 86_400_000;

export interface MarketClock {
  readonly isOpen: boolean;
  readonly nextOpen: number;
  readonly nextClose: number;
}

export function alwaysOpenClock(ts: number): MarketClock {
  const midnight = Math.floor(ts / DAY_MS) * DAY_MS + DAY_MS;
  return { isOpen: true, nextOpen: midnight, nextClose: midnight };
}
