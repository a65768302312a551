/**
 * One ccxt watch* stream kept alive: watch, apply, watch again. ccxt does not resubscribe by
 * itself: a closed socket (or two missed pongs) rejects the pending watch, and nothing more arrives
 * until watch* is called again. On a rejection the loop waits (exponential backoff with jitter),
 * resubscribes, and runs `gap` (REST) before reading the new subscription, so whatever happened
 * while the socket was down is fetched and nothing falls between the two.
 */
import type { Scheduler } from '../../ports/scheduler.ts';
import { backoffDelay, type BackoffOptions } from '../ibkr/backoff.ts';

export interface WatchLoopOptions<T> {
  readonly name: string;
  readonly watch: () => Promise<T>;
  readonly apply: (x: T) => void;
  /** Cover the gap over REST (after resubscribing, before reading). */
  readonly gap: (why: string) => Promise<void>;
  readonly down: (name: string, err: unknown, attempt: number) => void;
  readonly up: (name: string) => void;
  readonly closed: () => boolean;
  readonly scheduler: Scheduler;
  readonly backoff: BackoffOptions;
}

/** Runs until `closed()`; never rejects. */
export async function watchLoop<T>(o: WatchLoopOptions<T>): Promise<void> {
  let attempt = 0;
  let pending: Promise<T> | null = null;
  while (!o.closed()) {
    try {
      const x: T = await (pending ?? o.watch());
      pending = null;
      if (attempt > 0) o.up(o.name);
      attempt = 0;
      o.apply(x);
    } catch (err) {
      pending = null;
      if (o.closed()) return;
      o.down(o.name, err, attempt);
      await o.scheduler.sleep(backoffDelay(attempt++, o.backoff));
      if (o.closed()) return;
      pending = o.watch();
      pending.catch(() => undefined);
      await o.gap(`${o.name} websocket closed`).catch(() => undefined);
    }
  }
}
