/**
 * The Alpaca ExecutionClient: a translator between the engine's commands and reports and Alpaca's
 * REST and trade_updates stream. It keeps NO order state of its own (the engine's order registry is
 * the one truth for our orders): every frame is routed by client order id, whichever process placed
 * the order, and every cancel or replace first asks Alpaca where the order stands now. The only
 * memory is an id map (Alpaca order id -> our client order id) that saves a lookup, rebuilt from
 * the venue at connect. Every frame is parsed with zod; anything unexpected becomes a typed problem
 * handed to `onProblem` (the engine logs it), never an exception in the engine's face.
 *
 * Identity: the engine names an order by its client order id (the "root"). Alpaca's replace makes
 * a new order with a new id; its client_order_id is the root plus "-r<n>", so every order of a
 * chain leads back to the root, even after a restart with nothing in memory.
 *
 * Ordering: commands on one order run one after another (a cancel waits for the submit's answer),
 * so a cancel can never overtake the order it cancels. Nothing is ever resent blindly: after an
 * ambiguous failure (timeout, network, 5xx) the adapter asks Alpaca by client order id first, and
 * a resend reuses the same id, which Alpaca refuses (422) if the first attempt did land. A cancel
 * that fails in transit is reported as a transient cancel_rejected: the engine retries it.
 */
import type { Instrument } from '../../domain/instrument.ts';
import type { OrderRequest, ReplaceRequest } from '../../domain/order.ts';
import type {
  ConnectionState, ConnectionStatus, ExecutionClient, ExecutionReport, InstrumentProvider, ReportSink, SubmitCommand, TransportHooks,
  VenueAccount, VenueCapabilities, VenueExecution, VenueOrderState, VenueOrderStatus, VenuePosition, VenueQueries,
} from '../../ports/index.ts';
import { type Scheduler, type TimerHandle, WallScheduler } from '../../ports/scheduler.ts';
import { scrub } from '../../util/secrets.ts';
import { AlpacaApiError, AlpacaNetworkError, AlpacaProtocolError, streamKeysRefusedMessage, type AlpacaProblem } from './errors.ts';
import type { AlpacaRest } from './rest.ts';
import { fromWireSymbol, toAlpaca, toWireSymbol } from './symbols.ts';
import { WireTradeUpdate, executionIdOf, type WireOrderT, type WireTradeUpdateT } from './wire.ts';

export const ALPACA_CAPABILITIES: VenueCapabilities = {
  orderTypes: ['market', 'limit', 'stop', 'stop_limit'],
  timeInForce: ['day', 'gtc', 'ioc', 'fok'],
  replace: true,
  // Alpaca has no reduce-only flag for equities: the adapter checks the venue's position first.
  reduceOnly: true,
  shorting: true,
  // Alpaca allows up to 128 characters; "-r<n>" is appended on replace, so roots keep room for it.
  clientOrderId: { maxLength: 120, pattern: /^[A-Za-z0-9_.:]+$/ },
  simulated: false,
};

/** The trading stream as the adapter uses it (the SDK's TradingStream satisfies it). */
export interface TradeStream {
  onTradeUpdate(fn: (u: unknown) => void): unknown;
  onConnect(fn: () => void): unknown;
  onDisconnect(fn: () => void): unknown;
  onReconnected(fn: () => void): unknown;
  onError(fn: (err: string) => void): unknown;
  onStateChange(fn: (state: string) => void): unknown;
  on(event: 'subscription', fn: (streams: unknown) => void): unknown;
  subscribeTradeUpdates(): void;
  connect(): void;
  disconnect(): void;
}

export interface AlpacaExecutionOptions {
  readonly rest: AlpacaRest;
  readonly stream: TradeStream;
  readonly instruments: InstrumentProvider;
  readonly onProblem?: (p: AlpacaProblem) => void;
  readonly onInfo?: (msg: string) => void;
  /** How long connect() waits for the stream to authenticate and listen (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Poll /v2/clock this often as a heartbeat (default 15 s; 0 = off). */
  readonly heartbeatMs?: number;
  /** Retries of an order whose submission outcome was unknown (default 5), spaced retryMs apart. */
  readonly submitRetries?: number;
  readonly retryMs?: number;
  /** Every wait (connect timeout, heartbeat, retry backoff). Default: the wall clock. */
  readonly scheduler?: Scheduler;
}

/** Where a root's chain of Alpaca orders ends: the order now carrying it, and what earlier links filled. */
interface Live {
  readonly order: WireOrderT;
  readonly filledBefore: number;
  readonly valueBefore: number;
  /** How many replacements the chain has had (the next replacement id continues after it). */
  readonly links: number;
  /** When the venue took the chain's first order (its clock). */
  readonly createdAt: number;
}

const EPS = 1e-9;
const rq = (x: number): number => Math.round(x * 1e9) / 1e9;
const dec = (n: number): string => String(Number(n.toPrecision(12)));
export const rootOf = (cid: string): string => cid.replace(/-r\d+$/, '');
const replaceIndex = (cid: string): number => Number(/-r(\d+)$/.exec(cid)?.[1] ?? 0);
/** The SDK's words for a refused authentication on the stream (it then stops for good). */
const AUTH_REFUSED = /\bauth(entication)? failed\b|\bunauthori[sz]ed\b|\bnot authenticated\b/i;
/** The SDK's words for a frame it could not decode or dispatch. */
const UNREADABLE = /^failed to (decode|process) message/;
const WORKING = new Set<WireOrderT['status']>(['unknown', 'new', 'accepted', 'pending_new', 'partially_filled', 'pending_cancel', 'pending_replace', 'held', 'accepted_for_bidding', 'stopped', 'calculated', 'suspended', 'done_for_day']);

export class AlpacaExecution implements ExecutionClient {
  readonly venue = 'alpaca';
  readonly capabilities = ALPACA_CAPABILITIES;
  readonly queries: VenueQueries;
  private sink: ReportSink | null = null;
  private transport: TransportHooks | null = null;
  /** The id map: Alpaca order id -> root client order id (a cache; the venue can always be asked). */
  private readonly rootByVenueId = new Map<string, string>();
  /** Commands per root, one after another (plumbing, not order state). */
  private readonly chains = new Map<string, Promise<void>>();
  /** Per root with a replace under way: the total quantity the chain may trade once replaced. */
  private readonly replaceTargets = new Map<string, number>();
  private state: ConnectionState = 'disconnected';
  private lastHeartbeat: number | null = null;
  private detail: string | undefined;
  /** Venue time of the newest event heard: recovery asks for fills from a little before it. */
  private lastEventTs: number | null = null;
  private heartbeat: TimerHandle | null = null;
  private recovering: Promise<void> | null = null;
  private recoverAgain: string | null = null;
  /** See syncClock(): venue clock minus ours (0 until the venue was asked). */
  private venueOffset = 0;
  /** The newest time the venue has stamped on anything we heard (stream events, order answers). */
  private newestVenueTs: number | null = null;
  private closed = false;
  private readonly scheduler: Scheduler;

  constructor(private readonly opts: AlpacaExecutionOptions) {
    this.scheduler = opts.scheduler ?? new WallScheduler();
    this.queries = {
      order: (cid) => this.queryOrder(cid),
      openOrders: () => this.queryOpenOrders(),
      positions: () => this.queryPositions(),
      account: () => this.queryAccount(),
      executionsSince: (ts) => this.executionsSince(ts),
      time: async () => (await this.opts.rest.clock()).timestamp,
    };
  }

  // ---------- connection ----------

  async connect(sink: ReportSink, transport?: TransportHooks): Promise<void> {
    this.sink = sink;
    this.transport = transport ?? null;
    const s = this.opts.stream;
    s.onTradeUpdate((u) => this.onFrame(u));
    s.onStateChange((st) => {
      this.state = st === 'authenticated' ? 'connected' : st === 'disconnected' ? 'disconnected' : 'connecting';
      this.detail = st;
    });
    const settings = this.opts.rest.settings;
    let refused: ((err: Error) => void) | null = null;
    s.onError((raw) => {
      // The venue's words may echo what we sent (the keys): scrubbed before they go anywhere.
      const e = scrub(raw, [settings.secretKey, settings.keyId]);
      if (AUTH_REFUSED.test(e)) {
        // Terminal at the SDK (it never retries refused keys): say so, and which settings to check.
        const err = new AlpacaApiError(401, undefined, streamKeysRefusedMessage(settings.streamUrl, settings.live));
        this.problem(err);
        refused?.(err);
        return;
      }
      this.problem(new AlpacaProtocolError('trade_updates', e));
      // A frame that could not be read may have been a fill: ask the venue what happened.
      if (UNREADABLE.test(e)) void this.recover('an unreadable trade update');
    });
    s.onReconnected(() => { void this.recover('stream reconnected'); });
    const waitMs = this.opts.connectTimeoutMs ?? 10_000;
    const listening = new Promise<void>((resolve, reject) => {
      const t = this.scheduler.after(waitMs, () => reject(new AlpacaNetworkError(`trade_updates stream: no subscription within ${waitMs} ms (${settings.streamUrl}; check ALPACA_STREAM_URL)`)));
      refused = (err) => { t.cancel(); reject(err); };
      s.on('subscription', (streams) => {
        this.beat();
        if (Array.isArray(streams) && streams.includes('trade_updates')) {
          t.cancel();
          resolve();
        }
      });
    });
    s.subscribeTradeUpdates();
    s.connect();
    await listening;
    this.state = 'connected';
    // The id map is rebuilt from the venue: orders placed by an earlier process route like our own.
    for (const o of await this.opts.rest.openOrders()) this.rootByVenueId.set(o.id, rootOf(o.client_order_id));
    await this.syncClock().catch((err: unknown) => this.problem(asProblem(err)));
    const hb = this.opts.heartbeatMs ?? 15_000;
    if (hb > 0) {
      this.heartbeat = this.scheduler.every(hb, () => {
        this.syncClock().then(() => this.beat(), (err: unknown) => this.problem(asProblem(err)));
      });
    }
  }

  disconnect(): void {
    this.closed = true;
    this.heartbeat?.cancel();
    this.heartbeat = null;
    this.opts.stream.disconnect();
    this.state = 'disconnected';
  }

  connection(): ConnectionStatus {
    return this.detail === undefined ? { state: this.state, lastHeartbeat: this.lastHeartbeat } : { state: this.state, lastHeartbeat: this.lastHeartbeat, detail: this.detail };
  }

  /** Settles when every command queued so far has had its answer (tests, orderly shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.chains.values()]);
    while (this.recovering !== null) await this.recovering;
  }

  // ---------- commands ----------

  submit(cmd: SubmitCommand): void {
    this.enqueue(cmd.clientOrderId, () => this.doSubmit(cmd.clientOrderId, cmd.request, cmd.ts));
  }

  cancel(clientOrderId: string, ts: number): void {
    this.enqueue(clientOrderId, () => this.doCancel(clientOrderId, ts));
  }

  replace(clientOrderId: string, changes: ReplaceRequest, ts: number): void {
    this.enqueue(clientOrderId, () => this.doReplace(clientOrderId, changes, ts));
  }

  private enqueue(root: string, op: () => Promise<void>): void {
    const prev = this.chains.get(root) ?? Promise.resolve();
    const next = prev.then(op).catch((err: unknown) => this.problem(asProblem(err)));
    this.chains.set(root, next);
    void next.then(() => { if (this.chains.get(root) === next) this.chains.delete(root); });
  }

  private inst(symbol: string): Instrument | undefined {
    return this.opts.instruments.get(symbol);
  }

  private async doSubmit(root: string, r: OrderRequest, ts: number): Promise<void> {
    const inst = this.inst(r.symbol);
    const wire = toWireSymbol(r.symbol, inst?.assetClass);
    if (r.reduceOnly === true) {
      const pos = await this.opts.rest.positionOf(r.symbol, inst?.assetClass);
      const held = pos === null ? 0 : pos.qty;
      const room = r.side === 'buy' ? -held : held;
      if (room < r.qty - EPS) {
        this.emit({ kind: 'rejected', clientOrderId: root, reason: `reduce-only ${r.side} of ${r.qty} but the venue position is ${held}`, ts: this.stamp() });
        return;
      }
    }
    const tif = r.tif ?? (inst?.calendar === '24x7' ? 'gtc' : 'day');
    const body = {
      symbol: wire, qty: dec(r.qty), side: r.side, type: r.type, timeInForce: tif, clientOrderId: root,
      ...(r.type === 'limit' || r.type === 'stop_limit' ? { limitPrice: dec(r.limitPrice) } : {}),
      ...(r.type === 'stop' || r.type === 'stop_limit' ? { stopPrice: dec(r.stopPrice) } : {}),
    } as const;
    const attempts = this.opts.submitRetries ?? 5;
    for (let i = 0; i <= attempts; i++) {
      try {
        this.transport?.sent(root, 'submit');
        this.acknowledge(root, await this.opts.rest.submitOrder(body));
        return;
      } catch (err) {
        if (err instanceof AlpacaApiError) {
          if (err.duplicateClientOrderId) {
            // An earlier attempt landed (or the id was used before): take what Alpaca has.
            const o = await this.opts.rest.orderByClientId(root);
            if (o !== null) this.acknowledge(root, o);
            else this.emit({ kind: 'rejected', clientOrderId: root, reason: err.message, ts: this.stamp() });
            return;
          }
          this.emit({ kind: 'rejected', clientOrderId: root, reason: err.message, ts: this.stamp() });
          return;
        }
        if (!(err instanceof AlpacaNetworkError)) throw err;
        this.problem(err);
        // Outcome unknown: ask before anything else.
        const found = await this.opts.rest.orderByClientId(root).catch(() => undefined);
        if (found !== undefined && found !== null) {
          this.acknowledge(root, found);
          return;
        }
        if (found === undefined && i === attempts) break;
        await this.scheduler.sleep(this.opts.retryMs ?? 500);
      }
    }
    this.problem(new AlpacaNetworkError(`order ${root}: outcome unknown after ${attempts + 1} attempts; the engine will ask the venue again`));
  }

  /**
   * Where a root's chain stands, before a cancel or replace acts on it; when the venue cannot be
   * asked, the command is refused as transient (the engine retries) and undefined is returned.
   */
  private async liveBefore(root: string, ts: number, refusal: 'cancel_rejected' | 'replace_rejected'): Promise<Live | null | undefined> {
    try {
      return await this.resolveLive(root);
    } catch (err) {
      this.problem(asProblem(err));
      this.emit({ kind: refusal, clientOrderId: root, reason: `could not ask the venue where ${root} stands (${errText(err)})`, ts: this.stamp(), transient: true });
      return undefined;
    }
  }

  private async doCancel(root: string, ts: number): Promise<void> {
    const live = await this.liveBefore(root, ts, 'cancel_rejected');
    if (live === undefined) return;
    if (live === null) {
      this.emit({ kind: 'cancel_rejected', clientOrderId: root, reason: `the venue has no order ${root}`, ts: this.stamp() });
      return;
    }
    if (!WORKING.has(live.order.status)) {
      this.reportEnd(root, live, ts, 'cancel');
      return;
    }
    try {
      this.transport?.sent(root, 'cancel');
      await this.opts.rest.cancelOrder(live.order.id);
      // The outcome comes on the stream ('canceled', or a fill that won the race).
    } catch (err) {
      if (err instanceof AlpacaApiError) {
        this.emit({ kind: 'cancel_rejected', clientOrderId: root, reason: err.message, ts: this.stamp() });
        return;
      }
      if (!(err instanceof AlpacaNetworkError)) throw err;
      this.problem(err);
      // The DELETE may or may not have landed: the venue says which; a live order is retried by the engine.
      const now = await this.resolveLive(root).catch(() => null);
      if (now !== null && !WORKING.has(now.order.status)) this.reportEnd(root, now, ts, 'cancel');
      else this.emit({ kind: 'cancel_rejected', clientOrderId: root, reason: `cancel failed in transit (${err.message})`, ts: this.stamp(), transient: true });
    }
  }

  private async doReplace(root: string, ch: ReplaceRequest, ts: number): Promise<void> {
    const live = await this.liveBefore(root, ts, 'replace_rejected');
    if (live === undefined) return;
    if (live === null || !WORKING.has(live.order.status)) {
      this.emit({ kind: 'replace_rejected', clientOrderId: root, reason: live === null ? `the venue has no order ${root}` : `the order is ${live.order.status} at the venue`, ts: this.stamp() });
      return;
    }
    let qty: string | undefined;
    // The chain's total as the venue holds it now (earlier links' fills plus this link's quantity).
    const total = rq(live.filledBefore + (live.order.qty ?? 0));
    if (ch.qty !== undefined) {
      // A replacement is a new order for what is left: what earlier links and this one have filled.
      const left = rq(ch.qty - live.filledBefore - live.order.filled_qty);
      if (left <= 0) {
        this.emit({ kind: 'replace_rejected', clientOrderId: root, reason: `new quantity ${ch.qty} is not above the ${rq(live.filledBefore + live.order.filled_qty)} already filled`, ts: this.stamp() });
        return;
      }
      qty = dec(left);
    } else if (live.order.filled_qty > 0) {
      // A PATCH without qty gives the replacement the link's ORIGINAL quantity, fills and all
      // (alpacahq/Alpaca-API#165): a price change on a partly filled order would buy the filled
      // part again. Always say what is left.
      qty = dec(rq((live.order.qty ?? 0) - live.order.filled_qty));
    }
    // What the whole chain may trade once replaced: a fill on the old link that lands after this
    // PATCH (the replacement keeps the quantity computed here) is trimmed off when 'replaced' comes.
    this.replaceTargets.set(root, ch.qty ?? total);
    let index = live.links + 1;
    for (let tries = 0; tries < 4; tries++, index++) {
      try {
        this.transport?.sent(root, 'replace');
        const n = await this.opts.rest.replaceOrder(live.order.id, {
          ...(qty !== undefined ? { qty } : {}),
          ...(ch.limitPrice !== undefined ? { limitPrice: dec(ch.limitPrice) } : {}),
          ...(ch.stopPrice !== undefined ? { stopPrice: dec(ch.stopPrice) } : {}),
          clientOrderId: `${root}-r${index}`,
        });
        this.rootByVenueId.set(n.id, root);
        // Confirmation comes from the stream ('replaced' on the old order): an answer naming the new
        // order is not yet proof, since Alpaca may still reject the replacement.
        if (n.status === 'rejected') this.emit({ kind: 'replace_rejected', clientOrderId: root, reason: 'replacement rejected by Alpaca', ts: this.stamp() });
        return;
      } catch (err) {
        if (err instanceof AlpacaApiError) {
          // A replacement id used by an earlier (rejected) replacement: take the next one.
          if (err.duplicateClientOrderId) continue;
          this.emit({ kind: 'replace_rejected', clientOrderId: root, reason: err.message, ts: this.stamp() });
          return;
        }
        if (!(err instanceof AlpacaNetworkError)) throw err;
        this.problem(err);
        // The PATCH may have landed with its answer lost: the chain at the venue says which.
        const now = await this.resolveLive(root).catch(() => null);
        if (now !== null && now.order.id !== live.order.id) this.emitReplaced(root, now);
        else this.emit({ kind: 'replace_rejected', clientOrderId: root, reason: `replace failed in transit (${err.message}); the venue has the old terms`, ts: this.stamp(), transient: true });
        return;
      }
    }
    this.emit({ kind: 'replace_rejected', clientOrderId: root, reason: 'no free replacement client order id after 4 tries', ts: this.stamp() });
  }

  // ---------- what Alpaca says ----------

  /** An order as Alpaca holds it (POST answer, query): acknowledge it, or pass on its rejection. */
  private acknowledge(root: string, o: WireOrderT): void {
    this.rootByVenueId.set(o.id, root);
    const ts = o.updated_at ?? o.created_at;
    this.noteVenueTs(ts);
    if (o.status === 'rejected') this.emit({ kind: 'rejected', clientOrderId: root, reason: 'rejected by Alpaca', ts });
    else this.emit({ kind: 'accepted', clientOrderId: root, venueOrderId: o.id, ts: o.submitted_at ?? o.created_at });
  }

  /** The chain of a root has ended at the venue (asked by a cancel): say how, as a report. */
  private reportEnd(root: string, live: Live, ts: number, asked: 'cancel'): void {
    const o = live.order;
    const at = o.updated_at ?? ts;
    if (o.status === 'canceled') this.emit({ kind: 'canceled', clientOrderId: root, reason: 'canceled at the venue', ts: at });
    else if (o.status === 'expired') this.emit({ kind: 'expired', clientOrderId: root, ts: at });
    else if (o.status === 'rejected' && live.links === 0) this.emit({ kind: 'rejected', clientOrderId: root, reason: 'rejected by Alpaca', ts: at });
    else this.emit({ kind: `${asked}_rejected`, clientOrderId: root, reason: `order already ${o.status}`, ts: this.stamp(o.updated_at) });
  }

  /**
   * Replace race: the old link kept filling after the PATCH left, and the replacement (sized from
   * the fills known then) now lets the chain trade more than the engine asked for. Shrink the
   * replacement to what is left (a second PATCH), or cancel it when nothing is. True when it
   * acted: the confirmation of the corrected chain comes as its own 'replaced' (or 'canceled').
   */
  private async trimmed(root: string, live: Live, ts: number): Promise<boolean> {
    const target = this.replaceTargets.get(root);
    const total = rq(live.filledBefore + (live.order.qty ?? 0));
    if (target === undefined || total <= target + EPS || !WORKING.has(live.order.status)) return false;
    const left = rq(target - live.filledBefore - live.order.filled_qty);
    this.problem(new AlpacaProtocolError('replace', `${root}: the old order filled after the replace was sent; the chain would trade ${total} of ${target}: ${left > 0 ? `shrinking the replacement to ${left}` : 'canceling the replacement'}`));
    const cancel = async (): Promise<void> => {
      this.replaceTargets.delete(root);
      this.transport?.sent(root, 'cancel');
      await this.opts.rest.cancelOrder(live.order.id);
    };
    if (left <= 0) {
      await cancel();
      return true;
    }
    try {
      const n = await this.opts.rest.replaceOrder(live.order.id, { qty: dec(left), clientOrderId: `${root}-r${live.links + 1}` });
      this.rootByVenueId.set(n.id, root);
    } catch (err) {
      // The replacement cannot be changed (still pending_new, say): cancel it rather than overtrade.
      this.problem(asProblem(err));
      await cancel();
    }
    return true;
  }

  /** A replacement confirmed: our order's terms as the venue now holds them (qty counts earlier links' fills). */
  private emitReplaced(root: string, live: Live): void {
    const n = live.order;
    this.rootByVenueId.set(n.id, root);
    const r = requestOf(n, live.filledBefore);
    const base = { kind: 'replaced' as const, clientOrderId: root, qty: r.qty, ts: n.created_at };
    this.emit(
      r.type === 'limit' ? { ...base, limitPrice: r.limitPrice }
      : r.type === 'stop' ? { ...base, stopPrice: r.stopPrice }
      : r.type === 'stop_limit' ? { ...base, limitPrice: r.limitPrice, stopPrice: r.stopPrice }
      : base,
    );
  }

  private onFrame(raw: unknown): void {
    this.beat();
    const p = WireTradeUpdate.safeParse(raw);
    if (!p.success) {
      const i = p.error.issues[0];
      this.problem(new AlpacaProtocolError('trade_updates', `unexpected frame: ${i?.path.join('.') ?? ''} ${i?.message ?? ''}`.trim(), raw));
      // It may have carried a fill or an order's end: the venue's lists have them.
      void this.recover('an unreadable trade update');
      return;
    }
    try {
      this.onUpdate(p.data);
    } catch (err) {
      this.problem(new AlpacaProtocolError('trade_updates', `could not apply ${p.data.event}: ${(err as Error).message}`, raw));
    }
  }

  private onUpdate(u: WireTradeUpdateT): void {
    const o = u.order;
    // Routed by client order id: an order placed before a restart is ours like any other.
    const root = this.rootByVenueId.get(o.id) ?? rootOf(o.client_order_id);
    this.rootByVenueId.set(o.id, root);
    const ts = u.timestamp ?? o.updated_at ?? o.created_at;
    if (this.lastEventTs === null || ts > this.lastEventTs) this.lastEventTs = ts;
    this.noteVenueTs(ts);
    const isReplacement = o.replaces !== null && o.replaces !== undefined;
    switch (u.event) {
      case 'new': case 'accepted': case 'pending_new':
        // A replacement's 'new' is not the root's ack (the 'replaced' event on the old order confirms it).
        if (!isReplacement) this.emit({ kind: 'accepted', clientOrderId: root, venueOrderId: o.id, ts: o.submitted_at ?? o.created_at });
        return;
      case 'fill': case 'partial_fill': {
        const qty = u.qty;
        const price = u.price ?? o.filled_avg_price;
        if (qty === undefined || qty === null || !(qty > 0) || price === null || price === undefined) {
          this.problem(new AlpacaProtocolError('trade_updates', `${u.event} for ${o.client_order_id} without quantity or price: reconciliation will take the venue's fill`, u));
          return;
        }
        // Without an execution id the fill is named by its order and cumulative quantity, which the
        // venue's activity list gives as well (the registry knows it by that pair either way).
        this.emit({
          kind: 'fill', clientOrderId: root, execId: u.execution_id ?? `${o.id}:${dec(o.filled_qty)}`, qty, price, fee: 0, liquidity: 'taker', ts,
          venueOrderId: o.id, venueCumQty: o.filled_qty,
        });
        return;
      }
      case 'canceled':
        if (o.status === 'replaced' || (o.replaced_by !== null && o.replaced_by !== undefined)) return; // an old link of a replace chain
        this.emit({ kind: 'canceled', clientOrderId: root, ts });
        return;
      case 'expired':
        if (o.replaced_by !== null && o.replaced_by !== undefined) return;
        this.emit({ kind: 'expired', clientOrderId: root, ts });
        return;
      case 'rejected':
        if (isReplacement) this.emit({ kind: 'replace_rejected', clientOrderId: root, reason: 'replacement rejected by Alpaca', ts });
        else this.emit({ kind: 'rejected', clientOrderId: root, reason: 'rejected by Alpaca', ts });
        return;
      case 'replaced':
        // `order` is the order that was replaced: the chain's end carries the new terms.
        this.enqueue(root, async () => {
          const live = await this.resolveLive(root);
          if (live === null || live.order.id === o.id) return;
          if (await this.trimmed(root, live, ts)) return;
          this.replaceTargets.delete(root);
          this.emitReplaced(root, live);
        });
        return;
      case 'order_cancel_rejected':
        this.emit({ kind: 'cancel_rejected', clientOrderId: root, reason: 'cancel rejected by Alpaca', ts });
        return;
      case 'order_replace_rejected':
        this.emit({ kind: 'replace_rejected', clientOrderId: root, reason: 'replace rejected by Alpaca', ts });
        return;
      case 'pending_cancel': case 'pending_replace': case 'done_for_day': case 'calculated': case 'stopped':
      case 'suspended': case 'held': case 'accepted_for_bidding':
        return; // intermediate states: the outcome follows in its own event
      case 'trade_bust': case 'trade_correct':
        this.problem(new AlpacaProtocolError('trade_updates', `${u.event} on ${o.client_order_id}: a fill was changed after the fact; reconcile positions`, u));
        return;
      default:
        this.problem(new AlpacaProtocolError('trade_updates', `unknown event "${u.event}" for ${o.client_order_id}`, u));
    }
  }

  /** Walk a root's chain at the venue to the order now carrying it. null: the venue never heard of it. */
  private async resolveLive(root: string): Promise<Live | null> {
    let o = await this.opts.rest.orderByClientId(root);
    if (o === null) return null;
    const createdAt = o.created_at;
    let filledBefore = 0;
    let valueBefore = 0;
    let links = 0;
    for (let hops = 0; o.status === 'replaced' && o.replaced_by && hops < 100; hops++) {
      filledBefore += o.filled_qty;
      valueBefore += o.filled_qty * (o.filled_avg_price ?? 0);
      const n: WireOrderT | null = await this.opts.rest.order(o.replaced_by);
      if (n === null) break;
      o = n;
      links = Math.max(links, replaceIndex(o.client_order_id));
    }
    this.rootByVenueId.set(o.id, root);
    return { order: o, filledBefore: rq(filledBefore), valueBefore, links, createdAt };
  }

  // ---------- after a gap ----------

  /**
   * Fills and order ends missed while the stream was down, passed on as ordinary reports: the
   * registry knows each fill by its exec id and by (order, cumulative quantity), so repeats are harmless.
   */
  recover(why: string): Promise<void> {
    if (this.recovering !== null) {
      // A reason that arrives during a run may concern a fill that run has already missed: one more.
      this.recoverAgain = why;
      return this.recovering;
    }
    this.opts.onInfo?.(`recovering after ${why}`);
    const run = async (): Promise<void> => {
      const since = (this.lastEventTs ?? Date.now() - 86_400_000) - 60_000;
      for (const x of await this.executionsSince(since)) {
        this.emit({ kind: 'fill', clientOrderId: x.clientOrderId, execId: x.execId, qty: x.qty, price: x.price, fee: x.fee, liquidity: 'taker', ts: x.ts, ...legOf(x) });
      }
      const open = new Set((await this.opts.rest.openOrders()).map((o) => rootOf(o.client_order_id)));
      // Roots we routed that the venue no longer works: how did they end?
      for (const root of new Set(this.rootByVenueId.values())) {
        if (open.has(root)) continue;
        const live = await this.resolveLive(root);
        if (live === null) continue;
        const o = live.order;
        const ts = o.updated_at ?? o.created_at;
        if (o.status === 'canceled') this.emit({ kind: 'canceled', clientOrderId: root, ts });
        else if (o.status === 'expired') this.emit({ kind: 'expired', clientOrderId: root, ts });
      }
    };
    this.recovering = run().catch((err: unknown) => this.problem(asProblem(err))).finally(() => {
      this.recovering = null;
      const again = this.recoverAgain;
      this.recoverAgain = null;
      if (again !== null && !this.closed) void this.recover(again);
    });
    return this.recovering;
  }

  // ---------- queries ----------

  private async queryOrder(cid: string): Promise<VenueOrderState | null> {
    const live = await this.resolveLive(cid);
    if (live === null) return null;
    return this.stateOf(live.order, cid, live.filledBefore, live.valueBefore, live.createdAt);
  }

  private async queryOpenOrders(): Promise<VenueOrderState[]> {
    const list = await this.opts.rest.openOrders();
    const out: VenueOrderState[] = [];
    for (const o of list) {
      const root = rootOf(o.client_order_id);
      this.rootByVenueId.set(o.id, root);
      if (o.replaces === null || o.replaces === undefined) { out.push(this.stateOf(o, root, 0, 0)); continue; }
      // A replacement: its root's terms count what earlier links filled.
      const live = await this.resolveLive(root);
      out.push(live === null ? this.stateOf(o, root, 0, 0) : this.stateOf(live.order, root, live.filledBefore, live.valueBefore, live.createdAt));
    }
    return out;
  }

  private stateOf(o: WireOrderT, cid: string, filledBefore: number, valueBefore: number, createdAt = o.created_at): VenueOrderState {
    const filled = rq(filledBefore + o.filled_qty);
    const value = valueBefore + o.filled_qty * (o.filled_avg_price ?? 0);
    return {
      clientOrderId: cid, venueOrderId: o.id, request: requestOf(o, filledBefore), status: statusOf(o.status),
      filledQty: filled, avgFillPrice: filled > 0 ? value / filled : 0, createdAt, updatedAt: o.updated_at ?? o.created_at,
    };
  }

  private async queryPositions(): Promise<VenuePosition[]> {
    // Alpaca spells crypto positions without the slash (BTCUSD): rest.ts normalizes them.
    return this.opts.rest.openPositions();
  }

  private async queryAccount(): Promise<VenueAccount> {
    const a = await this.opts.rest.account();
    const st = a.status.toUpperCase();
    return {
      accountId: a.id, currency: a.currency, cash: { [a.currency]: a.cash }, equity: a.equity,
      status: st === 'ACTIVE' && a.trading_blocked !== true && a.account_blocked !== true ? 'active' : st === 'CLOSED' || st === 'ACCOUNT_CLOSED' ? 'closed' : 'restricted',
      live: this.opts.rest.settings.live,
    };
  }

  private async executionsSince(ts: number): Promise<VenueExecution[]> {
    const out: VenueExecution[] = [];
    for (const f of await this.opts.rest.fillsAfter(ts - 1)) {
      if (f.transaction_time < ts) continue;
      let cid = this.rootByVenueId.get(f.order_id) ?? null;
      if (cid === null) {
        cid = await this.opts.rest.order(f.order_id).then((o) => (o === null ? null : rootOf(o.client_order_id)));
        if (cid !== null) this.rootByVenueId.set(f.order_id, cid);
      }
      if (cid === null) continue;
      out.push({
        clientOrderId: cid, execId: executionIdOf(f.id), symbol: this.symbolOfActivity(f.symbol), side: f.side === 'sell' || f.side === 'sell_short' ? 'sell' : 'buy',
        qty: f.qty, price: f.price, fee: 0, ts: f.transaction_time, venueOrderId: f.order_id,
        ...(f.cum_qty !== undefined && f.cum_qty !== null ? { venueCumQty: f.cum_qty } : {}),
      });
    }
    return out;
  }

  /** An activity's symbol in parity's spelling: "BTC/USD", or "BTCUSD" as positions spell it, both become BTC-USD. */
  private symbolOfActivity(wire: string): string {
    for (const i of this.opts.instruments.all()) if (toAlpaca(i.symbol, 'position', i.assetClass) === wire) return i.symbol;
    return fromWireSymbol(wire);
  }

  // ---------- plumbing ----------

  private emit(rep: ExecutionReport): void {
    if (rep.kind === 'replace_rejected' || rep.kind === 'replaced') this.replaceTargets.delete(rep.clientOrderId);
    if (this.closed) return;
    this.sink?.(rep);
  }

  private beat(): void {
    this.lastHeartbeat = Date.now();
  }

  /**
   * The venue's clock minus ours, as a lower bound (the answer left the venue before we read it),
   * from /v2/clock. The registry orders an order's status reports by their time, and a report
   * this adapter makes up itself (a cancel refused in transit) must sit on the venue's clock
   * like the stream's: stamped with our own clock running ahead of Alpaca's, it made the venue's
   * later 'canceled' look older and be ignored as stale.
   */
  private async syncClock(): Promise<void> {
    const venue = await this.opts.rest.venueTime();
    this.venueOffset = venue - this.scheduler.now();
    this.noteVenueTs(venue);
  }

  private noteVenueTs(ts: number): void {
    if (this.newestVenueTs === null || ts > this.newestVenueTs) this.newestVenueTs = ts;
  }

  /** A time for a report the adapter makes up: the venue's now, never before what it already said. */
  private stamp(atLeast?: number | null): number {
    const now = this.scheduler.now() + this.venueOffset;
    return Math.max(now, this.newestVenueTs ?? now, atLeast ?? now);
  }

  private problem(p: AlpacaProblem): void {
    this.opts.onProblem?.(p);
  }
}

const legOf = (x: VenueExecution): { venueOrderId?: string; venueCumQty?: number } =>
  x.venueOrderId !== undefined && x.venueCumQty !== undefined ? { venueOrderId: x.venueOrderId, venueCumQty: x.venueCumQty } : {};

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function asProblem(err: unknown): AlpacaProblem {
  if (err instanceof AlpacaApiError || err instanceof AlpacaNetworkError || err instanceof AlpacaProtocolError) return err;
  return new AlpacaProtocolError('adapter', errText(err));
}

function statusOf(s: WireOrderT['status']): VenueOrderStatus {
  switch (s) {
    case 'new': case 'accepted': case 'pending_cancel': case 'pending_replace': case 'held': case 'accepted_for_bidding': case 'stopped': case 'calculated': case 'suspended': case 'done_for_day':
    case 'unknown': // a status newer than this version: still at the venue, as far as we can tell
      return 'accepted';
    case 'pending_new': return 'pending';
    case 'partially_filled': return 'partially_filled';
    case 'filled': return 'filled';
    case 'canceled': return 'canceled';
    case 'expired': return 'expired';
    case 'rejected': return 'rejected';
    case 'replaced': return 'replaced';
  }
}

function requestOf(o: WireOrderT, filledBefore: number): OrderRequest {
  const base = {
    symbol: fromWireSymbol(o.symbol), side: o.side, qty: rq((o.qty ?? 0) + filledBefore),
    tif: (['day', 'gtc', 'ioc', 'fok'] as const).find((x) => x === o.time_in_force) ?? 'day',
  };
  if (o.type === 'limit') return { ...base, type: 'limit', limitPrice: o.limit_price ?? 0 };
  if (o.type === 'stop') return { ...base, type: 'stop', stopPrice: o.stop_price ?? 0 };
  if (o.type === 'stop_limit') return { ...base, type: 'stop_limit', limitPrice: o.limit_price ?? 0, stopPrice: o.stop_price ?? 0 };
  return { ...base, type: 'market' };
}
