/**
 * One ExecutionClient for every venue behind ccxt: commands become ccxt's unified calls, ccxt's
 * orders, trades and ledger become reports and account entries (translate.ts), and every venue
 * difference is read from the profile (profiles.ts). Like the other adapters it keeps no order state
 * of its own: an id map (client order id -> symbol, venue order id) saves look-ups and is rebuilt
 * from the venue's open orders at connect.
 *
 * Streams: ccxt's watch* (orders for status, my trades for fills). ccxt does not resubscribe by
 * itself: when a watch rejects (closed socket) the loop waits (backoff with jitter), calls watch*
 * again and, before reading it, fetches trades and order states over REST to cover the gap. A fill
 * heard twice (stream and REST) is one: the adapter drops an execution id it already passed on, and
 * the registry knows it by exec id and by (venue order, cumulative size) besides. Where the profile
 * has no websocket for a stream, REST polling takes its place.
 *
 * Venue-initiated entries (funding, liquidations, ADL, rebates) arrive as ledger bills: pulled on a
 * timer, on every position update (watchPositions), after a trade without our client id (the
 * venue's liquidation order), after every gap, and on request (queries.entriesSince, before a
 * reconciliation).
 */
import ccxt, { type Exchange } from 'ccxt';
import type { ZodType } from 'zod';
import type { OrderRequest, ReplaceRequest } from '../../domain/order.ts';
import type {
  AccountEntry, AccountEntrySink, ConnectionState, ConnectionStatus, DeadManStatus, ExecutionClient, ExecutionReport, InstrumentProvider,
  ReportSink, SubmitCommand, TransportHooks, VenueAccount, VenueCapabilities, VenueExecution, VenueOrderState, VenuePosition, VenueQueries,
} from '../../ports/index.ts';
import { type Scheduler, type TimerHandle, WallScheduler } from '../../ports/scheduler.ts';
import { checkClientId } from '../../orders/client-ids.ts';
import { scrub } from '../../util/secrets.ts';
import { zodMessage } from '../../util/zod-message.ts';
import type { DeadManSwitch } from './dead-man.ts';
import { CcxtApiError, CcxtNetworkError, CcxtProtocolError, clockError, venueCodesOf, type CcxtProblem } from './errors.ts';
import { capabilitiesOf, marketRefusal, marketTypeOf, type AskScope, type CcxtProfile, type MarketType } from './profiles.ts';
import { WindowLimiter } from './rate-limit.ts';
import { closeExchange } from './teardown.ts';
import { ccxtSubscribed, downKindOf, dropRefusedLogins, loginRefusedText, streamsDownDetail, watchLoop, type DownKind } from './watch-loop.ts';
import { clientIdOf, entryOf, executionOf, fillOf, orderStateOf, round, statusReportOf, unlistedBill, venueOrderCidOf, venueTradeOf } from './translate.ts';
import { CcxtBalance, CcxtLedgerEntry, CcxtOrder, CcxtPosition, CcxtTrade, atPath, infoNumber, type CcxtLedgerEntryT, type CcxtOrderT } from './wire.ts';
import { z } from 'zod';

export interface CcxtExecutionOptions {
  readonly profile: CcxtProfile;
  readonly exchange: Exchange;
  /**
   * The ccxt instance bill pulls run on (default: `exchange`). ccxt keeps one throttle per instance
   * and a page of OKX bills costs 2 tokens (220 ms): on the order instance, every position push and
   * reconciliation would put orders behind ledger pages. The venue limits each endpoint on its own.
   */
  readonly ledgerExchange?: Exchange;
  readonly instruments: InstrumentProvider;
  /** The symbols this session trades (ccxt unified: BTC/USDT, BTC/USDT:USDT). */
  readonly symbols: readonly string[];
  readonly live: boolean;
  /** Margin mode per swap symbol (sent with every order where the profile says so). */
  readonly marginMode?: (symbol: string) => 'cross' | 'isolated' | undefined;
  /** The tag our orders carry, so the dead-man switch cancels ours only (default "parity"). */
  readonly orderTag?: string;
  readonly deadMan?: DeadManSwitch | null;
  /**
   * Where orders go when the profile's orderEntry is 'connection' (Deribit: the websocket its
   * cancel-on-disconnect watches); default ccxt's own REST calls on `exchange`.
   */
  readonly orderGateway?: OrderGateway;
  /** More ccxt instances of the session to close at disconnect, after the switch is off (the dead-man switch's). */
  readonly alsoClose?: readonly { close(): Promise<unknown> }[];
  readonly onProblem?: (p: CcxtProblem) => void;
  readonly onInfo?: (msg: string) => void;
  readonly scheduler?: Scheduler;
  /** Reconnect backoff of a closed watch (default 500 ms doubling to 30 s, with jitter). */
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly random?: () => number;
  /** Ledger pulls for venue-initiated entries (default 15 s; 0 = only on events and request). */
  readonly billsPollMs?: number;
  /** REST polling of orders and trades where the profile has no websocket (default 2 s). */
  readonly pollMs?: number;
  /**
   * Heartbeat (fetchTime) for the connection status and the clock offset (default 5 s; 0 = off): a
   * third of the engine watchdog's 15 s, so a venue whose streams are quiet (no position stream:
   * Deribit) never looks lost between two beats.
   */
  readonly heartbeatMs?: number;
  readonly submitRetries?: number;
  readonly retryMs?: number;
}

/** The three order calls, ccxt-shaped: ccxt itself, or a connection that answers with ccxt's unified order. */
export interface OrderGateway {
  createOrder(symbol: string, type: string, side: 'buy' | 'sell', amount: number, price?: number, params?: Record<string, unknown>): Promise<unknown>;
  cancelOrder(id: string, symbol?: string, params?: Record<string, unknown>): Promise<unknown>;
  editOrder(id: string, symbol: string, type: string, side: 'buy' | 'sell', amount?: number, price?: number, params?: Record<string, unknown>): Promise<unknown>;
}

/** One way of asking an account-wide question: a symbol, a market type or a currency, as the venue needs. */
interface Ask { readonly symbol?: string; readonly code?: string; readonly params: Record<string, unknown> }

interface Known { readonly symbol: string; venueOrderId?: string; lastStatus?: ExecutionReport['kind'] }

const SEEN_CAP = 20_000;
const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const AccountInfo = z.looseObject({ data: z.array(z.record(z.string(), z.unknown())).min(1) });

export class CcxtExecution implements ExecutionClient {
  readonly venue: string;
  readonly capabilities: VenueCapabilities;
  readonly queries: VenueQueries;
  readonly deadMan?: () => DeadManStatus;
  private readonly p: CcxtProfile;
  private readonly ex: Exchange;
  private readonly ledgerEx: Exchange;
  private readonly gateway: OrderGateway;
  private readonly scheduler: Scheduler;
  private readonly limiter: WindowLimiter;
  private sink: ReportSink | null = null;
  private transport: TransportHooks | null = null;
  private entries: AccountEntrySink | null = null;
  private readonly known = new Map<string, Known>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly seenExec = new Set<string>();
  private readonly seenEntries = new Set<string>();
  /** The venue's own orders on our account (profile venueTrades) by venue order id: their client id; and foreign order ids already asked about. */
  private readonly venueOrders = new Map<string, string>();
  /** Our client id by the venue's order id (the `known` map the other way round: a trade names only the venue's id). */
  private readonly cidByVenueId = new Map<string, string>();
  private readonly askedForeign = new Set<string>();
  /** Bills that could not be translated, or were booked as 'other', already told about (once each). */
  private readonly toldBills = new Set<string>();
  private readonly socketsDown = new Map<string, DownKind>();
  private state: ConnectionState = 'disconnected';
  private lastHeartbeat: number | null = null;
  private detail: string | undefined;
  /** Venue time of the newest trade heard: a gap fill asks from a little before it. */
  private lastTradeTs: number | null = null;
  private lastEntryTs: number | null = null;
  private connectedAt = 0;
  private venueOffset = 0;
  private recovering: Promise<void> | null = null;
  private recoverAgain: string | null = null;
  private pulling: Promise<AccountEntry[]> | null = null;
  /** The pull that runs after the one in flight, for callers that came during it (one for them all). */
  private nextPull: Promise<AccountEntry[]> | null = null;
  private readonly timers: TimerHandle[] = [];
  private closed = false;

  constructor(private readonly o: CcxtExecutionOptions) {
    this.p = o.profile;
    this.ex = o.exchange;
    this.ledgerEx = o.ledgerExchange ?? o.exchange;
    this.gateway = o.orderGateway ?? (o.exchange as unknown as OrderGateway);
    if (o.profile.orderEntry === 'connection' && o.orderGateway === undefined) throw new Error(`${o.profile.name}: orders go over the venue connection (orderEntry 'connection'): give an orderGateway`);
    this.venue = o.live ? `${o.profile.name}-live` : o.profile.name;
    this.scheduler = o.scheduler ?? new WallScheduler();
    this.capabilities = capabilitiesOf(o.profile, o.symbols.map(marketTypeOf));
    this.limiter = new WindowLimiter(o.profile.orderRate.orders, o.profile.orderRate.windowMs, this.scheduler);
    this.queries = {
      order: (cid) => this.queryOrder(cid),
      openOrders: () => this.queryOpenOrders(),
      positions: () => this.queryPositions(),
      account: () => this.queryAccount(),
      executionsSince: (ts) => this.executionsSince(ts),
      time: () => this.ex.fetchTime().then((t) => t ?? this.scheduler.now()),
      entriesSince: (ts) => this.entriesSince(ts),
      pullEntries: () => this.pullEntries(),
    };
    if (o.profile.deadMan !== null) {
      const dm = o.deadMan ?? null;
      const covered = o.symbols.some((s) => o.profile.deadMan!.markets.includes(marketTypeOf(s)));
      const why = covered ? `disabled in the config (${o.profile.name}.deadMan.enabled)` : `${o.profile.endpoints.venue} has none for ${[...new Set(o.symbols.map(marketTypeOf))].join(' / ')}`;
      // Not covering any traded market type is the venue's lack (DMS none), not the operator's choice (DMS off).
      this.deadMan = () => dm?.view() ?? { state: covered ? 'off' : 'unsupported', timeoutMs: 0, expiresAt: null, lastRefresh: null, detail: why };
    }
  }

  // ---------- connection ----------

  async connect(sink: ReportSink, transport?: TransportHooks, entries?: AccountEntrySink): Promise<void> {
    this.sink = sink;
    this.transport = transport ?? null;
    this.entries = entries ?? null;
    this.state = 'connecting';
    await this.syncClock();
    this.connectedAt = this.now();
    try {
      // The id map from the venue: orders an earlier process placed route like our own.
      for (const o of await this.openOrders()) this.remember(o);
      await this.ledgerBaseline();
    } catch (err) {
      // The first signed requests: a refused timestamp is our clock, which the heartbeat just measured.
      if (err instanceof ccxt.InvalidNonce) throw clockError(this.p.endpoints.venue, this.venueOffset, this.scrubbed(errText(err)));
      throw err;
    }
    const ws = this.p.ws;
    // One stream for the account, or one per traded market type where ccxt's watch without a symbol follows its defaultType (Binance: spot apart from USD-M).
    const per = ws.perType === true ? this.marketTypes().map((type) => ({ name: ` ${type}`, params: { type } })) : [{ name: '', params: {} }];
    for (const a of per) {
      if (ws.watchOrders === true) this.loop(`orders${a.name}`, () => this.ex.watchOrders(undefined, undefined, undefined, a.params), (xs) => this.onOrders(xs));
      if (ws.watchMyTrades === true) this.loop(`my trades${a.name}`, () => this.ex.watchMyTrades(undefined, undefined, undefined, a.params), (xs) => this.onTrades(xs));
    }
    if (ws.watchOrders !== true || ws.watchMyTrades !== true) this.timers.push(this.scheduler.every(this.o.pollMs ?? 2000, () => { void this.recover('poll'); }));
    // A position the venue changed (liquidation, ADL) or funding paid: its bill says what, at once.
    if (ws.watchPositions === true) this.loop('positions', () => this.ex.watchPositions(), () => { void this.pullEntries().catch((err: unknown) => this.problem(asProblem(err))); });
    const bills = this.o.billsPollMs ?? 15_000;
    if (bills > 0) this.timers.push(this.scheduler.every(bills, () => { void this.pullEntries().catch((err: unknown) => this.problem(asProblem(err))); }));
    const hb = this.o.heartbeatMs ?? 5_000;
    if (hb > 0) this.timers.push(this.scheduler.every(hb, () => { void this.syncClock().catch((err: unknown) => this.problem(asProblem(err))); }));
    this.state = 'connected';
    // The connect's requests were answered: the venue was heard from just now.
    this.beat();
  }

  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const t of this.timers.splice(0)) t.cancel();
    this.state = 'disconnected';
    // An orderly exit leaves orders as they are (as on every venue): the switch is turned off.
    await this.o.deadMan?.stop(true);
    await closeExchange(this.ex);
    if (this.ledgerEx !== this.ex) await closeExchange(this.ledgerEx);
    for (const x of this.o.alsoClose ?? []) await x.close().catch(() => undefined);
  }

  connection(): ConnectionStatus {
    const st = this.socketsDown.size > 0 && this.state === 'connected' ? 'connecting' : this.state;
    const detail = this.socketsDown.size > 0 ? streamsDownDetail(this.socketsDown, this.p, this.o.live) : this.detail;
    return detail === undefined ? { state: st, lastHeartbeat: this.lastHeartbeat } : { state: st, lastHeartbeat: this.lastHeartbeat, detail };
  }

  /** Settles when every queued command has had its answer and no gap fill runs (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.chains.values()]);
    while (this.recovering !== null) await this.recovering;
    while (this.pulling !== null) await this.pulling.catch(() => undefined);
  }

  private loop(name: string, watch: () => Promise<unknown[]>, apply: (xs: unknown[]) => void): void {
    void watchLoop({
      name, watch, scheduler: this.scheduler, closed: () => this.closed,
      apply: (xs) => { this.beat(); apply(xs); },
      gap: (why) => this.recover(why),
      down: (n, err) => {
        // A refused login is the keys' (or the clock's), not the network's; ccxt would never log in again on that socket.
        const kind = downKindOf(err);
        if (kind === 'login') dropRefusedLogins(this.ex, err);
        if (this.socketsDown.get(n) !== kind) {
          this.problem(kind === 'login' ? new CcxtApiError(err instanceof Error ? err.name : 'AuthenticationError', loginRefusedText(this.p, this.o.live, n, this.scrubbed(errText(err))))
            : new CcxtNetworkError(`${n} websocket: ${this.scrubbed(errText(err))}; resubscribing with backoff, REST covers the gap`));
        }
        this.socketsDown.set(n, kind);
      },
      subscribed: () => ccxtSubscribed(this.ex, name),
      up: (n) => { if (this.socketsDown.delete(n)) this.info(`${n} websocket back`); },
      backoff: { initialMs: this.o.reconnectInitialMs ?? 500, maxMs: this.o.reconnectMaxMs ?? 30_000, ...(this.o.random !== undefined ? { random: this.o.random } : {}) },
    });
  }

  // ---------- stream frames ----------

  private onOrders(xs: unknown[]): void {
    for (const x of xs) {
      const o = this.parse(CcxtOrder, x, 'order update');
      if (o === null) continue;
      const cid = clientIdOf(this.p, o);
      if (cid === null) { this.onForeignOrder(o); void this.pullEntries().catch(() => undefined); continue; }
      if (this.elsewhere(cid, o.symbol)) continue;
      this.remember(o);
      const rep = statusReportOf(this.p, o);
      if (rep !== null) this.emitStatus(rep);
    }
  }

  private onTrades(xs: unknown[]): void {
    for (const x of xs) {
      const t = this.parse(CcxtTrade, x, 'trade');
      if (t === null) continue;
      if (this.lastTradeTs === null || t.timestamp > this.lastTradeTs) this.lastTradeTs = t.timestamp;
      const cid = clientIdOf(this.p, t);
      if (cid !== null && this.elsewhere(cid, t.symbol)) continue;
      if (this.bookVenueTrade(this.withClientId(t))) continue;
      let f: ReturnType<typeof fillOf>;
      try { f = fillOf(this.p, this.withClientId(t)); } catch (err) { this.problem(asProblem(err)); continue; }
      // Not ours: the venue traded on our account (a liquidation, ADL): its bill books it.
      if (f === null) { void this.pullEntries().catch((err: unknown) => this.problem(asProblem(err))); continue; }
      this.emitFill(f);
    }
  }

  // ---------- commands ----------

  submit(cmd: SubmitCommand): void {
    this.enqueue(cmd.clientOrderId, () => this.doSubmit(cmd.clientOrderId, cmd.request));
  }

  cancel(clientOrderId: string, _ts: number): void {
    this.enqueue(clientOrderId, () => this.doCancel(clientOrderId));
  }

  replace(clientOrderId: string, changes: ReplaceRequest, _ts: number): void {
    this.enqueue(clientOrderId, () => this.doReplace(clientOrderId, changes));
  }

  private enqueue(cid: string, op: () => Promise<void>): void {
    const prev = this.chains.get(cid) ?? Promise.resolve();
    const next = prev.then(op).catch((err: unknown) => this.problem(asProblem(err)));
    this.chains.set(cid, next);
    void next.then(() => { if (this.chains.get(cid) === next) this.chains.delete(cid); });
  }

  private orderParams(cid: string, r: OrderRequest): Record<string, unknown> {
    const m = this.p.markets[marketTypeOf(r.symbol)];
    const tag = this.p.deadMan?.tag ?? null;
    const mode = m.marginModeParam !== null ? this.o.marginMode?.(r.symbol) : undefined;
    return {
      [this.p.clientId.param]: cid,
      ...(tag !== null ? { [tag.param]: this.o.orderTag ?? 'parity' } : {}),
      ...(r.reduceOnly === true ? { reduceOnly: true } : {}),
      ...(r.tif !== undefined && r.tif !== 'gtc' ? { timeInForce: r.tif.toUpperCase() } : {}),
      ...(mode !== undefined && m.marginModeParam !== null ? { [m.marginModeParam]: mode } : {}),
    };
  }

  private async doSubmit(cid: string, r: OrderRequest): Promise<void> {
    const refused = marketRefusal(this.p, r) ?? checkClientId(cid, this.p.clientId.rule);
    if (refused !== null) { this.emit({ kind: 'rejected', clientOrderId: cid, reason: refused, ts: this.now() }); return; }
    this.known.set(cid, { ...this.known.get(cid), symbol: r.symbol });
    const price = r.type === 'limit' || r.type === 'stop_limit' ? r.limitPrice : undefined;
    const attempts = this.o.submitRetries ?? 3;
    for (let i = 0; i <= attempts; i++) {
      await this.pace(r.symbol);
      try {
        this.transport?.sent(cid, 'submit');
        const answer = z.looseObject({ id: z.string().min(1), clientOrderId: z.string().nullish(), info: z.record(z.string(), z.unknown()).prefault({}) })
          .safeParse(await this.gateway.createOrder(r.symbol, r.type, r.side, r.qty, price, this.orderParams(cid, r)));
        // A success that names no order (Bybit retCode 0 with an empty result) may still have placed it: outcome unknown, not a reject.
        if (!answer.success) throw new ccxt.NetworkError(`the venue's answer to the order names no order (${zodMessage(answer.error)})`);
        const o = answer.data;
        // An answer naming another client id is not our order's (a venue or proxy that mixed up answers): ours is asked for by id, as after a lost answer.
        const theirs = clientIdOf(this.p, o);
        if (theirs !== null && theirs !== cid) throw new ccxt.NetworkError(`the venue answered with order ${o.id} of client id ${theirs}, not ours`);
        this.noteVenueId(cid, o.id);
        this.emitStatus({ kind: 'accepted', clientOrderId: cid, venueOrderId: o.id, ts: this.now() });
        return;
      } catch (err) {
        if (err instanceof ccxt.DuplicateOrderId || venueCodesOf(err).some((c) => this.p.duplicateClientIdCodes.includes(c))) {
          // Our id is taken at the venue: an earlier attempt landed (its answer was lost or refused,
          // as a 429 after booking). Never a reject: take what the venue has, asking again if the
          // look-up fails; if it never answers, the engine's reconciliation asks by id later.
          for (let j = i; j <= attempts; j++) {
            const o = await this.orderByCid(cid, r.symbol).catch(() => undefined);
            if (o !== undefined && o !== null) {
              this.remember(o);
              this.emitStatus(statusReportOf(this.p, o) ?? { kind: 'accepted', clientOrderId: cid, venueOrderId: o.id, ts: this.now() });
              for (const f of await this.fillsOf(o).catch(() => [])) this.emitFill(f);
              return;
            }
            if (j < attempts) await this.scheduler.sleep(this.o.retryMs ?? 500);
          }
          this.problem(new CcxtNetworkError(`order ${cid}: the venue says the id is taken (an earlier attempt landed) but would not show the order; the engine will ask the venue again`));
          return;
        }
        if (!(err instanceof ccxt.NetworkError)) {
          this.emit({ kind: 'rejected', clientOrderId: cid, reason: `${this.p.name}: ${this.scrubbed(errText(err))}`, ts: this.now() });
          return;
        }
        this.problem(new CcxtNetworkError(`order ${cid}: ${this.scrubbed(errText(err))}; asking the venue before trying again`));
        // Outcome unknown: ask by our id first; a resend reuses the same id. Resend only once the
        // venue says it has no such order: a venue may keep client ids unique among pending orders
        // only (OKX), so a resend after an order that landed and filled would be a second order.
        let found: CcxtOrderT | null | undefined;
        for (let k = 0; k <= attempts && found === undefined; k++) {
          if (k > 0) await this.scheduler.sleep(this.o.retryMs ?? 500);
          found = await this.orderByCid(cid, r.symbol).catch(() => undefined);
        }
        if (found === undefined) break;
        if (found !== null) {
          this.remember(found);
          this.emitStatus(statusReportOf(this.p, found) ?? { kind: 'accepted', clientOrderId: cid, venueOrderId: found.id, ts: this.now() });
          for (const f of await this.fillsOf(found).catch(() => [])) this.emitFill(f);
          return;
        }
        if (i === attempts) break;
        await this.scheduler.sleep(this.o.retryMs ?? 500);
      }
    }
    this.problem(new CcxtNetworkError(`order ${cid}: outcome unknown after ${attempts + 1} attempts; the engine will ask the venue again`));
  }

  private async doCancel(cid: string): Promise<void> {
    let symbol: string | null;
    try { symbol = await this.symbolOf(cid); } catch (err) {
      this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `could not ask the venue where ${cid} stands (${errText(err)})`, ts: this.now(), transient: true });
      return;
    }
    if (symbol === null) { this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `the venue has no order ${cid}`, ts: this.now() }); return; }
    await this.pace(symbol);
    try {
      this.transport?.sent(cid, 'cancel');
      await this.gateway.cancelOrder(this.known.get(cid)?.venueOrderId ?? '', symbol, { [this.p.clientId.param]: cid });
    } catch (err) {
      if (err instanceof ccxt.NetworkError) {
        this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `${this.scrubbed(errText(err))} (in transit)`, ts: this.now(), transient: true });
        return;
      }
      // Refused: the order may have ended meanwhile (filled, cancelled): the venue's state says how.
      const o = await this.orderByCid(cid, symbol).catch(() => null);
      const ended = o === null ? null : statusReportOf(this.p, o);
      if (ended !== null && (ended.kind === 'canceled' || ended.kind === 'expired')) { this.emitStatus(ended); return; }
      this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `${this.p.name}: ${this.scrubbed(errText(err))}`, ts: this.now() });
      return;
    }
    // The answer only says the request was taken: the order's state confirms it.
    const o = await this.orderByCid(cid, symbol).catch(() => null);
    if (o !== null) {
      this.remember(o);
      const rep = statusReportOf(this.p, o);
      if (rep !== null && rep.kind !== 'accepted') this.emitStatus(rep);
    }
  }

  private async doReplace(cid: string, ch: ReplaceRequest): Promise<void> {
    const rejected = (reason: string, transient = false): void => this.emit({ kind: 'replace_rejected', clientOrderId: cid, reason, ts: this.now(), ...(transient ? { transient } : {}) });
    const symbol = await this.symbolOf(cid).catch(() => undefined);
    if (symbol === undefined) { rejected(`could not ask the venue where ${cid} stands`, true); return; }
    if (symbol === null) { rejected(`the venue has no order ${cid}`); return; }
    const m = this.p.markets[marketTypeOf(symbol)];
    if (m.replace !== true) { rejected(`${this.p.name} ${marketTypeOf(symbol)}: orders cannot be amended`); return; }
    const cur = await this.orderByCid(cid, symbol).catch(() => undefined);
    if (cur === undefined) { rejected(`could not ask the venue where ${cid} stands`, true); return; }
    if (cur === null || cur.status !== 'open') { rejected(`${cid} is ${cur?.status ?? 'unknown'} at the venue`); return; }
    await this.pace(symbol);
    try {
      this.transport?.sent(cid, 'replace');
      await this.gateway.editOrder(cur.id, symbol, cur.type ?? 'limit', cur.side, ch.qty ?? cur.amount, ch.limitPrice ?? cur.price ?? undefined, { [this.p.clientId.param]: cid });
    } catch (err) {
      rejected(`${this.p.name}: ${this.scrubbed(errText(err))}`, err instanceof ccxt.NetworkError);
      return;
    }
    const o = await this.orderByCid(cid, symbol).catch(() => null);
    const after = o ?? cur;
    this.emit({
      kind: 'replaced', clientOrderId: cid, qty: ch.qty ?? after.amount, ts: this.now(),
      ...(after.price !== undefined && after.price !== null ? { limitPrice: ch.limitPrice ?? after.price } : {}),
    });
  }

  // ---------- the gap ----------

  /**
   * Fills and order ends missed while a stream was down, as ordinary reports (repeats are dropped
   * here and again in the registry), then the venue's own entries.
   */
  recover(why: string): Promise<void> {
    if (this.recovering !== null) { this.recoverAgain = why; return this.recovering; }
    if (why !== 'poll') this.info(`recovering after ${why}`);
    const run = async (): Promise<void> => {
      const since = (this.lastTradeTs ?? this.connectedAt) - 60_000;
      for (const t of await this.fetchTrades(since)) {
        if (t.timestamp > (this.lastTradeTs ?? 0)) this.lastTradeTs = t.timestamp;
        const tcid = clientIdOf(this.p, t);
        if (tcid !== null && this.elsewhere(tcid, t.symbol)) continue;
        if (this.bookVenueTrade(t) || await this.foreignTradeBooked(t)) continue;
        // One trade that cannot be read is a problem of its own, not the end of the gap's recovery.
        let f: ReturnType<typeof fillOf>;
        try { f = fillOf(this.p, t); } catch (err) { this.problem(asProblem(err)); continue; }
        if (f !== null) this.emitFill(f);
      }
      const open = new Set<string>();
      for (const o of await this.openOrders()) {
        const cid = clientIdOf(this.p, o);
        if (cid === null || this.elsewhere(cid, o.symbol)) continue;
        open.add(cid);
        this.remember(o);
        const rep = statusReportOf(this.p, o);
        if (rep !== null) this.emitStatus(rep);
      }
      // Orders we routed that the venue no longer works: how did they end?
      for (const [cid, k] of this.known) {
        if (open.has(cid) || k.lastStatus === 'canceled' || k.lastStatus === 'expired' || k.lastStatus === 'rejected') continue;
        const o = await this.orderByCid(cid, k.symbol).catch(() => null);
        if (o === null) continue;
        const rep = statusReportOf(this.p, o);
        if (rep !== null) this.emitStatus(rep);
      }
      await this.pullEntries();
    };
    this.recovering = run().catch((err: unknown) => this.problem(asProblem(err))).finally(() => {
      this.recovering = null;
      const again = this.recoverAgain;
      this.recoverAgain = null;
      if (again !== null && !this.closed) void this.recover(again);
    });
    return this.recovering;
  }

  /** New venue entries since the last pull, booked through the entries sink (each entry id once). */
  pullEntries(): Promise<AccountEntry[]> {
    if (this.pulling === null) return this.startPull();
    // The pull in flight may have read the ledger before what prompted this call (a position push,
    // a reconciliation about to compare): one more after it, shared by every caller meanwhile.
    if (this.nextPull === null) {
      this.nextPull = this.pulling.catch(() => []).then(() => {
        this.nextPull = null;
        return this.pulling ?? this.startPull();
      });
    }
    return this.nextPull;
  }

  private startPull(): Promise<AccountEntry[]> {
    const run = async (): Promise<AccountEntry[]> => {
      // From the ledger's own times (a venue's clock and its ledger's need not agree, as on a fake).
      // A bill posted late is dated earlier than ones already booked: look back the profile's
      // lateness window each time; the seen ids drop the repeats.
      const since = this.lastEntryTs === null ? 0 : this.lastEntryTs - this.p.bills.lateMs;
      const fresh: AccountEntry[] = [];
      for (const e of await this.entriesSince(since)) {
        if (this.seenEntries.has(e.entryId)) continue;
        remember(this.seenEntries, e.entryId);
        if (this.lastEntryTs === null || e.ts > this.lastEntryTs) this.lastEntryTs = e.ts;
        fresh.push(e);
        if (!this.closed) this.entries?.(e);
      }
      return fresh;
    };
    this.pulling = run().finally(() => { this.pulling = null; });
    return this.pulling;
  }

  /**
   * What the ledger held at connect is in the venue's cash already (the engine starts from it), or
   * was booked by an earlier session (the store knows those ids): the pulls start after the newest
   * bill there is now, dated by the ledger itself.
   */
  private async ledgerBaseline(): Promise<void> {
    let newest: number | null = null;
    const q = this.p.bills.query;
    // The newest row there is: one row where the venue answers newest first, else the venue's default window.
    const probe = q.page.kind === 'forward' && q.implicit === undefined ? this.p.bills.pageLimit : 1;
    const im = q.implicit;
    for (const x of await this.perAsk(q.scope, (a) => (im !== undefined ? this.implicitLedger(im, a.code ?? this.quoteCurrency(), 0, probe, 1) : this.ledgerEx.fetchLedger(a.code, undefined, probe, a.params)))) {
      const e = this.parse(CcxtLedgerEntry, x, 'ledger entry');
      if (e !== null && (newest === null || e.timestamp > newest)) newest = e.timestamp;
    }
    this.lastEntryTs = newest;
    // As far back as a pull looks: a bill there is in the cash the engine starts from.
    if (newest !== null) for (const e of await this.entriesSince(newest - this.p.bills.lateMs)) remember(this.seenEntries, e.entryId);
  }

  // ---------- queries ----------

  private async queryOrder(cid: string): Promise<VenueOrderState | null> {
    const k = this.known.get(cid);
    for (const sym of k !== undefined ? [k.symbol] : this.o.symbols) {
      const o = await this.orderByCid(cid, sym);
      if (o !== null) { this.remember(o); return orderStateOf(this.p, o); }
    }
    return null;
  }

  private async queryOpenOrders(): Promise<VenueOrderState[]> {
    const list = await this.openOrders();
    for (const o of list) this.remember(o);
    return list.map((o) => orderStateOf(this.p, o));
  }

  private async queryPositions(): Promise<VenuePosition[]> {
    const out: VenuePosition[] = [];
    const swaps = this.o.symbols.filter((s) => marketTypeOf(s) === 'swap');
    if (swaps.length > 0) {
      const raw = this.p.ask.positions === 'symbols' ? await this.ex.fetchPositions(swaps) : (await Promise.all(swaps.map((s) => this.ex.fetchPositions([s])))).flat();
      for (const x of raw) {
        const p = this.parse(CcxtPosition, x, 'position');
        if (p === null || !(Math.abs(p.contracts ?? 0) > 0)) continue;
        out.push({ symbol: p.symbol, qty: (p.side === 'short' ? -1 : 1) * Math.abs(p.contracts ?? 0), avgPrice: p.entryPrice ?? 0 });
      }
    }
    const spots = this.o.symbols.filter((s) => marketTypeOf(s) === 'spot');
    if (spots.length > 0) {
      // Spot holdings are balances of the base currency (of the spot wallet where the venue keeps one per type).
      const b = CcxtBalance.parse(await this.ex.fetchBalance(this.p.ask.balance === 'type' ? { type: 'spot' } : {}));
      for (const s of spots) {
        const base = s.split('/')[0]!;
        const qty = b.total[base] ?? 0;
        if (Math.abs(qty) > 0) out.push({ symbol: s, qty, avgPrice: 0 });
      }
    }
    return out;
  }

  private async queryAccount(): Promise<VenueAccount> {
    const [id, balances] = await Promise.all([this.accountId(), this.perAsk(this.p.ask.balance, async (a) => [{ raw: await this.ex.fetchBalance(a.params), type: a.params['type'] }])]);
    const currency = this.quoteCurrency();
    const cash: Record<string, number> = {};
    let equity: number | undefined;
    // A venue that keeps a wallet per market type (Binance spot and USD-M) answers once per type: the account is their sum.
    // A wallet whose answer is not read for cash (balanceCash.types: Binance spot) adds its quote-currency cash to the equity.
    let plainQuote = 0;
    for (const { raw, type } of balances) {
      const b = CcxtBalance.parse(raw);
      const own: Record<string, number> = {};
      for (const [ccy, v] of Object.entries(b.total)) if (v !== undefined && v !== null && v !== 0) own[ccy] = v;
      const bc = this.p.balanceCash !== null && (this.p.balanceCash.types === undefined || this.p.balanceCash.types.includes(type as MarketType)) ? this.p.balanceCash : null;
      if (bc === null) plainQuote += own[currency] ?? 0;
      if (bc !== null) {
        // ccxt's total is equity here: cash is the venue's own cash field, or the answer is refused.
        const rows = atPath(b.info, bc.list);
        if (!Array.isArray(rows)) throw new CcxtProtocolError('balance', `${this.p.name} balance has no ${bc.list} list: cannot tell cash from unrealized P&L`);
        for (const row of rows as unknown[]) {
          if (typeof row !== 'object' || row === null) continue;
          const r = row as Record<string, unknown>;
          const ccy = r[bc.currency];
          const v = infoNumber(r, bc.cash);
          if (typeof ccy !== 'string' || v === undefined) continue;
          if (v === 0) delete own[ccy];
          else own[ccy] = v;
        }
        const eq = bc.equity === null ? undefined : atPath(b.info, bc.equity);
        const n = typeof eq === 'number' ? eq : typeof eq === 'string' && eq.trim() !== '' ? Number(eq) : undefined;
        if (n !== undefined && Number.isFinite(n)) equity = (equity ?? 0) + n;
      }
      for (const [ccy, v] of Object.entries(own)) cash[ccy] = round(v + (cash[ccy] ?? 0));
    }
    return { accountId: id, currency, cash, equity: equity !== undefined ? round(equity + plainQuote) : cash[currency] ?? 0, status: 'active', live: this.o.live };
  }

  /** The account's id as the venue shows it (what the operator types for --live). */
  private async accountId(): Promise<string> {
    const a = this.p.accountId;
    let id: unknown;
    if (a.kind === 'fetchAccounts') id = (await this.ex.fetchAccounts())[0]?.id;
    else id = atPath(await this.implicit(this.ex, a.method)({}), a.path);
    if ((typeof id !== 'string' && typeof id !== 'number') || id === '') throw new CcxtProtocolError('account', `${this.p.name} answered no account id (${this.p.accountIdName})`);
    return String(id);
  }

  /**
   * Asks once, once per traded market type ({type}), once per traded symbol, or once per settle
   * currency ({code}), as the profile says the venue needs, and joins the answers.
   */
  private async perAsk<T>(scope: AskScope, call: (a: Ask) => Promise<T[]>): Promise<T[]> {
    const asks: Ask[] = scope === 'account' ? [{ params: {} }]
      : scope === 'type' ? this.marketTypes().map((type) => ({ params: { type } }))
      : scope === 'symbol' ? this.o.symbols.map((symbol) => ({ symbol, params: {} }))
      : this.settleCurrencies().map((code) => ({ code, params: { code } }));
    const out: T[] = [];
    for (const a of asks) out.push(...await call(a));
    return out;
  }

  private marketTypes(): MarketType[] {
    return [...new Set(this.o.symbols.map(marketTypeOf))];
  }

  /** The currencies the traded markets settle in (BTC/USDC:USDC settles in USDC; spot in its quote). */
  private settleCurrencies(): string[] {
    return [...new Set(this.o.symbols.map((s) => settleOf(s) ?? this.quoteCurrency()))];
  }

  /** A venue call ccxt does not unify (its implicit API), by name. */
  private implicit(ex: Exchange, method: string): (params: Record<string, unknown>) => Promise<unknown> {
    const f = (ex as unknown as Record<string, unknown>)[method];
    if (typeof f !== 'function') throw new CcxtProtocolError('adapter', `ccxt ${this.p.ccxtId} has no method ${method} (profile ${this.p.name})`);
    return (params) => (f as (p: Record<string, unknown>) => Promise<unknown>).call(ex, params);
  }

  private async executionsSince(ts: number): Promise<VenueExecution[]> {
    const out: VenueExecution[] = [];
    for (const t of await this.fetchTrades(ts)) {
      if (t.timestamp < ts) continue;
      const x = executionOf(this.p, t);
      if (x !== null) out.push(x);
    }
    return out;
  }

  /** Venue entries at or after `ts`, oldest first. */
  private async entriesSince(ts: number): Promise<AccountEntry[]> {
    const out: AccountEntry[] = [];
    for (const e of await this.ledgerRows(ts)) {
      if (e.timestamp < ts) continue;
      const entry = this.entryOfBill(e);
      if (entry !== null) out.push(entry);
    }
    return out.sort((a, b) => a.ts - b.ts);
  }

  /**
   * The ledger's rows from `ts` on, every page, asked as the profile says (per market type: OKX
   * instType; once; or per settle currency) and paged as the venue pages (newest first and older
   * than an id: OKX; oldest first, forward from the newest row: Binance income; ccxt's paginate).
   */
  private async ledgerRows(ts: number): Promise<CcxtLedgerEntryT[]> {
    const q = this.p.bills.query;
    const limit = this.p.bills.pageLimit;
    const parse = (raw: unknown[]): CcxtLedgerEntryT[] => raw.map((x) => this.parse(CcxtLedgerEntry, x, 'ledger entry')).filter((x) => x !== null);
    return this.perAsk(q.scope, async (a) => {
      if (q.implicit !== undefined) return parse(await this.implicitLedger(q.implicit, a.code ?? this.quoteCurrency(), ts, limit));
      const params = { ...a.params, ...(q.sinceParam !== null ? { [q.sinceParam]: ts } : {}) };
      if (q.page.kind === 'ccxt') return parse(await this.ledgerEx.fetchLedger(a.code, ts, undefined, { ...params, paginate: true }));
      const out: CcxtLedgerEntryT[] = [];
      let since = ts;
      let after: string | undefined;
      for (let page = 0; page < 50; page++) {
        const cursor = q.page.kind === 'olderThanId' && after !== undefined ? { [q.page.param]: after } : {};
        const rows = parse(await this.ledgerEx.fetchLedger(a.code, since, limit, { ...params, ...cursor }));
        out.push(...rows);
        if (rows.length < limit) break;
        if (q.page.kind === 'olderThanId') {
          const oldest = rows.reduce((x, y) => (y.timestamp < x.timestamp ? y : x));
          if (oldest.timestamp < ts) break;
          after = oldest.id;
        } else {
          const newest = rows.reduce((x, y) => (y.timestamp > x.timestamp ? y : x)).timestamp;
          if (newest < since) break;
          since = newest + 1;
        }
      }
      return out;
    });
  }

  /**
   * The ledger through a venue call where ccxt has no fetchLedger (Deribit's transaction log),
   * every page, each row shaped as ccxt's ledger entry (id, timestamp, currency, amount, the row as
   * `info`) so the profile's fields read it as they read ccxt's.
   */
  private async implicitLedger(l: NonNullable<CcxtProfile['bills']['query']['implicit']>, code: string, ts: number, limit: number, pages = 50): Promise<unknown[]> {
    const f = this.p.bills.fields;
    const out: unknown[] = [];
    let cursor: unknown = undefined;
    for (let page = 0; page < pages; page++) {
      const answer = await this.implicit(this.ledgerEx, l.method)({
        [l.currencyParam]: code, [l.startParam]: ts, [l.endParam]: this.now() + 60_000, [l.countParam]: limit,
        ...(cursor !== undefined && cursor !== null ? { [l.cursorParam]: cursor } : {}),
      });
      const rows = atPath(answer, l.rowsPath);
      for (const r of Array.isArray(rows) ? rows : []) {
        if (typeof r !== 'object' || r === null) continue;
        const row = r as Record<string, unknown>;
        out.push({ id: String(row[f.id] ?? ''), timestamp: infoNumber(row, f.ts), currency: typeof row['currency'] === 'string' ? row['currency'] : code, amount: infoNumber(row, f.cash) ?? null, info: row });
      }
      cursor = atPath(answer, l.cursorPath);
      if (cursor === undefined || cursor === null || !Array.isArray(rows) || rows.length === 0) break;
    }
    return out;
  }

  /**
   * One bill as an entry. A bill that cannot be translated (a liquidation whose sub type's side the
   * profile lacks) is told once and left unbooked, and the rest are booked: half of it (the cash
   * without the trade) would leave a position the venue no longer has looking settled, and a later
   * correction of the position would book its P&L twice. Unbooked, both the cash and the position
   * differ from the venue's, which reconciliation confirms and pauses on, with this line saying why.
   */
  private entryOfBill(e: CcxtLedgerEntryT): AccountEntry | null {
    let entry: AccountEntry | null;
    try {
      entry = entryOf(this.p, e, (id, type) => this.ex.safeSymbol(id, undefined, '-', type) ?? null);
    } catch (err) {
      const id = `${e.id}`;
      if (!this.toldBills.has(id)) {
        remember(this.toldBills, id);
        const why = err instanceof CcxtProtocolError ? err.message.replace(/^ledger: /, '') : errText(err);
        this.problem(new CcxtProtocolError('ledger', `${why}; bill ${id} is not booked (the rest are): reconciliation will show the venue's cash and position`));
      }
      return null;
    }
    if (entry !== null && entry.kind === 'other' && unlistedBill(this.p, e) && !this.toldBills.has(entry.entryId)) {
      remember(this.toldBills, entry.entryId);
      this.info(`${this.p.name} bill ${entry.entryId} has a type the profile does not list (${JSON.stringify(e.info[this.p.bills.fields.type] ?? '')}): booked as 'other', ${entry.amount} ${entry.currency}`);
    }
    return entry;
  }

  // ---------- plumbing ----------

  /** The venue's order with our client id on `symbol`, found the way the profile says; null when it has none. */
  private async orderByCid(cid: string, symbol: string): Promise<CcxtOrderT | null> {
    const l = this.p.orderLookup;
    try {
      if (l.kind === 'fetchOrder') return CcxtOrder.parse(await this.ex.fetchOrder('', symbol, { [l.param]: cid }));
      if (l.kind === 'openThenClosed') {
        for (const m of ['fetchOpenOrders', 'fetchClosedOrders', 'fetchCanceledOrders'] as const) {
          if (m !== 'fetchOpenOrders' && this.ex.has[m] !== true) continue;
          const hit = this.newestWithCid(cid, await this.ex[m](symbol, undefined, undefined, { [l.param]: cid }));
          if (hit !== null) return hit;
        }
        return null;
      }
      const market = this.ex.market(symbol);
      const settle = settleOf(symbol) ?? market.quote;
      const answer = await this.implicit(this.ex, l.method)({ [l.param]: cid, ...(l.currencyParam !== null ? { [l.currencyParam]: settle } : {}) });
      const rows = atPath(answer, l.resultPath);
      return this.newestWithCid(cid, Array.isArray(rows) ? rows.map((r) => this.ex.parseOrder(r as Record<string, unknown>, market)) : []);
    } catch (err) {
      if (err instanceof ccxt.OrderNotFound) return null;
      throw err;
    }
  }

  private newestWithCid(cid: string, xs: readonly unknown[]): CcxtOrderT | null {
    let best: CcxtOrderT | null = null;
    for (const x of xs) {
      const o = this.parse(CcxtOrder, x, 'order');
      if (o === null || clientIdOf(this.p, o) !== cid) continue;
      if (best === null || (o.timestamp ?? 0) >= (best.timestamp ?? 0)) best = o;
    }
    return best;
  }

  /** Every working order on the account, asked as the venue needs (OKX: once; Binance: per symbol; Deribit: per currency). */
  private openOrders(): Promise<CcxtOrderT[]> {
    return this.perAsk(this.p.ask.openOrders, (a) => this.fetchOrders(() => this.ex.fetchOpenOrders(a.symbol, undefined, undefined, a.params)));
  }

  private async fillsOf(o: CcxtOrderT): Promise<Extract<ExecutionReport, { kind: 'fill' }>[]> {
    if (!((o.filled ?? 0) > 0)) return [];
    const trades = await this.fetchTrades((o.timestamp ?? this.now()) - 1000);
    return trades.filter((t) => t.order === o.id).map((t) => fillOf(this.p, t)).filter((f) => f !== null);
  }

  private async symbolOf(cid: string): Promise<string | null> {
    const k = this.known.get(cid);
    if (k !== undefined) return k.symbol;
    for (const o of await this.openOrders()) this.remember(o);
    const again = this.known.get(cid);
    if (again !== undefined) return again.symbol;
    for (const sym of this.o.symbols) {
      const o = await this.orderByCid(cid, sym);
      if (o !== null) { this.remember(o); return sym; }
    }
    return null;
  }

  private async fetchOrders(call: () => Promise<unknown[]>): Promise<CcxtOrderT[]> {
    return (await call()).map((x) => this.parse(CcxtOrder, x, 'order')).filter((x) => x !== null);
  }

  /** Our trades since `since`, asked as the venue needs (OKX: per market type, instType; Binance: per symbol). */
  private async fetchTrades(since: number): Promise<z.output<typeof CcxtTrade>[]> {
    const raw = await this.perAsk(this.p.ask.trades, (a) => this.ex.fetchMyTrades(a.symbol, since, 100, a.params));
    const out: z.output<typeof CcxtTrade>[] = [];
    for (const x of raw) {
      const t = this.parse(CcxtTrade, x, 'trade');
      if (t !== null) out.push(this.withClientId(t));
    }
    return out.sort((a, b) => a.timestamp - b.timestamp);
  }

  /**
   * A trade that does not carry our client id (Binance's REST trades carry only the venue's order
   * id) gets it from the order it belongs to, when that order is one we routed.
   */
  private withClientId(t: z.output<typeof CcxtTrade>): z.output<typeof CcxtTrade> {
    if (clientIdOf(this.p, t) !== null || t.order === undefined || t.order === null) return t;
    const cid = this.cidByVenueId.get(t.order);
    if (cid !== undefined) return { ...t, info: { ...t.info, [this.p.clientId.field]: cid } };
    const venue = this.venueOrders.get(t.order);
    if (venue !== undefined && venueOrderCidOf(this.p, t) === null) return { ...t, info: { ...t.info, [this.p.clientId.field]: venue } };
    return t;
  }

  /**
   * An order update with no client id of ours: when it is the venue's own order (venueTrades: a
   * liquidation's forced order) it is remembered by its id, and once it has filled its trades are
   * read (ccxt's trade stream may not carry them: Binance's liquidation execution is x CALCULATED).
   */
  private onForeignOrder(o: CcxtOrderT): void {
    const cid = venueOrderCidOf(this.p, o);
    if (cid === null) return;
    this.venueOrders.set(o.id, cid);
    if (!((o.filled ?? 0) > 0)) return;
    const since = (o.lastUpdateTimestamp ?? o.timestamp ?? this.now()) - 60_000;
    void this.fetchTrades(since).then((ts) => { for (const t of ts) if (t.order === o.id) this.bookVenueTrade(t); }).catch((err: unknown) => this.problem(asProblem(err)));
  }

  /** A trade of the venue's own order booked as its one account entry (each trade once, however often heard); false when it is not one. */
  private bookVenueTrade(t: z.output<typeof CcxtTrade>): boolean {
    let e: AccountEntry | null;
    try { e = venueTradeOf(this.p, t); } catch (err) { this.problem(asProblem(err)); return true; }
    if (e === null) return false;
    if (!this.seenEntries.has(e.entryId)) {
      remember(this.seenEntries, e.entryId);
      if (!this.closed) this.entries?.(e);
    }
    return true;
  }

  /**
   * A trade (REST, after a gap) of an order that is neither ours nor a venue order we heard of:
   * where the profile names venue orders, the order is asked once by its id; a venue order's trade
   * is then booked as its entry.
   */
  private async foreignTradeBooked(t: z.output<typeof CcxtTrade>): Promise<boolean> {
    if (this.p.venueTrades === undefined || clientIdOf(this.p, t) !== null || t.order === undefined || t.order === null || this.askedForeign.has(t.order)) return false;
    remember(this.askedForeign, t.order);
    const raw = await this.ex.fetchOrder(t.order, t.symbol).catch(() => null);
    const o = raw === null ? null : this.parse(CcxtOrder, raw, 'order');
    const cid = o === null ? null : venueOrderCidOf(this.p, o);
    if (cid === null) return false;
    this.venueOrders.set(t.order, cid);
    return this.bookVenueTrade(this.withClientId(t));
  }

  private remember(o: CcxtOrderT): void {
    const cid = clientIdOf(this.p, o);
    if (cid === null) return;
    const k = this.known.get(cid);
    if (k === undefined) this.known.set(cid, { symbol: o.symbol, venueOrderId: o.id });
    else k.venueOrderId = o.id;
    this.cidByVenueId.set(o.id, cid);
  }

  /**
   * Our client id on another market than the one we sent it on (a venue that keeps client ids per
   * market, Bybit's orderLinkId per category: another bot or a hand reused it): not our order's.
   */
  private elsewhere(cid: string, symbol: string): boolean {
    const k = this.known.get(cid);
    if (k === undefined || k.symbol === symbol) return false;
    this.problem(new CcxtProtocolError('stream', `${cid} came back on ${symbol}, but ours went to ${k.symbol}: not booked as ours (reconciliation takes the venue's state)`));
    return true;
  }

  private noteVenueId(cid: string, id: string): void {
    const k = this.known.get(cid);
    if (k === undefined) return;
    k.venueOrderId = id;
    this.cidByVenueId.set(id, cid);
  }

  private pace(symbol: string): Promise<void> {
    return this.limiter.take(this.p.orderRate.perInstrument ? symbol : '*');
  }

  private parse<T>(schema: ZodType<T>, x: unknown, what: string): T | null {
    const r = schema.safeParse(x);
    if (r.success) return r.data;
    this.problem(new CcxtProtocolError(what, `${zodMessage(r.error)}: reconciliation takes the venue's state`));
    return null;
  }

  private emitFill(f: Extract<ExecutionReport, { kind: 'fill' }>): void {
    if (this.seenExec.has(f.execId)) return;
    remember(this.seenExec, f.execId);
    this.emit(f);
  }

  /** A status report once per status and order (the stream and REST both tell an order's end). */
  private emitStatus(rep: ExecutionReport): void {
    const k = this.known.get(rep.clientOrderId);
    if (k?.lastStatus === rep.kind) return;
    if (k !== undefined) k.lastStatus = rep.kind;
    this.emit(rep);
  }

  private emit(rep: ExecutionReport): void {
    if (this.closed) return;
    this.sink?.(rep);
  }

  private quoteCurrency(): string {
    for (const s of this.o.symbols) {
      const q = this.o.instruments.get(s)?.quoteCurrency;
      if (q !== undefined) return q;
    }
    return 'USDT';
  }

  private async syncClock(): Promise<void> {
    const t = await this.ex.fetchTime();
    if (t !== undefined && t !== null) this.venueOffset = t - this.scheduler.now();
    this.beat();
  }

  /** The venue's clock as last synced (heartbeat): the engine's clock and the feed's bar closing. */
  venueNow(): number {
    return this.now();
  }

  private now(): number {
    return this.scheduler.now() + this.venueOffset;
  }

  private beat(): void {
    this.lastHeartbeat = Date.now();
  }

  private scrubbed(s: string): string {
    return scrub(s, [this.ex.secret ?? '', this.ex.apiKey ?? '', this.ex.password ?? ''].filter((x) => x !== ''));
  }

  private info(msg: string): void {
    this.o.onInfo?.(msg);
  }

  private problem(p: CcxtProblem): void {
    // Every problem passes here: a venue's text that echoes our key (Deribit's error data) is scrubbed once, for every sink.
    p.message = this.scrubbed(p.message);
    this.o.onProblem?.(p);
  }
}

function remember(set: Set<string>, id: string): void {
  if (set.size >= SEEN_CAP) { const first = set.values().next().value; if (first !== undefined) set.delete(first); }
  set.add(id);
}

function asProblem(err: unknown): CcxtProblem {
  if (err instanceof CcxtApiError || err instanceof CcxtNetworkError || err instanceof CcxtProtocolError) return err;
  // Before NetworkError, which ccxt files it under: a refused timestamp is our clock, not the network.
  if (err instanceof ccxt.InvalidNonce) return new CcxtApiError('InvalidNonce', clockError('the venue', null, errText(err)).message);
  if (err instanceof ccxt.NetworkError) return new CcxtNetworkError(errText(err));
  if (err instanceof ccxt.BaseError) return new CcxtApiError(err.constructor.name, errText(err));
  return new CcxtProtocolError('adapter', errText(err));
}

/** The currency a ccxt unified symbol settles in: `BTC/USDC:USDC` in USDC, spot `BTC/USDT` in its quote; undefined for neither. */
const settleOf = (symbol: string): string | undefined => symbol.split(':')[1] ?? symbol.split('/')[1];
