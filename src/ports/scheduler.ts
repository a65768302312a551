/**
 * Time for everything that waits: timers, retries, timeouts and periodic checks. The core and its
 * services never call `setTimeout` / `setInterval` themselves; they ask a Scheduler, so a whole
 * session can later run inside a simulated world whose clock a test drives (deterministic
 * simulation), and every timeout is measured on the clock the transport lives in.
 *
 * `now()` is the scheduler's own clock (wall milliseconds for the real one), never engine time:
 * a live minute bar is stamped with the start of its minute, so engine time can stand still while
 * a venue round trip is under way.
 */
export interface TimerHandle {
  cancel(): void;
}

export interface Scheduler {
  /** Milliseconds on this scheduler's clock (epoch ms for the wall scheduler). */
  now(): number;
  /** Run `fn` once, `ms` from now. */
  after(ms: number, fn: () => void): TimerHandle;
  /** Run `fn` every `ms` until canceled. */
  every(ms: number, fn: () => void): TimerHandle;
  /** Resolves after `ms` (retry backoff inside async code). */
  sleep(ms: number): Promise<void>;
}

/** The machine's clock. Timers never keep the process alive by themselves. */
export class WallScheduler implements Scheduler {
  constructor(private readonly wallNow: () => number = Date.now) {}
  now(): number {
    return this.wallNow();
  }
  after(ms: number, fn: () => void): TimerHandle {
    const t = setTimeout(fn, Math.max(0, ms));
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  }
  every(ms: number, fn: () => void): TimerHandle {
    const t = setInterval(fn, Math.max(1, ms));
    t.unref?.();
    return { cancel: () => clearInterval(t) };
  }
  sleep(ms: number): Promise<void> {
    // A sleep inside a pending operation must hold the process (a retry is real work), so not unref'ed.
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}

/**
 * A scheduler whose clock only moves when a test says so: `advance(ms)` runs every timer that falls
 * due, in time order (ties in the order they were set), timers set while advancing included.
 */
export class ManualScheduler implements Scheduler {
  private t: number;
  private seq = 0;
  private readonly timers: { at: number; seq: number; fn: () => void; every: number | null; live: boolean }[] = [];

  constructor(start = 0) {
    this.t = start;
  }

  now(): number {
    return this.t;
  }

  after(ms: number, fn: () => void): TimerHandle {
    return this.add(ms, fn, null);
  }

  every(ms: number, fn: () => void): TimerHandle {
    return this.add(ms, fn, Math.max(1, ms));
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => { this.after(ms, resolve); });
  }

  /** Move the clock forward, running what falls due. Awaits between timers so promise chains settle. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const next = this.nextDue(end);
      if (next === null) break;
      this.t = Math.max(this.t, next.at);
      if (next.every !== null) next.at += next.every;
      else { next.live = false; this.timers.splice(this.timers.indexOf(next), 1); }
      next.fn();
    }
    this.t = end;
    await settle();
  }

  pending(): number {
    return this.timers.length;
  }

  private nextDue(end: number): (typeof this.timers)[number] | null {
    let best: (typeof this.timers)[number] | null = null;
    for (const x of this.timers) if (x.at <= end && (best === null || x.at < best.at || (x.at === best.at && x.seq < best.seq))) best = x;
    return best;
  }

  private add(ms: number, fn: () => void, every: number | null): TimerHandle {
    const rec = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, every, live: true };
    this.timers.push(rec);
    return {
      cancel: () => {
        if (!rec.live) return;
        rec.live = false;
        const i = this.timers.indexOf(rec);
        if (i >= 0) this.timers.splice(i, 1);
      },
    };
  }
}

/** Let pending promise callbacks (and the I/O they wait on, one turn) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `p`, or a rejection with "<what> timed out after <ms> ms" once `ms` pass on the scheduler; the
 * timer is canceled when `p` settles first (a venue that never answers must not hold anyone forever).
 */
export function withTimeout<T>(scheduler: Scheduler, p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: TimerHandle | undefined;
  const late = new Promise<never>((_, reject) => { timer = scheduler.after(ms, () => reject(new Error(`${what} timed out after ${ms} ms`))); });
  return Promise.race([p, late]).finally(() => timer?.cancel());
}
