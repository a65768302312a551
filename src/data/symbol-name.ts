/**
 * The symbol a single-symbol file stands for when neither the file nor the caller names one.
 *
 * Rule: take the file name without directory and extension; cut at the first `_` (so
 * `AAPL_2024_minute.csv` -> `AAPL`); drop a trailing bar-interval suffix after a `-` or `.` (`1m`,
 * `5min`, `1h`, `1d`, `daily`, ... so `BTC-USD-1m.csv` -> `BTC-USD`); uppercase the rest.
 * A symbol like `BTC-USD` keeps its dash; only a recognised interval is stripped.
 */
import { basename } from 'node:path';

const INTERVAL = /[-.](\d+(s|sec|m|min|mins|minute|minutes|h|hr|hour|hours|d|day|days|w|wk|week)|tick|ticks|minute|minutely|hourly|daily|weekly|bars?)$/i;

export function symbolFromFileName(path: string): string {
  let stem = basename(path);
  for (const ext of ['.csv', '.jsonl', '.ndjson', '.parquet', '.pq']) {
    if (stem.toLowerCase().endsWith(ext)) { stem = stem.slice(0, -ext.length); break; }
  }
  const us = stem.indexOf('_');
  if (us > 0) stem = stem.slice(0, us);
  // Strip interval suffixes repeatedly: "ETH-USD-1m-bars" -> "ETH-USD".
  for (let prev = ''; prev !== stem; ) {
    prev = stem;
    const m = INTERVAL.exec(stem);
    if (m !== null && m.index > 0) stem = stem.slice(0, m.index);
  }
  return stem.toUpperCase();
}
