/**
 * The venue's dead-man switch (OKX cancel-all-after): armed with a countdown, refreshed on a
 * heartbeat, and if the console stops refreshing the VENUE cancels our tagged orders when it runs
 * out. The state is kept as the console last knew it: 'armed' with the moment the venue fires
 * unless refreshed again, 'failing' when a refresh did not get through (the venue may still fire at
 * the last expiresAt), 'fired' once that moment passed with no refresh (an event for the log: the
 * venue has cancelled our orders, recovery will find them so).
 *
 * The call goes on its own ccxt instance: OKX charges it ten plain requests in ccxt's throttle, and
 * orders must not queue behind a heartbeat.
 */
import type { DeadManStatus } from '../../ports/index.ts';
import type { Scheduler, TimerHandle } from '../../ports/scheduler.ts';
import type { DeadManProfile } from './profiles.ts';

export interface DeadManOptions {
  readonly profile: DeadManProfile;
  /** Arms (or refreshes) the venue's countdown: ms > 0; 0 turns it off. */
  readonly call: (ms: number) => Promise<unknown>;
  readonly timeoutSec: number;
  /** Refresh period (default a quarter of the timeout: three refreshes may fail before it fires). */
  readonly refreshSec?: number;
  readonly scheduler: Scheduler;
  /** The switch fired, or a refresh failed / recovered: for the engine's log. */
  readonly onEvent: (level: 'warn' | 'info' | 'error', message: string) => void;
}

/** The countdown the venue accepts: within the profile's range (OKX 10-120 s), whole seconds. */
export function clampTimeoutSec(p: DeadManProfile, sec: number): number {
  return Math.min(p.maxSec, Math.max(p.minSec, Math.round(sec)));
}

export class DeadManSwitch {
  private status: DeadManStatus = { state: 'off', timeoutMs: 0, expiresAt: null, lastRefresh: null };
  private timer: TimerHandle | null = null;
  private watch: TimerHandle | null = null;
  private readonly timeoutMs: number;
  private readonly refreshMs: number;
  private inFlight = false;

  constructor(private readonly o: DeadManOptions) {
    this.timeoutMs = clampTimeoutSec(o.profile, o.timeoutSec) * 1000;
    const refresh = o.refreshSec ?? this.timeoutMs / 4000;
    this.refreshMs = Math.max(1000, Math.min(refresh * 1000, this.timeoutMs / 2));
  }

  view(): DeadManStatus {
    return this.status;
  }

  /** Arm now and keep refreshing; resolves after the first refresh (which may have failed: see view()). */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = this.o.scheduler.every(this.refreshMs, () => { void this.refresh(); });
    this.watch = this.o.scheduler.every(1000, () => this.check());
  }

  /** Stop refreshing (the venue fires at expiresAt). `disarm` also tells the venue to turn it off (orderly shutdown). */
  async stop(disarm: boolean): Promise<void> {
    this.timer?.cancel();
    this.watch?.cancel();
    this.timer = this.watch = null;
    if (!disarm) return;
    try {
      await this.o.call(0);
      this.status = { state: 'off', timeoutMs: 0, expiresAt: null, lastRefresh: this.status.lastRefresh, detail: 'disarmed at shutdown' };
    } catch (err) {
      this.o.onEvent('warn', `dead-man switch: could not disarm (${errText(err)}): the venue cancels our orders at ${iso(this.status.expiresAt)}`);
    }
  }

  async refresh(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    const at = this.o.scheduler.now();
    try {
      await this.o.call(this.timeoutMs);
      const was = this.status.state;
      this.status = { state: 'armed', timeoutMs: this.timeoutMs, expiresAt: at + this.timeoutMs, lastRefresh: at };
      if (was === 'failing' || was === 'fired') this.o.onEvent('info', `dead-man switch armed again (${this.timeoutMs / 1000} s)`);
    } catch (err) {
      if (this.status.state !== 'fired') {
        this.status = { ...this.status, state: 'failing', detail: errText(err) };
        this.o.onEvent('warn', `dead-man switch refresh failed (${errText(err)}): the venue cancels our orders at ${iso(this.status.expiresAt)} unless a refresh gets through`);
      }
    } finally {
      this.inFlight = false;
    }
    this.check();
  }

  /** The countdown passed with no refresh: the venue has fired. */
  check(now = this.o.scheduler.now()): void {
    const s = this.status;
    if ((s.state === 'armed' || s.state === 'failing') && s.expiresAt !== null && now >= s.expiresAt) {
      this.status = { ...s, state: 'fired', detail: `no refresh since ${iso(s.lastRefresh)}` };
      this.o.onEvent('error', `dead-man switch FIRED at ${iso(s.expiresAt)}: the venue cancelled our tagged working orders (no refresh for ${this.timeoutMs / 1000} s)`);
    }
  }
}

const iso = (t: number | null): string => (t === null ? 'never' : new Date(t).toISOString());
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
