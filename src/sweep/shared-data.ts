/**
 * The sweep's bars, loaded once by the main thread and handed to every worker without a copy: each
 * series' six columns live in one SharedArrayBuffer, and a SharedArrayBuffer crosses to a thread
 * (postMessage / structured clone) as a handle on the same memory. No thread writes to them: the
 * engine only reads bars, and a run's window is a view (run-one.ts sliceSeries).
 */
import type { BarSeries } from '../data/index.ts';

const COLUMNS = ['ts', 'open', 'high', 'low', 'close', 'volume'] as const;

/** A copy of `series` whose columns are views on one SharedArrayBuffer per series. */
export function shareSeries(series: readonly BarSeries[]): BarSeries[] {
  return series.map((s) => {
    const n = s.length;
    const buf = new SharedArrayBuffer(COLUMNS.length * n * Float64Array.BYTES_PER_ELEMENT);
    const col = (k: number, from: Float64Array): Float64Array => {
      const view = new Float64Array(buf, k * n * Float64Array.BYTES_PER_ELEMENT, n);
      view.set(from.subarray(0, n));
      return view;
    };
    return {
      symbol: s.symbol, source: s.source, length: n,
      ts: col(0, s.ts), open: col(1, s.open), high: col(2, s.high), low: col(3, s.low), close: col(4, s.close), volume: col(5, s.volume),
    };
  });
}

/** Every column of every series is on shared memory (and there is at least one series). */
export function isShared(series: readonly BarSeries[]): boolean {
  return series.length > 0 && series.every((s) => COLUMNS.every((k) => s[k].buffer instanceof SharedArrayBuffer));
}
