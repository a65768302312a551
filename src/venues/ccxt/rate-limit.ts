/**
 * The venue's own order limit (OKX: 60 orders per 2 s per instrument), which ccxt's throttle does
 * not know: ccxt paces requests (rateLimit ms apart) but not orders per instrument. A sliding window
 * per key; `take` waits on the scheduler until the key has room, in arrival order.
 */
import type { Scheduler } from '../../ports/scheduler.ts';

export class WindowLimiter {
  private readonly sent = new Map<string, number[]>();
  private readonly queue = new Map<string, Promise<void>>();

  constructor(private readonly limit: number, private readonly windowMs: number, private readonly scheduler: Scheduler) {
    if (!(limit >= 1) || !(windowMs > 0)) throw new Error(`rate limit needs at least 1 request per window, got ${limit} per ${windowMs} ms`);
  }

  /** Resolves when one more request under `key` stays within the limit (and counts it as sent). */
  take(key: string): Promise<void> {
    const prev = this.queue.get(key) ?? Promise.resolve();
    const next = prev.then(() => this.slot(key));
    this.queue.set(key, next);
    void next.then(() => { if (this.queue.get(key) === next) this.queue.delete(key); });
    return next;
  }

  /** How long a request under `key` would wait now (ms); 0 = it may go. */
  waitFor(key: string, now = this.scheduler.now()): number {
    const times = (this.sent.get(key) ?? []).filter((t) => t > now - this.windowMs);
    this.sent.set(key, times);
    return times.length < this.limit ? 0 : times[times.length - this.limit]! + this.windowMs - now;
  }

  private async slot(key: string): Promise<void> {
    for (let w = this.waitFor(key); w > 0; w = this.waitFor(key)) await this.scheduler.sleep(w);
    this.sent.get(key)!.push(this.scheduler.now());
  }
}
