/**
 * The venue's dead-man switch (OKX cancel-all-after): armed with a countdown, refreshed on a
 * heartbeat, and if the console stops refreshing the VENUE cancels our tagged orders when it runs
 * out. The state is kept as the console last knew it: 'armed' with the moment the venue fires
 * unless refreshed again, 'failing' when a refresh did not get through (the venue may still fire at
 * the last expiresAt), 'fired' once that moment passed with no refresh (an event for the log: the
 * venue has cancelled our orders, recovery will find them so).
 *
 * A refresh counts as got through only when the venue's answer says the countdown runs (OKX
 * data[0].triggerTime, ms; "0" means off), and one still unanswered after a refresh period counts
 * as failing: ccxt's own timeout (10 s) equals OKX's shortest countdown, so waiting for it would
 * go from 'armed' straight to 'fired'.
 *
 * The call goes on its own ccxt instance: OKX charges it ten plain requests in ccxt's throttle, and
 * orders must not queue behind a heartbeat.
 */
import { z } from 'zod';
import type { DeadManStatus } from '../../ports/index.ts';
import type { Scheduler, TimerHandle } from '../../ports/scheduler.ts';
import type { DeadManProfile } from './profiles.ts';

export interface DeadManOptions {
  readonly profile: DeadManProfile;
  /** Arms (or refreshes) the venue's countdown: ms > 0; 0 turns it off. Resolves with the venue's answer (OKX: {code, msg, data: [{triggerTime}]}). */
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

/** OKX's answer to cancel-all-after (ccxt hands back the raw response): triggerTime in ms, "0" = off. */
const ArmAnswer = z.object({ data: z.array(z.object({ triggerTime: z.string().regex(/^\d+$/) })).min(1) });

/** What the venue's answer says about the countdown: when it fires, or that it does not run. */
export type ArmResult = { readonly ok: true; readonly triggerTime: number } | { readonly ok: false; readonly why: string };

export function readArmAnswer(answer: unknown): ArmResult {
  const a = ArmAnswer.safeParse(answer);
  if (!a.success) return { ok: false, why: `the venue's answer to cancel-all-after is not one we know (expected data[0].triggerTime): ${JSON.stringify(answer)?.slice(0, 200) ?? String(answer)}` };
  const t = Number(a.data.data[0]!.triggerTime);
  return t > 0 ? { ok: true, triggerTime: t } : { ok: false, why: 'the venue did not arm it (it answered triggerTime 0: the countdown is off)' };
}

export class DeadManSwitch {
  private status: DeadManStatus = { state: 'off', timeoutMs: 0, expiresAt: null, lastRefresh: null };
  private timer: TimerHandle | null = null;
  private watch: TimerHandle | null = null;
  private readonly timeoutMs: number;
  private readonly refreshMs: number;
  /** When the refresh now in flight was sent; null when none is. */
  private inFlightSince: number | null = null;

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
    if (this.inFlightSince !== null) { this.check(); return; }
    const at = this.o.scheduler.now();
    this.inFlightSince = at;
    try {
      const answer = readArmAnswer(await this.o.call(this.timeoutMs));
      const was = this.status.state;
      if (answer.ok) {
        // The venue counts from when it got the call (after `at`); its triggerTime is on its own
        // clock, so the earlier of the two is the moment we can be sure of.
        this.status = { state: 'armed', timeoutMs: this.timeoutMs, expiresAt: Math.min(at + this.timeoutMs, answer.triggerTime), lastRefresh: at };
        if (was === 'failing' || was === 'fired') this.o.onEvent('info', `dead-man switch armed again (${this.timeoutMs / 1000} s)`);
      } else {
        // Whatever ran before is off at the venue now: nothing fires, and nothing protects our orders.
        const known = this.status.detail === answer.why;
        this.status = { state: 'failing', timeoutMs: 0, expiresAt: null, lastRefresh: this.status.lastRefresh, detail: answer.why };
        if (!known) this.o.onEvent('warn', `dead-man switch NOT armed: ${answer.why}; our orders stay on the venue if the console dies`);
      }
    } catch (err) {
      if (this.status.state !== 'fired') {
        this.status = { ...this.status, state: 'failing', detail: errText(err) };
        this.o.onEvent('warn', `dead-man switch refresh failed (${errText(err)}): the venue cancels our orders at ${iso(this.status.expiresAt)} unless a refresh gets through`);
      }
    } finally {
      this.inFlightSince = null;
    }
    this.check();
  }

  /** The countdown passed with no refresh: the venue has fired. A refresh unanswered for a period is failing. */
  check(now = this.o.scheduler.now()): void {
    this.checkHung(now);
    const s = this.status;
    if ((s.state === 'armed' || s.state === 'failing') && s.expiresAt !== null && now >= s.expiresAt) {
      this.status = { ...s, state: 'fired', detail: `no refresh since ${iso(s.lastRefresh)}` };
      this.o.onEvent('error', `dead-man switch FIRED at ${iso(s.expiresAt)}: the venue cancelled our tagged working orders (no refresh for ${this.timeoutMs / 1000} s)`);
    }
  }

  private checkHung(now: number): void {
    const since = this.inFlightSince;
    if (since === null || now - since <= this.refreshMs) return;
    const s = this.status;
    if (s.state !== 'armed' && !(s.state === 'failing' && s.detail?.startsWith(HUNG) === true)) return;
    const detail = `${HUNG} for ${Math.floor((now - since) / 1000)} s (sent ${iso(since)})`;
    if (s.state === 'armed') this.o.onEvent('warn', `dead-man switch: ${detail}: the venue cancels our orders at ${iso(s.expiresAt)} unless a refresh gets through`);
    this.status = { ...s, state: 'failing', detail };
  }
}

const HUNG = 'the refresh has not answered';
const iso = (t: number | null): string => (t === null ? 'never' : new Date(t).toISOString());
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
