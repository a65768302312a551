/**
 * Clocks decide when an event is due. Engine time itself is always the timestamp of the event being
 * processed, so a strategy sees the same `now()` in a backtest, a paper session and a re-run.
 */
export interface Clock {
  /** Events with a timestamp at or before this are due. */
  now(): number;
  /** Wall milliseconds until `ts` is due (<= 0: due now). */
  delayUntil(ts: number): number;
  /** Clocks that replay data at a pace start at the first event's time (called with it). */
  anchor?(dataTs: number): void;
}

/** Backtests and re-runs: everything is due at once, as fast as the CPU goes. */
export class SimulatedClock implements Clock {
  now(): number { return Number.POSITIVE_INFINITY; }
  delayUntil(): number { return 0; }
}

/** Live trading: the machine's clock. */
export class WallClock implements Clock {
  constructor(private readonly wallNow: () => number = Date.now) {}
  now(): number { return this.wallNow(); }
  delayUntil(ts: number): number { return ts - this.wallNow(); }
}

/**
 * A file replayed at `speed` times the pace of its timestamps (paper sessions fed from a file).
 * Anchored on the first event: data time `start` happens at the wall time of the first call.
 */
export class ReplayClock implements Clock {
  private wallStart: number | null = null;
  private dataStart = 0;
  constructor(private readonly speed: number, private readonly wallNow: () => number = Date.now) {
    if (!(speed > 0)) throw new Error(`speed must be > 0 (or "max"), got ${speed}`);
  }
  anchor(dataTs: number): void {
    if (this.wallStart !== null) return;
    this.wallStart = this.wallNow();
    this.dataStart = dataTs;
  }
  now(): number {
    if (this.wallStart === null) return Number.NEGATIVE_INFINITY;
    return this.dataStart + (this.wallNow() - this.wallStart) * this.speed;
  }
  delayUntil(ts: number): number {
    if (this.wallStart === null) return 0;
    return (ts - this.now()) / this.speed;
  }
}
