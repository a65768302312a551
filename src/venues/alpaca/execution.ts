/**
 * The Alpaca ExecutionClient: orders over REST, their fate over the trade_updates stream, and
 * after a stream gap, what happened meanwhile from account activities (fills) and order queries
 * (cancels, expiries). Every frame is parsed with zod; anything unexpected becomes a typed problem
 * handed to `onProblem` (the engine logs it), never an exception in the engine's face.
 *
 * Identity: the engine names an order by its client order id (the "root"). Alpaca's replace makes
 * a new order with a new id; its client_order_id is the root plus "-r<n>", so every order of a
 * chain leads back to the root, even after a restart with nothing in memory.
 *
 * Ordering: commands on one order run one after another (a cancel waits for the submit's answer),
 * so a cancel can never overtake the order it cancels. Nothing is ever resent blindly: after an
 * ambiguous failure (timeout, network, 5xx) the adapter asks Alpaca by client order id first, and
 * a resend reuses the same id, which Alpaca refuses (422) if the first attempt did land.
 */
import type { Instrument } from '../../domain/instrument.ts';
import type { OrderRequest, ReplaceRequest } from '../../domain/order.ts';
import type {
  ConnectionState, ConnectionStatus, ExecutionClient, ExecutionReport, InstrumentProvider, ReportSink, SubmitCommand,
  VenueAccount, VenueCapabilities, VenueExecution, VenueOrderState, VenueOrderStatus, VenuePosition, VenueQueries,
} from '../../ports/index.ts';
import { AlpacaApiError, AlpacaNetworkError, AlpacaProtocolError, type AlpacaProblem } from './errors.ts';
import type { AlpacaRest } from './rest.ts';
import { fromWireSymbol, toWireSymbol } from './symbols.ts';
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
}

interface Tracked {
  readonly root: string;
  readonly request: OrderRequest;
  /** Alpaca id of the order now carrying this root (changes on replace); null before the first answer. */
  currentId: string | null;
  replaceSeq: number;
  accepted: boolean;
  terminal: boolean;
  /** How it ended, once terminal (for a cancel that arrives after the end). */
  ended: string | null;
  /** Sum of every fill reported for the root, across its replacement chain. */
  filled: number;
  /** Cumulative filled quantity per Alpaca order already reported (recovery skips what is covered). */
  readonly cumByOrder: Map<string, number>;
  /** Replacement orders already reported as 'replaced'. */
  readonly replacements: Set<string>;
  chain: Promise<void>;
}

const EPS = 1e-9;
const rq = (x: number): number => Math.round(x * 1e9) / 1e9;
const dec = (n: number): string => String(Number(n.toPrecision(12)));
export const rootOf = (cid: string): string => cid.replace(/-r\d+$/, '');

export class AlpacaExecution implements ExecutionClient {
  readonly venue = 'alpaca';
  readonly capabilities = ALPACA_CAPABILITIES;
  readonly queries: VenueQueries;
  private sink: ReportSink | null = null;
  private readonly byRoot = new Map<string, Tracked>();
  private readonly byOrderId = new Map<string, Tracked>();
  private readonly seenExec = new Set<string>();
  private state: ConnectionState = 'disconnected';
  private lastHeartbeat: number | null = null;
  private detail: string | undefined;
  /** Venue time of the newest event heard: recovery asks for fills from a little before it. */
  private lastEventTs: number | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private recovering: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly opts: AlpacaExecutionOptions) {
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

  async connect(sink: ReportSink): Promise<void> {
    this.sink = sink;
    const s = this.opts.stream;
    s.onTradeUpdate((u) => this.onFrame(u));
    s.onStateChange((st) => {
      this.state = st === 'authenticated' ? 'connected' : st === 'disconnected' ? 'disconnected' : 'connecting';
      this.detail = st;
    });
    s.onError((e) => this.problem(new AlpacaProtocolError('trade_updates', e)));
    s.onReconnected(() => { void this.recover('stream reconnected'); });
    const listening = new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new AlpacaNetworkError(`trade_updates stream: no subscription within ${this.opts.connectTimeoutMs ?? 10_000} ms (${this.opts.rest.settings.streamUrl})`)), this.opts.connectTimeoutMs ?? 10_000);
      s.on('subscription', (streams) => {
        this.beat();
        if (Array.isArray(streams) && streams.includes('trade_updates')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    s.subscribeTradeUpdates();
    s.connect();
    await listening;
    this.state = 'connected';
    const hb = this.opts.heartbeatMs ?? 15_000;
    if (hb > 0) {
      this.heartbeat = setInterval(() => {
        this.opts.rest.clock().then(() => this.beat(), (err: unknown) => this.problem(asProblem(err)));
      }, hb);
      this.heartbeat.unref();
    }
  }

  disconnect(): void {
    this.closed = true;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.opts.stream.disconnect();
    this.state = 'disconnected';
  }

  connection(): ConnectionStatus {
    return this.detail === undefined ? { state: this.state, lastHeartbeat: this.lastHeartbeat } : { state: this.state, lastHeartbeat: this.lastHeartbeat, detail: this.detail };
  }

  /** Settles when every command queued so far has had its answer (tests, orderly shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.byRoot.values()].map((t) => t.chain));
    if (this.recovering !== null) await this.recovering;
  }

  // ---------- commands ----------

  submit(cmd: SubmitCommand): void {
    const t: Tracked = {
      root: cmd.clientOrderId, request: cmd.request, currentId: null, replaceSeq: 0, accepted: false, terminal: false, ended: null,
      filled: 0, cumByOrder: new Map(), replacements: new Set(), chain: Promise.resolve(),
    };
    if (this.byRoot.has(cmd.clientOrderId)) {
      this.emit({ kind: 'rejected', clientOrderId: cmd.clientOrderId, reason: 'duplicate client order id in this session', ts: cmd.ts });
      return;
    }
    this.byRoot.set(t.root, t);
    this.enqueue(t, () => this.doSubmit(t, cmd.ts));
  }

  cancel(clientOrderId: string, ts: number): void {
    const t = this.byRoot.get(clientOrderId);
    if (t === undefined) {
      this.emit({ kind: 'cancel_rejected', clientOrderId, reason: 'unknown order', ts });
      return;
    }
    this.enqueue(t, () => this.doCancel(t, ts));
  }

  replace(clientOrderId: string, changes: ReplaceRequest, ts: number): void {
    const t = this.byRoot.get(clientOrderId);
    if (t === undefined) {
      this.emit({ kind: 'replace_rejected', clientOrderId, reason: 'unknown order', ts });
      return;
    }
    this.enqueue(t, () => this.doReplace(t, changes, ts));
  }

  private enqueue(t: Tracked, op: () => Promise<void>): void {
    t.chain = t.chain.then(op).catch((err: unknown) => this.problem(asProblem(err)));
  }

  private inst(symbol: string): Instrument | undefined {
    return this.opts.instruments.get(symbol);
  }

  private async doSubmit(t: Tracked, ts: number): Promise<void> {
    const r = t.request;
    const inst = this.inst(r.symbol);
    const wire = toWireSymbol(r.symbol, inst?.assetClass);
    if (r.reduceOnly === true) {
      const pos = await this.opts.rest.position(wire);
      const held = pos === null ? 0 : pos.qty;
      const room = r.side === 'buy' ? -held : held;
      if (room < r.qty - EPS) {
        this.terminal(t, { kind: 'rejected', clientOrderId: t.root, reason: `reduce-only ${r.side} of ${r.qty} but the venue position is ${held}`, ts });
        return;
      }
    }
    const tif = r.tif ?? (inst?.calendar === '24x7' ? 'gtc' : 'day');
    const body = {
      symbol: wire, qty: dec(r.qty), side: r.side, type: r.type, timeInForce: tif, clientOrderId: t.root,
      ...(r.type === 'limit' || r.type === 'stop_limit' ? { limitPrice: dec(r.limitPrice) } : {}),
      ...(r.type === 'stop' || r.type === 'stop_limit' ? { stopPrice: dec(r.stopPrice) } : {}),
    } as const;
    const attempts = this.opts.submitRetries ?? 5;
    for (let i = 0; i <= attempts; i++) {
      try {
        const o = await this.opts.rest.submitOrder(body);
        this.adopt(t, o);
        return;
      } catch (err) {
        if (err instanceof AlpacaApiError) {
          if (err.duplicateClientOrderId) {
            // An earlier attempt landed (or the id was used before): take what Alpaca has.
            const o = await this.opts.rest.orderByClientId(t.root);
            if (o !== null) this.adopt(t, o);
            else this.terminal(t, { kind: 'rejected', clientOrderId: t.root, reason: err.message, ts });
            return;
          }
          this.terminal(t, { kind: 'rejected', clientOrderId: t.root, reason: err.message, ts });
          return;
        }
        if (!(err instanceof AlpacaNetworkError)) throw err;
        this.problem(err);
        // Outcome unknown: ask before anything else.
        const found = await this.opts.rest.orderByClientId(t.root).catch(() => undefined);
        if (found !== undefined && found !== null) {
          this.adopt(t, found);
          return;
        }
        if (found === undefined && i === attempts) break;
        await new Promise((res) => setTimeout(res, this.opts.retryMs ?? 500));
      }
    }
    this.problem(new AlpacaNetworkError(`order ${t.root}: outcome unknown after ${attempts + 1} attempts; recovery will ask the venue again`));
  }

  private async doCancel(t: Tracked, ts: number): Promise<void> {
    if (t.terminal) {
      this.emit({ kind: 'cancel_rejected', clientOrderId: t.root, reason: `order already ${t.ended ?? 'ended'}`, ts });
      return;
    }
    if (t.currentId === null) {
      this.emit({ kind: 'cancel_rejected', clientOrderId: t.root, reason: 'order not acknowledged by the venue', ts });
      return;
    }
    try {
      await this.opts.rest.cancelOrder(t.currentId);
      // The outcome comes on the stream ('canceled', or a fill that won the race).
    } catch (err) {
      if (!(err instanceof AlpacaApiError)) throw err;
      this.emit({ kind: 'cancel_rejected', clientOrderId: t.root, reason: err.message, ts });
    }
  }

  private async doReplace(t: Tracked, ch: ReplaceRequest, ts: number): Promise<void> {
    if (t.terminal || t.currentId === null) {
      this.emit({ kind: 'replace_rejected', clientOrderId: t.root, reason: t.terminal ? 'order has ended' : 'order not acknowledged by the venue', ts });
      return;
    }
    let qty: string | undefined;
    if (ch.qty !== undefined) {
      // A replacement is a new order for what is left: ask what has filled right now, not what we heard.
      const cur = await this.opts.rest.order(t.currentId);
      const filledHere = cur?.filled_qty ?? 0;
      const before = rq(t.filled - (t.cumByOrder.get(t.currentId) ?? 0));
      const left = rq(ch.qty - before - filledHere);
      if (left <= 0) {
        this.emit({ kind: 'replace_rejected', clientOrderId: t.root, reason: `new quantity ${ch.qty} is not above the ${rq(before + filledHere)} already filled`, ts });
        return;
      }
      qty = dec(left);
    }
    const cid = `${t.root}-r${++t.replaceSeq}`;
    try {
      const o = await this.opts.rest.replaceOrder(t.currentId, {
        ...(qty !== undefined ? { qty } : {}),
        ...(ch.limitPrice !== undefined ? { limitPrice: dec(ch.limitPrice) } : {}),
        ...(ch.stopPrice !== undefined ? { stopPrice: dec(ch.stopPrice) } : {}),
        clientOrderId: cid,
      });
      this.replacedBy(t, o);
    } catch (err) {
      if (!(err instanceof AlpacaApiError)) throw err;
      this.emit({ kind: 'replace_rejected', clientOrderId: t.root, reason: err.message, ts });
    }
  }

  // ---------- what Alpaca says ----------

  /** An order as Alpaca holds it (POST answer, query): acknowledge it and apply any end it reached. */
  private adopt(t: Tracked, o: WireOrderT): void {
    this.byOrderId.set(o.id, t);
    if (t.currentId === null || o.replaces === t.currentId) t.currentId = o.id;
    const ts = o.updated_at ?? o.created_at;
    if (o.status === 'rejected') {
      this.terminal(t, { kind: 'rejected', clientOrderId: t.root, reason: 'rejected by Alpaca', ts });
      return;
    }
    this.ack(t, o);
  }

  private ack(t: Tracked, o: WireOrderT): void {
    if (t.accepted || t.terminal) return;
    t.accepted = true;
    this.emit({ kind: 'accepted', clientOrderId: t.root, venueOrderId: o.id, ts: o.submitted_at ?? o.created_at });
  }

  private replacedBy(t: Tracked, n: WireOrderT): void {
    if (t.replacements.has(n.id)) return;
    t.replacements.add(n.id);
    this.byOrderId.set(n.id, t);
    t.currentId = n.id;
    const total = rq(t.filled - (t.cumByOrder.get(n.id) ?? 0) + (n.qty ?? 0));
    const r = t.request;
    const base = { kind: 'replaced' as const, clientOrderId: t.root, qty: total, ts: n.created_at };
    this.emit(
      r.type === 'limit' ? { ...base, limitPrice: n.limit_price ?? r.limitPrice }
      : r.type === 'stop' ? { ...base, stopPrice: n.stop_price ?? r.stopPrice }
      : r.type === 'stop_limit' ? { ...base, limitPrice: n.limit_price ?? r.limitPrice, stopPrice: n.stop_price ?? r.stopPrice }
      : base,
    );
  }

  private onFrame(raw: unknown): void {
    this.beat();
    const p = WireTradeUpdate.safeParse(raw);
    if (!p.success) {
      const i = p.error.issues[0];
      this.problem(new AlpacaProtocolError('trade_updates', `unexpected frame: ${i?.path.join('.') ?? ''} ${i?.message ?? ''}`.trim(), raw));
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
    const t = this.byOrderId.get(o.id) ?? this.byRoot.get(rootOf(o.client_order_id));
    const ts = u.timestamp ?? o.updated_at ?? o.created_at;
    if (this.lastEventTs === null || ts > this.lastEventTs) this.lastEventTs = ts;
    if (t === undefined) {
      this.opts.onInfo?.(`trade update ${u.event} for an order this session did not place (${o.client_order_id}): left to reconciliation`);
      return;
    }
    this.byOrderId.set(o.id, t);
    const isReplacement = o.replaces !== null && o.replaces !== undefined && o.id !== t.currentId;
    switch (u.event) {
      case 'new': case 'accepted': case 'pending_new':
        if (isReplacement) this.replacedBy(t, o);
        else {
          if (t.currentId === null) t.currentId = o.id;
          this.ack(t, o);
        }
        return;
      case 'fill': case 'partial_fill': {
        if (isReplacement) this.replacedBy(t, o);
        if (t.currentId === null) t.currentId = o.id;
        this.ack(t, o);
        const prev = t.cumByOrder.get(o.id) ?? 0;
        const qty = u.qty ?? rq(o.filled_qty - prev);
        const price = u.price ?? o.filled_avg_price;
        if (!(qty > 0) || price === null || price === undefined) {
          this.problem(new AlpacaProtocolError('trade_updates', `${u.event} for ${o.client_order_id} without quantity or price`, u));
          return;
        }
        this.fill(t, o.id, u.execution_id ?? `${o.id}:${dec(o.filled_qty)}`, qty, price, Math.max(prev, o.filled_qty), ts, o.status === 'filled');
        return;
      }
      case 'canceled':
        if (o.id !== t.currentId && t.currentId !== null) return; // an old link of a replace chain
        this.terminal(t, { kind: 'canceled', clientOrderId: t.root, ts });
        return;
      case 'expired':
        if (o.id !== t.currentId && t.currentId !== null) return;
        this.terminal(t, { kind: 'expired', clientOrderId: t.root, ts });
        return;
      case 'rejected':
        if (isReplacement || (o.replaces !== null && o.replaces !== undefined && t.accepted)) {
          this.emit({ kind: 'replace_rejected', clientOrderId: t.root, reason: 'replacement rejected by Alpaca', ts });
          return;
        }
        this.terminal(t, { kind: 'rejected', clientOrderId: t.root, reason: 'rejected by Alpaca', ts });
        return;
      case 'replaced': {
        // `order` is the order that was replaced; the replacement may already be known from PATCH.
        const next = o.replaced_by;
        if (next === null || next === undefined || t.replacements.has(next)) return;
        this.enqueue(t, async () => {
          const n = await this.opts.rest.order(next);
          if (n !== null) this.replacedBy(t, n);
        });
        return;
      }
      case 'order_cancel_rejected':
        this.emit({ kind: 'cancel_rejected', clientOrderId: t.root, reason: 'cancel rejected by Alpaca', ts });
        return;
      case 'order_replace_rejected':
        this.emit({ kind: 'replace_rejected', clientOrderId: t.root, reason: 'replace rejected by Alpaca', ts });
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

  /** `done`: the venue says this fill completed the order now carrying the root. */
  private fill(t: Tracked, orderId: string, execId: string, qty: number, price: number, cum: number, ts: number, done: boolean): void {
    if (this.seenExec.has(execId)) return;
    this.seenExec.add(execId);
    t.cumByOrder.set(orderId, rq(cum));
    t.filled = rq(t.filled + qty);
    this.emit({ kind: 'fill', clientOrderId: t.root, execId, qty, price, fee: 0, liquidity: 'taker', ts });
    if (done && orderId === t.currentId) {
      t.terminal = true;
      t.ended = 'filled';
    }
  }

  private terminal(t: Tracked, rep: ExecutionReport): void {
    if (t.terminal) return;
    t.terminal = true;
    t.ended = rep.kind;
    this.emit(rep);
  }

  // ---------- after a gap ----------

  /** Fills and order ends missed while the stream was down, in venue order. */
  recover(why: string): Promise<void> {
    if (this.recovering !== null) return this.recovering;
    this.opts.onInfo?.(`recovering after ${why}`);
    const run = async (): Promise<void> => {
      const since = (this.lastEventTs ?? Date.now() - 86_400_000) - 60_000;
      for (const f of await this.opts.rest.fillsAfter(since)) {
        const t = this.byOrderId.get(f.order_id) ?? (await this.trackedFor(f.order_id));
        if (t === undefined) continue;
        const known = t.cumByOrder.get(f.order_id) ?? 0;
        const cum = f.cum_qty ?? known + f.qty;
        if (cum <= known + EPS) continue; // already heard on the stream
        this.fill(t, f.order_id, executionIdOf(f.id), f.qty, f.price, cum, f.transaction_time, f.leaves_qty === 0 || f.order_status === 'filled');
      }
      for (const t of this.byRoot.values()) {
        if (t.terminal || t.currentId === null) continue;
        let o = await this.opts.rest.order(t.currentId);
        while (o !== null && o.status === 'replaced' && o.replaced_by) {
          const n = await this.opts.rest.order(o.replaced_by);
          if (n === null) break;
          this.replacedBy(t, n);
          o = n;
        }
        if (o === null) continue;
        const ts = o.updated_at ?? o.created_at;
        if (o.status === 'canceled') this.terminal(t, { kind: 'canceled', clientOrderId: t.root, ts });
        else if (o.status === 'expired') this.terminal(t, { kind: 'expired', clientOrderId: t.root, ts });
        else if (o.status === 'rejected') this.terminal(t, { kind: 'rejected', clientOrderId: t.root, reason: 'rejected by Alpaca', ts });
        else if (o.status === 'filled') {
          t.terminal = true;
          t.ended = 'filled';
        }
        else this.ack(t, o);
      }
    };
    this.recovering = run().catch((err: unknown) => this.problem(asProblem(err))).finally(() => { this.recovering = null; });
    return this.recovering;
  }

  private async trackedFor(orderId: string): Promise<Tracked | undefined> {
    const o = await this.opts.rest.order(orderId);
    if (o === null) return undefined;
    const t = this.byRoot.get(rootOf(o.client_order_id));
    if (t !== undefined) this.byOrderId.set(orderId, t);
    return t;
  }

  // ---------- queries ----------

  private async queryOrder(cid: string): Promise<VenueOrderState | null> {
    let o = await this.opts.rest.orderByClientId(cid);
    if (o === null) return null;
    let filledBefore = 0;
    let value = 0;
    // Follow the replace chain to the order now carrying this root.
    for (let hops = 0; o.status === 'replaced' && o.replaced_by && hops < 100; hops++) {
      filledBefore += o.filled_qty;
      value += o.filled_qty * (o.filled_avg_price ?? 0);
      const n: WireOrderT | null = await this.opts.rest.order(o.replaced_by);
      if (n === null) break;
      o = n;
    }
    return this.stateOf(o, cid, filledBefore, value);
  }

  private async queryOpenOrders(): Promise<VenueOrderState[]> {
    const list = await this.opts.rest.openOrders();
    return list.map((o) => this.stateOf(o, rootOf(o.client_order_id), 0, 0));
  }

  private stateOf(o: WireOrderT, cid: string, filledBefore: number, valueBefore: number): VenueOrderState {
    const filled = rq(filledBefore + o.filled_qty);
    const value = valueBefore + o.filled_qty * (o.filled_avg_price ?? 0);
    return {
      clientOrderId: cid, venueOrderId: o.id, request: requestOf(o, filledBefore), status: statusOf(o.status),
      filledQty: filled, avgFillPrice: filled > 0 ? value / filled : 0, updatedAt: o.updated_at ?? o.created_at,
    };
  }

  private async queryPositions(): Promise<VenuePosition[]> {
    return (await this.opts.rest.positions()).map((p) => ({ symbol: fromWireSymbol(p.symbol), qty: p.side === 'short' && p.qty > 0 ? -p.qty : p.qty, avgPrice: p.avg_entry_price }));
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
    const cids = new Map<string, string | null>();
    for (const f of await this.opts.rest.fillsAfter(ts - 1)) {
      if (f.transaction_time < ts) continue;
      let cid: string | null;
      const known = cids.get(f.order_id);
      if (known !== undefined) cid = known;
      else {
        const t = this.byOrderId.get(f.order_id);
        cid = t !== undefined ? t.root : await this.opts.rest.order(f.order_id).then((o) => (o === null ? null : rootOf(o.client_order_id)));
        cids.set(f.order_id, cid);
      }
      if (cid === null) continue;
      out.push({
        clientOrderId: cid, execId: executionIdOf(f.id), symbol: fromWireSymbol(f.symbol), side: f.side === 'sell' || f.side === 'sell_short' ? 'sell' : 'buy',
        qty: f.qty, price: f.price, fee: 0, ts: f.transaction_time,
      });
    }
    return out;
  }

  // ---------- plumbing ----------

  private emit(rep: ExecutionReport): void {
    if (this.closed) return;
    this.sink?.(rep);
  }

  private beat(): void {
    this.lastHeartbeat = Date.now();
  }

  private problem(p: AlpacaProblem): void {
    this.opts.onProblem?.(p);
  }
}

function asProblem(err: unknown): AlpacaProblem {
  if (err instanceof AlpacaApiError || err instanceof AlpacaNetworkError || err instanceof AlpacaProtocolError) return err;
  return new AlpacaProtocolError('adapter', err instanceof Error ? err.message : String(err));
}

function statusOf(s: WireOrderT['status']): VenueOrderStatus {
  switch (s) {
    case 'new': case 'accepted': case 'pending_cancel': case 'pending_replace': case 'held': case 'accepted_for_bidding': case 'stopped': case 'calculated': case 'suspended': case 'done_for_day':
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
