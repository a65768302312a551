/**
 * Reconnect delays: exponential (initial, doubling, capped) with "equal jitter" (half the step
 * fixed, half random), so many clients cut off together do not all come back at the same instant,
 * and a delay never drops to zero. `random` is injectable (tests give it a fixed sequence).
 */
export interface BackoffOptions {
  readonly initialMs: number;
  readonly maxMs: number;
  /** [0, 1). Default Math.random. */
  readonly random?: () => number;
}

/** The delay before reconnect attempt `attempt` (0 = the first after a drop). */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  const step = Math.min(o.maxMs, o.initialMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const r = (o.random ?? Math.random)();
  const u = Number.isFinite(r) ? Math.min(Math.max(r, 0), 1) : 0.5;
  return Math.round(step / 2 + (step / 2) * u);
}
