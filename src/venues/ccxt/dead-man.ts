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
import ccxt from 'ccxt';
import type { DeadManStatus } from '../../ports/index.ts';
import type { Scheduler, TimerHandle } from '../../ports/scheduler.ts';
import type { DeadManProfile } from './profiles.ts';
import { atPath } from './wire.ts';
import { secrets } from '../../util/secrets.ts';

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
  /**
   * What the venue needs besides the arming call before it can fire (Bybit: a private websocket
   * subscribed to dcp): started with the switch, stopped after it is disarmed. `blocker()` says why
   * the venue could not fire right now (null: it could); while it says so the switch is failing.
   */
  readonly companion?: { start(): Promise<void>; stop(): Promise<void>; blocker(): string | null };
}

/** The countdown the venue accepts: within the profile's range (OKX 10-120 s), whole seconds. */
export function clampTimeoutSec(p: DeadManProfile, sec: number): number {
  return Math.min(p.maxSec, Math.max(p.minSec, Math.round(sec)));
}

/** What the venue's answer says about the countdown: when it fires (null: a connection switch, no countdown), or that it does not run. */
export type ArmResult = { readonly ok: true; readonly triggerTime: number | null } | { readonly ok: false; readonly why: string };

const shown = (x: unknown): string => JSON.stringify(x)?.slice(0, 200) ?? String(x);

/**
 * The venue's answer to an arming call, read as the profile says (`answer`); a per-symbol switch
 * answers once per symbol, and is armed only when every answer is. `at` is when the call was sent
 * and `timeoutMs` the countdown asked for: venues that do not say when they fire fire then at the latest.
 */
export function readArmAnswer(p: DeadManProfile, answer: unknown, at: number, timeoutMs: number): ArmResult {
  const answers = Array.isArray(answer) && p.arm.kind === 'implicit' ? answer : [answer];
  if (answers.length === 0) return { ok: false, why: 'no symbol of the session is covered: nothing was armed' };
  let earliest: number | null = null;
  for (const a of answers) {
    const r = readOne(p, a, at, timeoutMs);
    if (!r.ok) return r;
    if (r.triggerTime !== null) earliest = earliest === null ? r.triggerTime : Math.min(earliest, r.triggerTime);
  }
  return { ok: true, triggerTime: earliest };
}

function readOne(p: DeadManProfile, answer: unknown, at: number, timeoutMs: number): ArmResult {
  const v = atPath(answer, p.answer.path);
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : undefined;
  switch (p.answer.kind) {
    case 'triggerTime':
      if (n === undefined) return { ok: false, why: `the venue's answer to the arming call is not one we know (expected ${p.answer.path}): ${shown(answer)}` };
      return n > 0 ? { ok: true, triggerTime: n } : { ok: false, why: `the venue did not arm it (it answered ${p.answer.path} 0: the countdown is off)` };
    case 'echo':
      if (n === undefined) return { ok: false, why: `the venue's answer to the arming call is not one we know (expected ${p.answer.path}): ${shown(answer)}` };
      return n > 0 ? { ok: true, triggerTime: at + Math.min(n, timeoutMs) } : { ok: false, why: `the venue did not arm it (it answered ${p.answer.path} 0: the countdown is off)` };
    case 'ok': {
      const want = p.answer.value;
      const same = v === want || (typeof want === 'number' && n === want) || (typeof want === 'string' && String(v) === want);
      if (!same) return { ok: false, why: `the venue did not arm it (${p.answer.path} is ${shown(v)}, not ${shown(want)}: ${shown(answer)})${p.needs !== undefined ? `; ${p.needs}` : ''}` };
      return { ok: true, triggerTime: p.arm.kind === 'connection' ? null : at + timeoutMs };
    }
  }
}

export class DeadManSwitch {
  private status: DeadManStatus = { state: 'off', timeoutMs: 0, expiresAt: null, lastRefresh: null };
  private timer: TimerHandle | null = null;
  private watch: TimerHandle | null = null;
  private readonly timeoutMs: number;
  private readonly refreshMs: number;
  /** Why the companion last said the venue could not fire (told once per reason); null when it could. */
  private blocked: string | null = null;
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
    await this.o.companion?.start();
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
      if (this.o.profile.offBy !== 'subscription') await this.o.call(0);
      this.status = { state: 'off', timeoutMs: 0, expiresAt: null, lastRefresh: this.status.lastRefresh, detail: 'disarmed at shutdown' };
    } catch (err) {
      this.o.onEvent('warn', `dead-man switch: could not disarm (${errText(err)}): the venue cancels our orders at ${iso(this.status.expiresAt)}`);
    }
    // The companion says when the venue may still fire after an orderly end (Bybit: the dcp unsubscribe refused).
    await this.o.companion?.stop().catch((err: unknown) => this.o.onEvent('warn', `dead-man switch at the end: ${errText(err)}`));
  }

  async refresh(): Promise<void> {
    if (this.inFlightSince !== null) { this.check(); return; }
    const at = this.o.scheduler.now();
    this.inFlightSince = at;
    try {
      const answer = readArmAnswer(this.o.profile, await this.o.call(this.timeoutMs), at, this.timeoutMs);
      const was = this.status.state;
      if (answer.ok) {
        // The venue counts from when it got the call (after `at`); its triggerTime is on its own
        // clock, so the earlier of the two is the moment we can be sure of. A connection switch
        // has no countdown: it fires when the connection drops (connectionLost).
        const expiresAt = answer.triggerTime === null ? null : Math.min(at + this.timeoutMs, answer.triggerTime);
        this.status = { state: 'armed', timeoutMs: expiresAt === null ? 0 : this.timeoutMs, expiresAt, lastRefresh: at, ...(expiresAt === null ? { detail: 'cancels our orders if the order connection drops' } : {}) };
        if (was === 'failing' || was === 'fired') this.o.onEvent('info', `dead-man switch armed again (${this.timeoutMs / 1000} s)`);
      } else {
        // Whatever ran before is off at the venue now: nothing fires, and nothing protects our orders.
        const known = this.status.detail === answer.why;
        this.status = { state: 'failing', timeoutMs: 0, expiresAt: null, lastRefresh: this.status.lastRefresh, detail: answer.why };
        if (!known) this.o.onEvent('warn', `dead-man switch NOT armed: ${answer.why}; our orders stay on the venue if the console dies`);
      }
    } catch (err) {
      // A venue that refuses the call (ccxt ExchangeError: Bybit without Disconnection Protect) says why it is unavailable, with what it needs.
      const needs = err instanceof ccxt.ExchangeError && this.o.profile.needs !== undefined ? `; it needs ${this.o.profile.needs}` : '';
      if (needs !== '') {
        const why = `the venue refused the arming call (${errText(err)})${needs}`;
        const known = this.status.detail === why;
        this.status = { state: 'failing', timeoutMs: 0, expiresAt: null, lastRefresh: this.status.lastRefresh, detail: why };
        if (!known) this.o.onEvent('warn', `dead-man switch NOT armed: ${why}; our orders stay on the venue if the console dies`);
      } else if (this.status.state !== 'fired') {
        this.status = { ...this.status, state: 'failing', detail: errText(err) };
        this.o.onEvent('warn', `dead-man switch refresh failed (${errText(err)}): the venue cancels our orders at ${iso(this.status.expiresAt)} unless a refresh gets through`);
      }
    } finally {
      this.inFlightSince = null;
    }
    this.check();
  }

  /**
   * The connection a connection-scoped switch watches has dropped: the venue has cancelled the
   * orders made on it (Deribit cancel-on-disconnect). The next refresh arms it on the new one.
   */
  connectionLost(why: string): void {
    const s = this.status;
    if (s.state !== 'armed' && s.state !== 'failing') return;
    this.status = { ...s, state: 'fired', expiresAt: null, detail: `the order connection dropped (${why})` };
    this.o.onEvent('error', `dead-man switch FIRED: the order connection dropped (${why}): the venue cancelled the orders made on it`);
  }

  /** The countdown passed with no refresh: the venue has fired. A refresh unanswered for a period is failing. */
  check(now = this.o.scheduler.now()): void {
    this.checkHung(now);
    this.checkCompanion();
    const s = this.status;
    if ((s.state === 'armed' || s.state === 'failing') && s.expiresAt !== null && now >= s.expiresAt) {
      this.status = { ...s, state: 'fired', detail: `no refresh since ${iso(s.lastRefresh)}` };
      this.o.onEvent('error', `dead-man switch FIRED at ${iso(s.expiresAt)}: the venue cancelled our tagged working orders (no refresh for ${this.timeoutMs / 1000} s)`);
    }
  }

  /** Armed at the venue, but the venue could not fire now (its companion is down): failing, told once; back to armed when it is up. */
  private checkCompanion(): void {
    const why = this.o.companion?.blocker() ?? null;
    const s = this.status;
    if (why !== null && s.state === 'armed') {
      this.status = { ...s, state: 'failing', detail: `${BLOCKED}: ${why}` };
      if (this.blocked !== why) this.o.onEvent('warn', `dead-man switch cannot fire: ${why}; our orders stay on the venue if the console dies`);
      this.blocked = why;
    } else if (why === null && this.blocked !== null) {
      this.blocked = null;
      if (s.state === 'failing' && s.detail?.startsWith(BLOCKED) === true) {
        const { detail: _gone, ...rest } = s;
        this.status = { ...rest, state: 'armed' };
      }
      this.o.onEvent('info', 'dead-man switch can fire again');
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
const BLOCKED = 'the venue cannot fire it now';
const iso = (t: number | null): string => (t === null ? 'never' : new Date(t).toISOString());
// A venue's refusal may echo our key (Bybit 10004 prints the signed string): scrubbed before the status or the log shows it.
const errText = (err: unknown): string => secrets.scrub(err instanceof Error ? err.message : String(err));

/** A connection whose drop the venue watches (Deribit's order websocket): its switch on and off. */
export interface ConnectionSwitch {
  enableCancelOnDisconnect(): Promise<unknown>;
  disableCancelOnDisconnect(): Promise<unknown>;
}

/**
 * The arming call the profile describes, over the session's symbols: ccxt's cancelAllOrdersAfter
 * (scoped by the profile's tag), one implicit venue call per covered symbol (answers in an array),
 * or the order connection's cancel-on-disconnect. `ms` 0 turns it off.
 */
export function armCallOf(
  p: DeadManProfile,
  ex: { cancelAllOrdersAfter(ms: number, params?: Record<string, unknown>): Promise<unknown>; market(symbol: string): { id?: string | undefined } },
  symbols: readonly string[],
  o: { readonly tag: string; readonly marketTypeOf: (symbol: string) => string; readonly connection?: ConnectionSwitch },
): (ms: number) => Promise<unknown> {
  const arm = p.arm;
  switch (arm.kind) {
    case 'cancelAllOrdersAfter':
      return (ms) => ex.cancelAllOrdersAfter(ms, p.tag !== null ? { [p.tag.param]: o.tag } : {});
    case 'implicit': {
      const covered = symbols.filter((s) => (p.markets as readonly string[]).includes(o.marketTypeOf(s)));
      const f = (ex as unknown as Record<string, unknown>)[arm.method];
      if (typeof f !== 'function') throw new Error(`ccxt has no method ${arm.method} for the dead-man switch`);
      return (ms) => Promise.all(covered.map((s) => (f as (q: Record<string, unknown>) => Promise<unknown>).call(ex, { [arm.symbolParam]: ex.market(s).id ?? s, [arm.msParam]: ms })));
    }
    case 'connection': {
      const c = o.connection;
      if (c === undefined) throw new Error('a connection-scoped dead-man switch needs the order connection');
      return (ms) => (ms > 0 ? c.enableCancelOnDisconnect() : c.disableCancelOnDisconnect());
    }
  }
}
