/**
 * The kill switch: four levels, engine-side (no UI here; the console and `parity ctl` send it
 * commands through the command bus).
 *
 *   L1 pause      the engine's paused state: nothing that opens or adds exposure; exits, stops and
 *                 cancels still flow. `resume` lifts every level.
 *   L2 cancel     L1, then cancel every open order parity made (never external ones).
 *   L3 flatten    L2, then close every position parity holds: market orders, or marketable limits
 *                 inside the price collar where the venue takes no market order (US equities outside
 *                 regular hours, venues without market orders).
 *   L4 shutdown   L3, then persist and let the runtime disconnect and exit.
 *
 * Every action reports progress until the venue confirms it (no open orders left, positions flat)
 * and ends `incomplete`, naming what is left, when that does not happen within the timeout.
 * "Flat" and "done" are claimed only from a fresh read of the venue itself (its queries, with a
 * timeout), never from the engine's books alone: books can be wrong (a restart, a symbol the
 * venue spells differently) and the operator acts on the answer. A venue position the books do not
 * show, or in an instrument this session does not trade, is named and the action is not ok. A
 * venue that cannot be asked (no queries) gets the books' answer, and the message says so.
 * The level is persisted on every change (see kill-state.ts).
 */
import type { EngineControl, EngineObserver } from '../engine/engine.ts';
import { withTimeout } from '../ports/scheduler.ts';
import type { VenueOrderState, VenuePosition, VenueQueries } from '../ports/index.ts';
import type { TradingState } from '../risk/trading-state.ts';
import { type KillLatch, type KillLevel, type KillState, KILL_LEVEL_NAMES } from './kill-state.ts';
import type { Hold, TradingGuard } from './trading-guard.ts';
import { DEFAULT_FLATTEN_COLLAR, type PositionLeft, flattenOrder } from '../risk/flatten.ts';
import { isOpen } from '../orders/fsm.ts';

/** The four levels and resume, plus the per-row actions (one order, one position), which change no level. */
export type KillAction = 'pause' | 'resume' | 'cancel-all' | 'flatten' | 'shutdown' | 'cancel-order' | 'close-position';

export interface ActionProgress {
  readonly action: KillAction;
  readonly by: string;
  /** Wall time the action started. */
  readonly startedAt: number;
  readonly state: 'working' | 'done' | 'incomplete';
  /** What is happening or what went wrong, in plain words. */
  readonly detail: string;
  readonly openOrders: number;
  readonly positions: readonly PositionLeft[];
  readonly finishedAt: number | null;
}

export interface KillResult {
  readonly ok: boolean;
  readonly action: KillAction;
  readonly message: string;
  readonly level: KillLevel;
  /** What did not complete (orders still open, positions not flat). */
  readonly incomplete: readonly string[];
}

export interface KillSwitchOptions {
  readonly engine: EngineControl;
  readonly guard: TradingGuard;
  readonly store: KillLatch;
  /** Price collar (fraction) for marketable limits when market orders are refused. Default 0.05. */
  readonly priceCollar?: number;
  /** How long to wait for the venue to confirm cancels / flat positions. Default 15 s. */
  readonly confirmTimeoutMs?: number;
  /** How long one read of the venue's positions or open orders may take. Default 5 s (at most the confirm timeout). */
  readonly venueReadTimeoutMs?: number;
  readonly wallNow?: () => number;
}

export class KillSwitch implements EngineObserver {
  private lvl: KillLevel = 0;
  private reason = '';
  private current: ActionProgress | null = null;
  private readonly waiters = new Set<() => void>();
  private readonly listeners = new Set<() => void>();
  private readonly engine: EngineControl;
  private readonly guard: TradingGuard;
  private readonly store: KillLatch;
  private readonly collar: number;
  private readonly timeoutMs: number;
  private readonly readTimeoutMs: number;
  private readonly wallNow: () => number;

  constructor(opts: KillSwitchOptions) {
    this.engine = opts.engine;
    this.guard = opts.guard;
    this.store = opts.store;
    this.collar = opts.priceCollar ?? DEFAULT_FLATTEN_COLLAR;
    this.timeoutMs = opts.confirmTimeoutMs ?? 15_000;
    this.readTimeoutMs = opts.venueReadTimeoutMs ?? Math.min(5_000, this.timeoutMs);
    this.wallNow = opts.wallNow ?? Date.now;
    // A halt the engine made by itself (loss limit, strategy error) latches as level 1.
    opts.guard.onExternal = (s: TradingState) => this.latchExternal(s);
  }

  /** Restore the persisted latch (call before the engine starts). Returns what was restored. */
  restore(): KillState | null {
    const s = this.store.load();
    if (s === null || s.level === 0) return s;
    this.lvl = s.level;
    this.reason = s.reason;
    this.guard.hold('kill', 'paused', `kill switch ${KILL_LEVEL_NAMES[s.level]} since ${s.at} (${s.reason}): resume to trade`);
    return s;
  }

  level(): KillLevel {
    return this.lvl;
  }

  levelReason(): string {
    return this.reason;
  }

  /** The trading state and every hold behind it (the command bus judges a resume by them). */
  tradingState(): TradingState {
    return this.engine.tradingState();
  }

  holds(): readonly Hold[] {
    return this.guard.list();
  }

  progress(): ActionProgress | null {
    return this.current;
  }

  /** Called on every level or progress change (the console model redraws). */
  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  // ---------- engine observer: completion checks ride on the venue's reports ----------

  onOrderEvent(): void {
    if (this.waiters.size > 0) for (const w of [...this.waiters]) w();
  }

  onFill(): void {
    if (this.waiters.size > 0) for (const w of [...this.waiters]) w();
  }

  // ---------- the levels ----------

  async pause(by: string): Promise<KillResult> {
    this.raise(1, `paused by ${by}`, by);
    this.log('warn', `L1 pause by ${by}: no new exposure; exits and cancels still flow`);
    this.setProgress({ action: 'pause', by, state: 'done', detail: 'paused: no new exposure' });
    return this.result('pause', true, 'paused: no order that opens or adds exposure; exits and cancels still flow', []);
  }

  async resume(by: string): Promise<KillResult> {
    const prev = this.lvl;
    this.lvl = 0;
    this.reason = '';
    this.persist(by, `resumed by ${by}`);
    // The operator's resume lifts the kill latch, the engine's own halts and tripped watchdogs;
    // never a failing pre-flight gate (that needs its cause fixed).
    this.guard.release((k) => k === 'kill' || k === 'engine' || k.startsWith('watchdog:') || k === 'hangup', `resumed by ${by}`);
    const still = this.guard.list();
    this.log('info', `resume by ${by} (was ${KILL_LEVEL_NAMES[prev]})`);
    if (still.length > 0) {
      const why = still.map((h) => h.reason).join('; ');
      this.setProgress({ action: 'resume', by, state: 'incomplete', detail: `kill switch off, but trading is still ${this.engine.tradingState().status}: ${why}` });
      return this.result('resume', false, `kill switch off, but trading stays ${this.engine.tradingState().status}: ${why}`, still.map((h) => h.reason));
    }
    this.setProgress({ action: 'resume', by, state: 'done', detail: 'trading active' });
    return this.result('resume', true, 'resumed: trading active', []);
  }

  async cancelAll(by: string): Promise<KillResult> {
    this.raise(2, `cancel-all by ${by}`, by);
    this.log('warn', `L2 cancel-all by ${by}`);
    return this.cancelStep('cancel-all', by, true);
  }

  async flatten(by: string, action: KillAction = 'flatten'): Promise<KillResult> {
    this.raise(Math.max(3, this.lvl) as KillLevel, `${action} by ${by}`, by);
    this.log('warn', `L3 flatten by ${by}: canceling parity's orders, then closing parity's positions`);
    const c = await this.cancelStep(action, by, false);
    if (!c.ok) return c;
    if (this.engine.isStopped()) return this.finish(action, by, false, 'the engine has stopped: positions cannot be closed from here', this.positionsLeft().map(fmtPos));
    const denied: string[] = [];
    const sent = await this.inLoop(() => {
      const r = this.engine.flatten(this.collar);
      denied.push(...r.refused);
      return r.sent.map(({ id, request: q }) => `${id} ${q.side} ${q.qty} ${q.symbol} ${q.type === 'limit' ? `limit ${q.limitPrice}` : 'market'}`);
    });
    if (sent === null) return this.finish(action, by, false, 'the engine has stopped: positions cannot be closed from here', this.positionsLeft().map(fmtPos));
    if (sent.length === 0 && denied.length === 0) {
      // The books say flat. Nothing was sent, so nothing is on its way: one fresh read decides.
      this.setProgress({ action, by, state: 'working', detail: 'our books are flat: asking the venue' });
      const v = await this.confirmFlat(this.engine.scheduler.now());
      if (v.ok) return this.finish(action, by, true, `no open orders, no positions: ${v.how}`, []);
      return this.finish(action, by, false, `not flat: ${v.problems.join('; ')}`, v.problems);
    }
    this.setProgress({ action, by, state: 'working', detail: `closing: ${sent.join(', ')}${denied.length ? `; refused: ${denied.join('; ')}` : ''}` });
    const flat = await this.waitFor(() => this.positionsLeft().length === 0 && this.ourOpenOrders() === 0);
    const left = this.positionsLeft().map(fmtPos);
    const open = this.ourOpenOrders();
    const problems = [...denied, ...left.map((l) => `position ${l} not flat`), ...(open > 0 ? [`${open} order(s) still open`] : [])];
    if (!flat || denied.length > 0) return this.finish(action, by, false, `flatten did not complete within ${Math.round(this.timeoutMs / 1000)} s: ${problems.join('; ')}`, problems);
    // The books are flat; the claim waits for the venue (it may list a fill's effect a moment later).
    this.setProgress({ action, by, state: 'working', detail: 'our books are flat: waiting for the venue to confirm' });
    const v = await this.confirmFlat(this.engine.scheduler.now() + this.timeoutMs);
    if (v.ok) return this.finish(action, by, true, `every parity position closed, no open orders: ${v.how}`, []);
    return this.finish(action, by, false, `not flat within ${Math.round(this.timeoutMs / 1000)} s: ${v.problems.join('; ')}`, v.problems);
  }

  /**
   * Cancel one order of ours (the console's `d d` on the orders pane, `parity ctl cancel-order`).
   * No kill level changes: the strategy keeps running. Done when the venue confirms it closed.
   */
  async cancelOne(id: string, by: string): Promise<KillResult> {
    const action: KillAction = 'cancel-order';
    const why = await this.inLoop((): string | true => {
      const o = this.engine.orders.get(id);
      if (o === undefined) return `no order ${id} in this session`;
      if (!isOpen(o.status)) return `order ${id} is already ${o.status}`;
      if (o.external) return `order ${id} was not placed by parity: decide on it first (parity ctl external ${id} adopt|cancel|leave)`;
      this.log('warn', `cancel of order ${id} by ${by}`);
      this.engine.cancel(id);
      return true;
    });
    if (why === null) return this.result(action, false, 'the engine has stopped: the order cannot be canceled from here', [id]);
    if (why !== true) return this.result(action, false, why, []);
    this.setProgress({ action, by, state: 'working', detail: `canceling ${id}, waiting for the venue` });
    const done = await this.waitFor(() => !isOpen(this.engine.orders.get(id)?.status ?? 'canceled'));
    const st = this.engine.orders.get(id)?.status ?? 'unknown';
    if (!done) return this.finish(action, by, false, `order ${id} still ${st} after ${Math.round(this.timeoutMs / 1000)} s`, [`${id} ${st}`]);
    return this.finish(action, by, st === 'canceled', st === 'canceled' ? `order ${id} canceled, the venue confirmed` : `order ${id} ended ${st} before the cancel took effect`, st === 'canceled' ? [] : [`${id} ${st}`]);
  }

  /**
   * Close one position of ours with the flatten rule (risk/flatten.ts: market, or a marketable limit
   * inside the collar): the console's `d d` on the positions pane. No kill level changes.
   */
  async closeOne(symbol: string, by: string): Promise<KillResult> {
    const action: KillAction = 'close-position';
    const sent = await this.inLoop((): { id: string; text: string } | string => {
      const p = this.engine.portfolio.positionsList().find((x) => x.symbol === symbol && x.qty !== 0);
      if (p === undefined) return `no open position in ${symbol}`;
      const inst = this.engine.instrument(symbol);
      if (inst === undefined) return `${symbol}: unknown instrument`;
      const req = flattenOrder(p, inst, this.engine.now(), this.engine.last(symbol), this.engine.execution.capabilities, this.collar);
      if (typeof req === 'string') return req;
      this.log('warn', `close of the ${symbol} position (${p.qty}) by ${by}`);
      const id = this.engine.submit(req, 'operator');
      const o = this.engine.orders.get(id);
      if (o !== undefined && o.status === 'denied') return `${symbol}: ${o.reason ?? 'denied'}`;
      return { id, text: `${id} ${req.side} ${req.qty} ${symbol} ${req.type === 'limit' ? `limit ${req.limitPrice}` : 'market'}` };
    });
    if (sent === null) return this.result(action, false, 'the engine has stopped: the position cannot be closed from here', [symbol]);
    if (typeof sent === 'string') return this.result(action, false, sent, []);
    this.setProgress({ action, by, state: 'working', detail: `closing ${symbol}: ${sent.text}` });
    const flat = await this.waitFor(() => !this.positionsLeft().some((p) => p.symbol === symbol));
    const left = this.positionsLeft().filter((p) => p.symbol === symbol).map(fmtPos);
    if (!flat) return this.finish(action, by, false, `${symbol} not flat after ${Math.round(this.timeoutMs / 1000)} s (${sent.text}): ${left.join(', ')}`, left);
    return this.finish(action, by, true, `${symbol} position closed (${sent.text})`, []);
  }

  /** L4: flatten, then persist level 4; the runtime disconnects and exits after this resolves. */
  async shutdown(by: string): Promise<KillResult> {
    const r = await this.flatten(by, 'shutdown');
    this.lvl = 4;
    this.reason = `shutdown by ${by}`;
    // The hold the flatten left says L3: the trading state (ctl status, the recording's last state,
    // a replay's last frame) must say what the level really is.
    this.guard.hold('kill', 'paused', `kill switch ${KILL_LEVEL_NAMES[4]} (${this.reason})`);
    this.persist(by, this.reason);
    this.log('warn', `L4 shutdown by ${by}: state saved, disconnecting${r.ok ? '' : ' (flatten incomplete!)'}`);
    return { ...r, level: 4, message: r.ok ? 'flat, state saved: shutting down' : `${r.message}; state saved, shutting down anyway` };
  }

  /** Write the current level (SIGTERM, quit). */
  persist(by: string, reason: string = this.reason): void {
    this.store.save({ level: this.lvl, reason, by, at: new Date(this.wallNow()).toISOString(), engineTime: Number.isFinite(this.engine.now()) ? this.engine.now() : null });
  }

  // ---------- helpers ----------

  private async cancelStep(action: KillAction, by: string, final: boolean): Promise<KillResult> {
    const ids = await this.inLoop(() => this.engine.cancelAll());
    if (ids === null) {
      const open = this.ourOpenOrders();
      if (open === 0) return final ? this.finish(action, by, true, 'no open orders', []) : this.result(action, true, 'no open orders', []);
      return this.finish(action, by, false, `the engine has stopped: ${open} order(s) could not be canceled`, [`${open} order(s) still open`]);
    }
    if (this.ourOpenOrders() > 0) {
      this.setProgress({ action, by, state: 'working', detail: `canceling ${ids.length} order(s), waiting for the venue` });
      await this.waitFor(() => this.ourOpenOrders() === 0);
    }
    const open = this.ourOpenOrders();
    if (open > 0) {
      const left = [...this.engine.orders.openOrders()].filter((o) => !o.external).map((o) => `${o.clientOrderId} ${o.status}`);
      return this.finish(action, by, false, `cancel did not complete within ${Math.round(this.timeoutMs / 1000)} s: still open ${left.join(', ')}`, left);
    }
    const msg = ids.length === 0 ? 'no open orders' : `canceled ${ids.length} order(s), the venue confirmed`;
    // Flatten goes on to close positions whatever the venue lists (its own end checks the venue).
    if (!final) return this.result(action, true, msg, []);
    this.setProgress({ action, by, state: 'working', detail: `${msg}: asking the venue for its open orders` });
    const deadline = this.engine.scheduler.now() + (ids.length === 0 ? 0 : this.timeoutMs);
    for (;;) {
      const v = await this.askVenue((q) => q.openOrders());
      if (v.kind === 'cannot-ask') return this.finish(action, by, true, `${msg} (engine books; this venue cannot be asked)`, []);
      const problems = v.kind === 'failed' ? [`could not read the venue's open orders: ${v.why}`] : this.ourOpenAtVenue(v.value).map((o) => `still open at the venue: ${o}`);
      if (problems.length === 0) {
        const others = v.kind === 'read' ? this.othersOpenAtVenue(v.value) : 0;
        return this.finish(action, by, true, `${msg}; the venue lists none of ours open${others > 0 ? ` (${others} order(s) parity did not place left alone)` : ''}`, []);
      }
      if (this.engine.scheduler.now() >= deadline) return this.finish(action, by, false, `cancel not confirmed by the venue: ${problems.join('; ')}`, problems);
      await this.engine.scheduler.sleep(VENUE_POLL_MS);
    }
  }

  // ---------- what the venue itself says ----------

  /** One fresh read through the venue's queries, bounded in time; never throws. */
  private async askVenue<T>(fn: (q: VenueQueries) => Promise<T>): Promise<VenueRead<T>> {
    const q = this.engine.execution.queries;
    if (q === undefined) return { kind: 'cannot-ask' };
    try {
      return { kind: 'read', value: await withTimeout(this.engine.scheduler, fn(q), this.readTimeoutMs, 'the venue') };
    } catch (err) {
      return { kind: 'failed', why: err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * Flat as the venue sees it: no position at all and none of our orders open, read fresh and read
   * again until `deadline` (wall ms) while it is not. Every venue position counts, also one the
   * books do not show and one in an instrument this session does not trade (a symbol spelled
   * differently looks like that): naming it beats a wrong "flat".
   */
  private async confirmFlat(deadline: number): Promise<{ ok: true; how: string } | { ok: false; problems: string[] }> {
    for (;;) {
      const pos = await this.askVenue((q) => q.positions());
      if (pos.kind === 'cannot-ask') return { ok: true, how: 'flat (engine books; this venue cannot be asked)' };
      let problems: string[];
      if (pos.kind === 'failed') problems = [`could not read the venue's positions: ${pos.why}`];
      else {
        problems = this.venueHolds(pos.value);
        if (problems.length === 0) {
          const open = await this.askVenue((q) => q.openOrders());
          if (open.kind === 'failed') problems = [`could not read the venue's open orders: ${open.why}`];
          else if (open.kind === 'read') problems = this.ourOpenAtVenue(open.value).map((o) => `still open at the venue: ${o}`);
        }
      }
      if (problems.length === 0) return { ok: true, how: 'flat, the venue confirmed (no positions, none of our orders open)' };
      if (this.engine.scheduler.now() >= deadline) return { ok: false, problems };
      await this.engine.scheduler.sleep(VENUE_POLL_MS);
    }
  }

  /** Every position the venue lists, in words ("the venue holds BTC-USD 1 (not in our books)"). */
  private venueHolds(positions: readonly VenuePosition[]): string[] {
    return positions.filter((p) => Math.abs(p.qty) > QTY_EPS).map((p) => {
      if (this.engine.instrument(p.symbol) === undefined) return `the venue holds ${p.symbol} ${p.qty} (not an instrument this session trades: parity does not close it)`;
      const books = this.engine.portfolio.qty(p.symbol);
      return `the venue holds ${p.symbol} ${p.qty} (${Math.abs(books) <= QTY_EPS ? 'not in our books' : `our books: ${books}`})`;
    });
  }

  /** Venue open orders that are ours (parity placed them; external ones are left alone). */
  private ourOpenAtVenue(orders: readonly VenueOrderState[]): string[] {
    return orders.filter((o) => this.isOurs(o.clientOrderId)).map((o) => `${o.clientOrderId} ${o.status}`);
  }

  private othersOpenAtVenue(orders: readonly VenueOrderState[]): number {
    return orders.filter((o) => !this.isOurs(o.clientOrderId)).length;
  }

  private isOurs(clientOrderId: string): boolean {
    const o = this.engine.orders.get(clientOrderId);
    return o !== undefined && !o.external;
  }

  /** Run inside the engine loop at engine time now; null when the engine no longer runs. */
  private inLoop<T>(fn: () => T): Promise<T | null> {
    if (this.engine.isStopped()) return Promise.resolve(null);
    return new Promise((resolve) => {
      const t = this.engine.now();
      this.engine.schedule(Number.isFinite(t) ? t : 0, () => resolve(fn()));
    });
  }

  private waitFor(done: () => boolean): Promise<boolean> {
    if (done()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const finish = (ok: boolean) => {
        this.waiters.delete(check);
        poll.cancel();
        timer.cancel();
        resolve(ok);
      };
      const check = () => { if (done()) finish(true); };
      this.waiters.add(check);
      // Reports drive `check`; the poll covers a venue that confirms by other means, the timer the
      // venue that never does.
      const poll = this.engine.scheduler.every(100, check);
      const timer = this.engine.scheduler.after(this.timeoutMs, () => finish(done()));
    });
  }

  private ourOpenOrders(): number {
    let n = 0;
    for (const o of this.engine.orders.openOrders()) if (!o.external) n++;
    return n;
  }

  private positionsLeft(): PositionLeft[] {
    return this.engine.portfolio.positionsList().filter((p) => p.qty !== 0).map((p) => ({ symbol: p.symbol, qty: p.qty }));
  }

  private raise(level: KillLevel, reason: string, by: string): void {
    if (level >= this.lvl) { this.lvl = level; this.reason = reason; }
    this.guard.hold('kill', 'paused', `kill switch ${KILL_LEVEL_NAMES[this.lvl]} (${this.reason})`);
    this.persist(by, this.reason);
    this.emit();
  }

  private latchExternal(s: TradingState): void {
    if (this.lvl >= 1) return;
    this.lvl = 1;
    this.reason = `engine ${s.status}: ${s.reason}`;
    // The latch is a hold of its own: the engine lifting its hold does not lift the kill switch.
    this.guard.hold('kill', 'paused', `kill switch ${KILL_LEVEL_NAMES[1]} (${this.reason})`);
    this.persist('engine', this.reason);
    this.emit();
  }

  private setProgress(p: Omit<ActionProgress, 'startedAt' | 'openOrders' | 'positions' | 'finishedAt'>): void {
    const startedAt = this.current !== null && this.current.action === p.action && this.current.state === 'working' ? this.current.startedAt : this.wallNow();
    this.current = { ...p, startedAt, openOrders: this.ourOpenOrders(), positions: this.positionsLeft(), finishedAt: p.state === 'working' ? null : this.wallNow() };
    this.emit();
  }

  private finish(action: KillAction, by: string, ok: boolean, message: string, incomplete: readonly string[]): KillResult {
    this.setProgress({ action, by, state: ok ? 'done' : 'incomplete', detail: message });
    this.log(ok ? 'info' : 'error', `${action}: ${message}`);
    return this.result(action, ok, message, incomplete);
  }

  private result(action: KillAction, ok: boolean, message: string, incomplete: readonly string[]): KillResult {
    return { ok, action, message, level: this.lvl, incomplete };
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    this.engine.log(level, 'operator', message);
  }

  private emit(): void {
    for (const l of this.listeners) l();
  }
}

const fmtPos = (p: PositionLeft): string => `${p.symbol} ${p.qty}`;

type VenueRead<T> = { readonly kind: 'read'; readonly value: T } | { readonly kind: 'cannot-ask' } | { readonly kind: 'failed'; readonly why: string };

/** Re-read the venue this often while it does not yet confirm. */
const VENUE_POLL_MS = 200;
/** Below this a position is flat (float dust from fractional fills). */
const QTY_EPS = 1e-9;
