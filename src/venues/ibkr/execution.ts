/**
 * The Interactive Brokers ExecutionClient: a TRANSLATOR between the engine's commands and reports
 * and TWS's messages, on the order-truth core. It keeps no order state of its own: the only memory
 * is the id map (IB order id <-> our client order id, which travels in `orderRef`), rebuilt from TWS
 * at every (re)connect, and plumbing (commands per order one after another, a fill waiting a moment
 * for its commission report, the terms a modify asked for until TWS shows them).
 *
 * - submit: a fresh IB order id (never reused: order-ids.ts), placeOrder; the ack is TWS's openOrder
 *   / orderStatus, a refusal its 201 with the reason.
 * - cancel: cancelOrder; 202 / Cancelled is the answer. 10147 (not found) asks TWS where the order
 *   stands (open orders, executions) and never assumes canceled; 10148 ("state: Filled") fetches the
 *   fills and refuses the cancel for good, so the engine does not retry it into a 10147 loop.
 * - replace: placeOrder with the SAME id and the changed terms (a new id would be a second order).
 * - nothing goes out while the socket or TWS's link to IB is down (the SDK would queue it and send
 *   it after the reconnect, on a state nobody looked at): a submit is rejected, a cancel or modify
 *   refused as transient (the engine retries it once the link is back).
 * - after every reconnect (socket, or 1101 / 1102): executions and open orders are requested again
 *   and passed on as ordinary reports (the registry books nothing twice), then `onResynced` runs
 *   (the mode reconciles there) and only then may orders go out again.
 * - reqGlobalCancel is never used: it cancels orders parity did not place.
 */
import { EventName } from '@stoqey/ib';
import type { Instrument } from '../../domain/instrument.ts';
import type { OrderRequest, ReplaceRequest } from '../../domain/order.ts';
import { replacedRequest } from '../../risk/admission.ts';
import type {
  ConnectionStatus, ExecutionClient, ExecutionReport, InstrumentProvider, ReportSink, SubmitCommand, TransportHooks,
  VenueAccount, VenueCapabilities, VenueExecution, VenueOrderState, VenuePosition, VenueQueries,
} from '../../ports/index.ts';
import { type Scheduler, type TimerHandle, WallScheduler } from '../../ports/scheduler.ts';
import { describeMessage, stateOf10148 } from './error-codes.ts';
import { IbkrApiError, IbkrConnectionError, IbkrProtocolError, type IbkrProblem } from './errors.ts';
import type { ExecEvent, IbkrLink, IbMessage, OpenOrderEvent, OrderStatusEvent } from './link.ts';
import { IdMap, type OrderIdAllocator } from './order-ids.ts';
import { parseDurableId } from '../../orders/client-ids.ts';
import { isFinalIbStatus, requestFromIb, statusFromIb, toContract, toIbOrder, type ContractSpec } from './translate.ts';
import { WireCommission, WireContract, WireExecution, WireOrder, WireOrderState, WireOrderStatus, firstIssue, parseIbTime, type WireExecutionT } from './wire.ts';

const IBKR_CAPABILITIES: VenueCapabilities = {
  orderTypes: ['market', 'limit', 'stop', 'stop_limit'],
  // OPG exists at IB but not in parity's order model yet; FOK is not offered for US stocks.
  timeInForce: ['day', 'gtc', 'ioc'],
  replace: true,
  reduceOnly: false,
  shorting: true,
  // orderRef takes free text; parity's ids stay well inside it.
  clientOrderId: { maxLength: 64, pattern: /^[A-Za-z0-9_.:-]+$/ },
  simulated: false,
};

export interface IbkrExecutionOptions {
  readonly link: IbkrLink;
  readonly ids: OrderIdAllocator;
  readonly account: string;
  readonly live: boolean;
  readonly instruments: InstrumentProvider;
  /** SMART unless pinned. */
  readonly route?: string;
  readonly contracts?: Readonly<Record<string, ContractSpec>>;
  /** How long a fill waits for its commission report before it is booked without one (default 3 s). */
  readonly commissionWaitMs?: number;
  /** The zone TWS writes execution times in when it names none (default: the zone its handshake named, else UTC). */
  readonly twsTimeZone?: string;
  readonly scheduler?: Scheduler;
  readonly onProblem?: (p: IbkrProblem) => void;
  readonly onInfo?: (level: 'info' | 'warn' | 'debug', msg: string) => void;
  /** After a reconnect's executions and open orders were applied: reconcile before trading resumes. */
  readonly onResynced?: (why: string) => Promise<void> | void;
  /**
   * Whether an orderRef is one parity issued (default: the durable client-id form, parseDurableId;
   * the mode narrows it to its own store). Orders and executions with any other orderRef (another
   * API client, a manual TWS order) are never reported as ours: the open-orders query lists them,
   * so reconciliation adopts them as external. Orders this process placed are ours whatever their id.
   */
  readonly ownsRef?: (orderRef: string) => boolean;
}

interface HeldFill {
  readonly report: Extract<ExecutionReport, { kind: 'fill' }>;
  readonly timer: TimerHandle;
}

const EPS = 1e-9;

export class IbkrExecution implements ExecutionClient {
  readonly venue = 'ibkr';
  readonly capabilities = IBKR_CAPABILITIES;
  readonly queries: VenueQueries;
  private sink: ReportSink | null = null;
  private transport: TransportHooks | null = null;
  private readonly map = new IdMap();
  private readonly chains = new Map<string, Promise<void>>();
  /** Terms a modify asked for, per client order id, until TWS shows them (or refuses). */
  private readonly modifying = new Map<string, OrderRequest>();
  /** Fills waiting for their commission report, by exec id. */
  private readonly held = new Map<string, HeldFill>();
  /** Fills booked before their commission report came, exec id -> client order id (a late one is booked as a 'fee' report). */
  private readonly bookedWithoutFee = new Map<string, string>();
  /** Executions on the account that are not parity's (said once each). */
  private readonly foreignExecs = new Set<string>();
  /** Commissions heard (exec id -> fee), for fills heard after them and for executionsSince. */
  private readonly commissions = new Map<string, number>();
  private readonly scheduler: Scheduler;
  /** Venue clock minus ours. */
  private venueOffset = 0;
  /** The newest venue time heard (executions, currentTime answers, real-time bars), ms. */
  private venueHeard = Number.NEGATIVE_INFINITY;
  /** The last stamp given (stamps never go back). */
  private lastStamp = Number.NEGATIVE_INFINITY;
  private resyncing: Promise<void> | null = null;
  private resyncAgain: string | null = null;
  private closed = false;
  /** The newest venue time heard (executions), for what to ask after a gap. */
  private lastExecTs: number | null = null;

  constructor(private readonly o: IbkrExecutionOptions) {
    this.scheduler = o.scheduler ?? new WallScheduler();
    this.queries = {
      order: (cid) => this.queryOrder(cid),
      openOrders: () => this.queryOpenOrders(),
      positions: () => this.queryPositions(),
      account: () => this.queryAccount(),
      executionsSince: (ts) => this.executionsSince(ts),
      time: () => this.o.link.currentTime(),
    };
    o.link.on({
      openOrder: (e) => this.onOpenOrder(e),
      orderStatus: (e) => this.onOrderStatus(e),
      execDetails: (e) => this.onExecDetails(e),
      commissionReport: (c) => this.onCommission(c),
      message: (m) => this.onMessage(m),
      restored: (why) => { void this.resync(why); },
      lost: () => { /* commands check canSend(); nothing to undo */ },
      unsent: (msgs) => this.onUnsent(msgs),
    });
    o.link.onNextValid((id) => o.ids.observeNextValid(id));
    // Round-trip timeouts start when a request actually leaves: the SDK paces what it sends (40 a
    // second), so a burst of orders can wait in its queue well after placeOrder was called.
    o.link.api.on(EventName.sent, (tokens: unknown[]) => {
      if (!Array.isArray(tokens) || this.transport === null) return;
      const msg = Number(tokens[0]);
      if (msg !== 3 && msg !== 4) return;
      const cid = this.map.cidOf(Number(tokens[1]));
      if (cid === undefined) return;
      this.transport.sent(cid, msg === 4 ? 'cancel' : this.modifying.has(cid) ? 'replace' : 'submit');
    });
    if (o.link.nextValidId !== null) o.ids.observeNextValid(o.link.nextValidId);
    // TWS's word on its own clock, whoever asked (the heartbeat's reqCurrentTime; a bar's time).
    o.link.api.on(EventName.currentTime, (sec: number) => this.heard(Number(sec) * 1000));
    o.link.api.on(EventName.realtimeBar, (_reqId: number, sec: number) => this.heard(Number(sec) * 1000));
  }

  // ---------- connection ----------

  async connect(sink: ReportSink, transport?: TransportHooks): Promise<void> {
    this.sink = sink;
    this.transport = transport ?? null;
    if (!this.o.link.socketUp()) await this.o.link.open();
    // The id map comes from TWS: orders placed by an earlier process route like our own.
    const open = await this.o.link.openOrders();
    for (const e of open.orders) this.learn(e);
    await this.syncClock().catch((err: unknown) => this.problem(asProblem(err)));
  }

  disconnect(): void {
    this.closed = true;
    this.resyncRetry?.cancel();
    this.resyncRetry = null;
    for (const h of this.held.values()) h.timer.cancel();
    // Fills waiting for a commission are booked now rather than lost.
    for (const h of [...this.held.values()]) this.releaseHeld(h.report.execId);
    this.o.link.close();
  }

  connection(): ConnectionStatus {
    const s = this.o.link.status();
    if (this.resyncing !== null && s.state === 'connected') return { ...s, state: 'connecting', detail: `${s.detail ?? ''}${s.detail !== undefined ? '; ' : ''}resyncing executions and open orders` };
    return s;
  }

  /** Settles when every queued command had its answer and no resync runs (tests, orderly shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.chains.values()]);
    while (this.resyncing !== null) await this.resyncing;
  }

  /** The IB order id of a client order id, as far as the id map knows (tests, the console). */
  ibOrderIdOf(cid: string): number | undefined {
    return this.map.ibOf(cid);
  }

  // ---------- commands ----------

  submit(cmd: SubmitCommand): void {
    this.enqueue(cmd.clientOrderId, () => this.doSubmit(cmd.clientOrderId, cmd.request));
  }

  cancel(clientOrderId: string, _ts?: number): void {
    this.enqueue(clientOrderId, () => this.doCancel(clientOrderId));
  }

  replace(clientOrderId: string, changes: ReplaceRequest, _ts?: number): void {
    this.enqueue(clientOrderId, () => this.doReplace(clientOrderId, changes));
  }

  private enqueue(cid: string, op: () => Promise<void>): void {
    const prev = this.chains.get(cid) ?? Promise.resolve();
    const next = prev.then(op).catch((err: unknown) => this.problem(asProblem(err)));
    this.chains.set(cid, next);
    void next.then(() => { if (this.chains.get(cid) === next) this.chains.delete(cid); });
  }

  /**
   * Orders may go out: the link is up and the resync after the last reconnect succeeded (one that
   * failed is tried again first; until one succeeds, nothing goes out on a state nobody looked at).
   */
  private async sendable(): Promise<string | null> {
    if (this.resyncing !== null) await this.resyncing.catch(() => undefined);
    if (!this.o.link.canSend()) return `not connected to TWS / IB Gateway (${this.o.link.status().detail ?? 'link down'})`;
    if (this.unsynced !== null) {
      await this.resync(this.unsynced);
      if (this.unsynced !== null) return `executions and open orders could not be fetched from TWS after ${this.unsynced}: not sent until they are`;
    }
    return null;
  }

  /** Why the last resync failed (null: it succeeded, or none was needed). */
  private unsynced: string | null = null;
  private resyncRetry: TimerHandle | null = null;

  private contractOf(symbol: string): ReturnType<typeof toContract> {
    const inst: Pick<Instrument, 'symbol' | 'assetClass' | 'quoteCurrency'> = this.o.instruments.get(symbol) ?? { symbol, assetClass: 'equity', quoteCurrency: 'USD' };
    return toContract(inst, this.o.route ?? 'SMART', this.o.contracts?.[symbol]);
  }

  private async doSubmit(cid: string, r: OrderRequest): Promise<void> {
    const down = await this.sendable();
    if (down !== null) {
      this.emit({ kind: 'rejected', clientOrderId: cid, reason: `${down}: order not sent`, ts: this.stamp() });
      return;
    }
    let contract: ReturnType<typeof toContract>;
    let order: ReturnType<typeof toIbOrder>;
    try {
      contract = this.contractOf(r.symbol);
      order = toIbOrder(r, { orderRef: cid, account: this.o.account });
    } catch (err) {
      this.emit({ kind: 'rejected', clientOrderId: cid, reason: errText(err), ts: this.stamp() });
      return;
    }
    const id = this.o.ids.next();
    this.map.set(id, cid);
    this.map.noteTerms(id, r);
    this.o.link.api.placeOrder(id, contract, order);
  }

  private async doCancel(cid: string): Promise<void> {
    const down = await this.sendable();
    if (down !== null) {
      this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `${down}: cancel not sent`, ts: this.stamp(), transient: true });
      return;
    }
    let id = this.map.ibOf(cid);
    if (id === undefined) {
      const found = await this.findOpen(cid).catch(() => undefined);
      if (found === undefined) {
        this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: 'could not ask TWS for its open orders', ts: this.stamp(), transient: true });
        return;
      }
      if (found === null) {
        this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `TWS works no order ${cid}`, ts: this.stamp() });
        return;
      }
      id = found.orderId;
    }
    this.o.link.api.cancelOrder(id);
  }

  private async doReplace(cid: string, ch: ReplaceRequest): Promise<void> {
    const down = await this.sendable();
    if (down !== null) {
      this.emit({ kind: 'replace_rejected', clientOrderId: cid, reason: `${down}: modify not sent`, ts: this.stamp(), transient: true });
      return;
    }
    // The order's terms as TWS holds them now (no copy of our own): the modify changes those.
    let found: OpenOrderEvent | null;
    try {
      found = await this.findOpen(cid);
    } catch (err) {
      this.emit({ kind: 'replace_rejected', clientOrderId: cid, reason: `could not ask TWS where ${cid} stands (${errText(err)})`, ts: this.stamp(), transient: true });
      return;
    }
    if (found === null) {
      this.emit({ kind: 'replace_rejected', clientOrderId: cid, reason: `TWS works no order ${cid}`, ts: this.stamp() });
      return;
    }
    const c = WireContract.safeParse(found.contract);
    const w = WireOrder.safeParse(found.order);
    const current = c.success && w.success ? requestFromIb(c.data, w.data) : null;
    if (current === null) {
      this.emit({ kind: 'replace_rejected', clientOrderId: cid, reason: `TWS's terms for ${cid} could not be read`, ts: this.stamp() });
      return;
    }
    const target = replacedRequest(current, ch);
    if (this.o.link.canSend() === false) {
      this.emit({ kind: 'replace_rejected', clientOrderId: cid, reason: 'the connection to TWS dropped before the modify was sent', ts: this.stamp(), transient: true });
      return;
    }
    this.modifying.set(cid, target);
    // A modify is a placeOrder with the SAME id: TWS changes the working order, never adds one.
    this.o.link.api.placeOrder(found.orderId, this.contractOf(target.symbol), toIbOrder(target, { orderRef: cid, account: this.o.account }));
  }

  /** The open order TWS works for a client order id, or null. */
  private async findOpen(cid: string): Promise<OpenOrderEvent | null> {
    const open = await this.o.link.openOrders();
    let found: OpenOrderEvent | null = null;
    for (const e of open.orders) {
      const ref = this.learn(e) ?? refOf(e);
      if (ref === cid) found = e;
    }
    // The engine commands it (an external order the operator adopted or cancels): routed from now on.
    if (found !== null && this.map.cidOf(found.orderId) === undefined) this.map.set(found.orderId, cid);
    return found;
  }

  /** An orderRef parity issued (or an order this process placed). */
  private ours(ref: string): boolean {
    if (this.map.ibOf(ref) !== undefined) return true;
    return this.o.ownsRef !== undefined ? this.o.ownsRef(ref) : parseDurableId(ref) !== null;
  }

  /** Map an openOrder's IB id to its orderRef; the orderRef (or undefined for orders not ours). */
  private learn(e: OpenOrderEvent): string | undefined {
    this.o.ids.observeUsed(e.orderId);
    const w = WireOrder.safeParse(e.order);
    const ref = w.success ? w.data.orderRef : undefined;
    if (ref !== undefined && this.ours(ref)) this.map.set(e.orderId, ref);
    const cid = this.map.cidOf(e.orderId);
    if (cid !== undefined) {
      const c = WireContract.safeParse(e.contract);
      const terms = c.success && w.success ? requestFromIb(c.data, w.data) : null;
      if (terms !== null) this.map.noteTerms(e.orderId, terms);
    }
    return cid;
  }

  /** Orders, modifies and cancels that were still paced when the socket dropped: answered as not sent. */
  private onUnsent(msgs: readonly (readonly unknown[])[]): void {
    for (const raw of msgs) {
      // As the SDK hands them over: nested arrays, flattened only when written.
      const tokens = (raw as unknown[]).flat(4);
      const msg = Number(tokens[0]);
      if (msg !== 3 && msg !== 4) continue;
      const cid = this.map.cidOf(Number(tokens[1]));
      if (cid === undefined) continue;
      const why = 'the connection to TWS dropped before it was sent';
      if (msg === 4) this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `cancel not sent: ${why}`, ts: this.stamp(), transient: true });
      else if (this.modifying.delete(cid)) this.emit({ kind: 'replace_rejected', clientOrderId: cid, reason: `modify not sent: ${why}`, ts: this.stamp(), transient: true });
      else this.emit({ kind: 'rejected', clientOrderId: cid, reason: `order not sent: ${why}`, ts: this.stamp() });
    }
  }

  // ---------- what TWS says ----------

  private onOpenOrder(e: OpenOrderEvent): void {
    const cid = this.learn(e);
    if (cid === undefined) return;
    const st = WireOrderState.safeParse(e.orderState);
    const status = st.success ? st.data.status : undefined;
    const target = this.modifying.get(cid);
    if (target !== undefined) {
      const c = WireContract.safeParse(e.contract);
      const w = WireOrder.safeParse(e.order);
      const now = c.success && w.success ? requestFromIb(c.data, w.data) : null;
      if (now !== null && sameTerms(now, target)) {
        this.modifying.delete(cid);
        this.emit(replacedReport(cid, now, this.stamp()));
        return;
      }
    }
    if (status !== undefined && !isFinalIbStatus(status) && status !== 'PendingCancel') {
      this.emit({ kind: 'accepted', clientOrderId: cid, venueOrderId: String(e.orderId), ts: this.stamp() });
    }
  }

  private onOrderStatus(e: OrderStatusEvent): void {
    const p = WireOrderStatus.safeParse(e);
    if (!p.success) {
      this.problem(new IbkrProtocolError('orderStatus', firstIssue(p.error), e));
      return;
    }
    const s = p.data;
    const cid = this.map.cidOf(s.orderId);
    if (cid === undefined) return;
    // Remembered: a Filled order whose executions TWS does not show any more is still known as Filled.
    this.map.noteStatus(s.orderId, { status: s.status, filled: s.filled, avgFillPrice: s.avgFillPrice ?? 0, ts: this.stamp() });
    switch (s.status) {
      case 'Submitted': case 'PreSubmitted':
        this.emit({ kind: 'accepted', clientOrderId: cid, venueOrderId: String(s.orderId), ts: this.stamp() });
        return;
      case 'Cancelled': case 'ApiCancelled':
        // A fill that won the race arrives as execDetails; it is booked whatever the order's state.
        this.modifying.delete(cid);
        this.emit({ kind: 'canceled', clientOrderId: cid, reason: 'canceled at TWS', ts: this.stamp() });
        return;
      case 'Inactive':
        if (s.filled <= EPS) this.emit({ kind: 'rejected', clientOrderId: cid, reason: 'TWS made the order inactive', ts: this.stamp() });
        return;
      default:
        // Filled: the fills come as execDetails (with their exec ids). PendingSubmit / PendingCancel: wait.
        return;
    }
  }

  private onExecDetails(e: ExecEvent): void {
    // Answers to our own reqExecutions are read by executionsSince; unsolicited ones (reqId -1) are fills.
    if (e.reqId !== -1) return;
    const x = this.readExecution(e);
    if (x === null) return;
    // On the session's clock like every other report (never before its execution time): a venue
    // whose executions carry another clock than its reqCurrentTime (a fake replaying old data)
    // does not put an order's fills before its acknowledgement.
    this.emitFill({ ...x, ts: this.stamp() });
  }

  private onCommission(raw: unknown): void {
    const p = WireCommission.safeParse(raw);
    if (!p.success) {
      this.problem(new IbkrProtocolError('commissionReport', firstIssue(p.error), raw));
      return;
    }
    const fee = p.data.commission ?? 0;
    const late = this.bookedWithoutFee.get(p.data.execId);
    if (late !== undefined && fee !== 0 && !this.commissions.has(p.data.execId)) {
      this.bookedWithoutFee.delete(p.data.execId);
      this.info('info', `commission ${fee} ${p.data.currency ?? ''} for execution ${p.data.execId} arrived after its fill was booked without it: booked on that fill now`);
      this.emit({ kind: 'fee', clientOrderId: late, execId: p.data.execId, fee, ts: this.stamp() });
    }
    this.commissions.set(p.data.execId, fee);
    if (this.commissions.size > 10_000) this.commissions.delete(this.commissions.keys().next().value!);
    this.releaseHeld(p.data.execId);
  }

  /** A fill is booked with its commission: held until the commission report comes, or for commissionWaitMs. */
  private emitFill(x: VenueExecution): void {
    const report: Extract<ExecutionReport, { kind: 'fill' }> = {
      kind: 'fill', clientOrderId: x.clientOrderId, execId: x.execId, qty: x.qty, price: x.price, fee: this.commissions.get(x.execId) ?? 0,
      liquidity: 'taker', ts: x.ts, ...(x.venueOrderId !== undefined && x.venueCumQty !== undefined ? { venueOrderId: x.venueOrderId, venueCumQty: x.venueCumQty } : {}),
    };
    if (this.commissions.has(x.execId) || this.closed || this.held.has(x.execId)) {
      if (!this.held.has(x.execId)) this.emit(report);
      return;
    }
    const wait = this.o.commissionWaitMs ?? 3000;
    const timer = this.scheduler.after(wait, () => {
      if (!this.held.has(x.execId)) return;
      this.info('warn', `no commission report for execution ${x.execId} of ${x.clientOrderId} within ${wait} ms: the fill is booked without its commission`);
      this.releaseHeld(x.execId);
    });
    this.held.set(x.execId, { report, timer });
  }

  private releaseHeld(execId: string): void {
    const h = this.held.get(execId);
    if (h === undefined) return;
    this.held.delete(execId);
    h.timer.cancel();
    if (!this.commissions.has(execId)) {
      this.bookedWithoutFee.set(execId, h.report.clientOrderId);
      if (this.bookedWithoutFee.size > 10_000) this.bookedWithoutFee.delete(this.bookedWithoutFee.keys().next().value!);
    }
    this.emit({ ...h.report, fee: this.commissions.get(execId) ?? h.report.fee });
  }

  private readExecution(e: ExecEvent, claim?: string): VenueExecution | null {
    const p = WireExecution.safeParse(e.execution);
    if (!p.success) {
      this.problem(new IbkrProtocolError('execDetails', firstIssue(p.error), e.execution));
      return null;
    }
    const x: WireExecutionT = p.data;
    if (x.acctNumber !== undefined && x.acctNumber !== this.o.account) return null;
    const known = x.orderId !== undefined && x.orderId > 0 ? this.map.cidOf(x.orderId) : undefined;
    const cid = x.orderRef !== undefined && (x.orderRef === claim || this.ours(x.orderRef)) ? x.orderRef : known;
    if (cid === undefined) {
      // A trade on the account that parity did not place (TWS by hand, another program): said, not booked.
      if (!this.foreignExecs.has(x.execId)) {
        this.foreignExecs.add(x.execId);
        if (this.foreignExecs.size > 10_000) this.foreignExecs.delete(this.foreignExecs.values().next().value!);
        const by = x.orderRef !== undefined ? `orderRef "${x.orderRef}" (not placed by parity)` : 'no orderRef parity knows';
        this.info('warn', `execution ${x.execId} (${x.side === 'SLD' ? 'sell' : 'buy'} ${x.shares} @ ${x.price}) on account ${this.o.account} has ${by}: not booked; reconciliation will show the position difference`);
      }
      return null;
    }
    if (x.orderId !== undefined && x.orderId > 0) {
      this.map.set(x.orderId, cid);
      this.o.ids.observeUsed(x.orderId);
    }
    const c = WireContract.safeParse(e.contract);
    const ts = (x.time !== undefined ? parseIbTime(x.time, this.o.twsTimeZone ?? this.o.link.twsZone ?? 'UTC') : null) ?? this.stamp();
    if (this.lastExecTs === null || ts > this.lastExecTs) this.lastExecTs = ts;
    if (e.reqId === -1) this.heard(ts);
    return {
      clientOrderId: cid, execId: x.execId, symbol: (c.success ? c.data.symbol : undefined) ?? '', side: x.side === 'SLD' ? 'sell' : 'buy',
      qty: x.shares, price: x.price, fee: this.commissions.get(x.execId) ?? 0, ts,
      ...(x.orderId !== undefined && x.cumQty !== undefined ? { venueOrderId: String(x.orderId), venueCumQty: x.cumQty } : {}),
    };
  }

  private onMessage(m: IbMessage): void {
    const cid = m.id >= 0 ? this.map.cidOf(m.id) : undefined;
    const line = describeMessage(m.code, m.message);
    if (cid === undefined) {
      if (m.kind === 'other' || m.kind === 'order-warning') this.info(m.id >= 0 ? 'warn' : 'info', line);
      else this.info('warn', line);
      return;
    }
    switch (m.kind) {
      case 'order-rejected':
      case 'no-security':
        if (this.modifying.has(cid)) {
          this.modifying.delete(cid);
          this.emit({ kind: 'replace_rejected', clientOrderId: cid, reason: `TWS ${m.code}: ${m.message}`, ts: this.stamp() });
        } else {
          this.emit({ kind: 'rejected', clientOrderId: cid, reason: `TWS ${m.code}: ${m.message}`, ts: this.stamp() });
        }
        return;
      case 'order-canceled':
        // Ours or unsolicited; a bare 202 is not trusted blindly: TWS's open orders say whether it still works.
        this.enqueue(cid, () => this.settle202(cid, m));
        return;
      case 'order-warning':
        this.info('warn', `${cid}: ${line}`);
        return;
      case 'cancel-not-found':
        this.info('warn', `${cid}: ${line}`);
        this.enqueue(cid, () => this.settleUnknownCancel(cid, m));
        return;
      case 'cancel-refused': {
        const state = stateOf10148(m.message);
        this.info('warn', `${cid}: ${line}`);
        this.enqueue(cid, () => this.settleRefusedCancel(cid, state, m));
        return;
      }
      default:
        this.info('warn', `${cid}: ${line}`);
    }
  }

  /** 202: canceled, unless TWS still works the order (a stray message). */
  private async settle202(cid: string, m: IbMessage): Promise<void> {
    let open: OpenOrderEvent | null;
    try {
      open = await this.findOpen(cid);
    } catch (err) {
      // TWS cannot be asked now: the resync after the reconnect will.
      this.problem(asProblem(err));
      return;
    }
    if (open !== null) {
      const st = WireOrderState.safeParse(open.orderState);
      const status = st.success ? st.data.status : undefined;
      if (status === undefined || !isFinalIbStatus(status)) {
        this.info('warn', `${cid}: TWS 202 (${m.message}) but TWS still works the order: not taken as canceled`);
        return;
      }
    }
    this.modifying.delete(cid);
    this.emit({ kind: 'canceled', clientOrderId: cid, reason: `TWS 202: ${m.message}`, ts: this.stamp() });
  }

  /** 10147: TWS does not know the order to cancel. Ask where it stands; never assume canceled. */
  private async settleUnknownCancel(cid: string, m: IbMessage): Promise<void> {
    let open: OpenOrderEvent | null;
    let fills: VenueExecution[];
    try {
      open = await this.findOpen(cid);
      fills = (await this.executionsSince(0)).filter((x) => x.clientOrderId === cid);
    } catch (err) {
      this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `TWS ${m.code} and TWS could not be asked (${errText(err)})`, ts: this.stamp(), transient: true });
      return;
    }
    for (const f of fills) this.emitFill(f);
    if (open !== null) {
      // TWS works it after all (the cancel raced the order's arrival): the engine may cancel again.
      this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `TWS ${m.code}: ${m.message} (but the order is open at TWS)`, ts: this.stamp(), transient: true });
      return;
    }
    // Not open: filled (its fills are booked above), or gone some other way; final, not retried.
    this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `TWS ${m.code}: ${m.message}${fills.length > 0 ? ' (it has executions: booked)' : '; not assumed canceled, reconciliation compares'}`, ts: this.stamp() });
  }

  /** 10148 "state: X": the order is final at TWS. Filled: fetch and book its fills; never retry the cancel. */
  private async settleRefusedCancel(cid: string, state: string | null, m: IbMessage): Promise<void> {
    if (state === 'PendingCancel' || state === 'PendingSubmit' || state === 'PreSubmitted' || state === 'Submitted') {
      // Not a final state: a cancel is already on its way and the order may still fill; the engine
      // keeps wanting the cancel (transient), and the outcome follows as ever.
      this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `TWS ${m.code}: the order is ${state} at TWS (a cancel is on its way)`, ts: this.stamp(), transient: true });
      return;
    }
    if (state === 'Cancelled' || state === 'ApiCancelled') {
      this.emit({ kind: 'canceled', clientOrderId: cid, reason: `TWS 10148: already ${state}`, ts: this.stamp() });
      return;
    }
    if (state === 'Filled' || state === null) {
      try {
        for (const f of (await this.executionsSince(0)).filter((x) => x.clientOrderId === cid)) this.emitFill(f);
      } catch (err) {
        this.problem(asProblem(err));
      }
    }
    this.emit({ kind: 'cancel_rejected', clientOrderId: cid, reason: `TWS ${m.code}: the order is ${state ?? 'final'} at TWS`, ts: this.stamp() });
  }

  // ---------- after a gap ----------

  /**
   * After a reconnect: executions (fills during the outage arrive only this way) and open orders,
   * passed on as ordinary reports; then the mode's reconciliation. Orders wait until it is done.
   */
  resync(why: string): Promise<void> {
    if (this.resyncing !== null) {
      this.resyncAgain = why;
      return this.resyncing;
    }
    const run = async (): Promise<void> => {
      const since = this.lastExecTs === null ? 0 : this.lastExecTs - 60_000;
      for (const x of await this.executionsSince(since)) this.emitFill(x);
      const open = await this.o.link.openOrders();
      const live = new Set<string>();
      for (const e of open.orders) {
        const cid = this.learn(e);
        if (cid === undefined) continue;
        live.add(cid);
        const c = WireContract.safeParse(e.contract);
        const w = WireOrder.safeParse(e.order);
        const now = c.success && w.success ? requestFromIb(c.data, w.data) : null;
        const target = this.modifying.get(cid);
        if (target !== undefined && now !== null) {
          // A modify whose answer the outage swallowed: TWS's terms say whether it landed.
          this.modifying.delete(cid);
          if (sameTerms(now, target)) this.emit(replacedReport(cid, now, this.stamp()));
          else this.emit({ kind: 'replace_rejected', clientOrderId: cid, reason: 'the connection dropped before TWS confirmed the modify; TWS has the old terms', ts: this.stamp(), transient: true });
        }
        const st = open.statuses.get(e.orderId);
        const s = st !== undefined ? WireOrderStatus.safeParse(st) : null;
        if (s !== null && s.success && (s.data.status === 'Cancelled' || s.data.status === 'ApiCancelled')) this.emit({ kind: 'canceled', clientOrderId: cid, reason: 'canceled at TWS', ts: this.stamp() });
      }
      for (const [cid] of this.modifying) {
        if (live.has(cid)) continue;
        this.modifying.delete(cid);
        this.emit({ kind: 'replace_rejected', clientOrderId: cid, reason: 'the order no longer works at TWS', ts: this.stamp() });
      }
      await this.syncClock().catch((err: unknown) => this.problem(asProblem(err)));
      await this.o.onResynced?.(why);
      this.info('info', `resynced after ${why}: executions and open orders applied; trading resumes`);
    };
    this.resyncing = run().then(() => {
      this.unsynced = null;
      this.resyncRetry?.cancel();
      this.resyncRetry = null;
    }, (err: unknown) => {
      this.problem(asProblem(err));
      this.unsynced = why;
      this.info('warn', `resync after ${why} failed (${errText(err)}): no order goes out until it succeeds; trying again in 2 s`);
      this.resyncRetry?.cancel();
      this.resyncRetry = this.closed ? null : this.scheduler.after(2000, () => {
        this.resyncRetry = null;
        if (this.unsynced !== null && !this.closed && this.o.link.socketUp()) void this.resync(this.unsynced);
      });
    }).finally(() => {
      this.resyncing = null;
      const again = this.resyncAgain;
      this.resyncAgain = null;
      if (again !== null && !this.closed) void this.resync(again);
    });
    return this.resyncing;
  }

  // ---------- queries ----------

  /** The core asks about an order its journal holds: whatever its id's form, it is ours (and mapped). */
  private async queryOrder(cid: string): Promise<VenueOrderState | null> {
    const open = await this.o.link.openOrders();
    for (const e of open.orders) {
      if ((this.learn(e) ?? refOf(e)) !== cid) continue;
      if (this.map.cidOf(e.orderId) === undefined) this.map.set(e.orderId, cid);
      const st = this.stateOfOpen(cid, e, open.statuses.get(e.orderId));
      if (st !== null) return st;
    }
    // Not working: TWS's completed orders say how it ended (where TWS answers reqCompletedOrders).
    const done = await this.o.link.completedOrders().catch(() => null);
    const fills = (await this.executionsSince(0, cid)).filter((x) => x.clientOrderId === cid);
    for (const e of done ?? []) {
      const w = WireOrder.safeParse(e.order);
      if (!w.success || w.data.orderRef !== cid) continue;
      const st = this.stateOfOpen(cid, e, undefined);
      if (st === null) continue;
      const filled = fills.reduce((s, x) => s + x.qty, 0);
      const value = fills.reduce((s, x) => s + x.qty * x.price, 0);
      return { ...st, filledQty: filled, avgFillPrice: filled > 0 ? value / filled : 0, status: st.status === 'accepted' && filled > 0 ? 'partially_filled' : st.status };
    }
    if (fills.length === 0) {
      // Neither working nor executed as far as TWS shows now: what TWS last said about it (a Filled
      // order whose executions are not visible yet is not "unknown at the venue": that would resend it).
      const ib = this.map.ibOf(cid);
      const word = ib !== undefined ? this.map.wordOf(ib) : undefined;
      // Only a final status is an answer: a working status for an order TWS no longer lists is not.
      if (ib === undefined || word?.status === undefined || word.request === undefined || !isFinalIbStatus(word.status.status)) return null;
      const st = word.status;
      return {
        clientOrderId: cid, venueOrderId: String(ib), request: word.request, status: statusFromIb(st.status, st.filled),
        filledQty: st.filled, avgFillPrice: st.avgFillPrice, createdAt: st.ts, updatedAt: st.ts,
      };
    }
    const qty = fills.reduce((s, x) => s + x.qty, 0);
    const value = fills.reduce((s, x) => s + x.qty * x.price, 0);
    const first = fills[0]!;
    return {
      clientOrderId: cid, venueOrderId: first.venueOrderId ?? '', request: { symbol: first.symbol, side: first.side, qty, type: 'market' },
      status: 'filled', filledQty: qty, avgFillPrice: value / qty,
      createdAt: Math.min(...fills.map((x) => x.ts)), updatedAt: Math.max(...fills.map((x) => x.ts)),
    };
  }

  private stateOfOpen(cid: string, e: OpenOrderEvent, st: OrderStatusEvent | undefined): VenueOrderState | null {
    const c = WireContract.safeParse(e.contract);
    const w = WireOrder.safeParse(e.order);
    const r = c.success && w.success ? requestFromIb(c.data, w.data) : null;
    if (r === null) return null;
    const s = st !== undefined ? WireOrderStatus.safeParse(st) : null;
    const os = WireOrderState.safeParse(e.orderState);
    const status = s !== null && s.success ? s.data.status : (os.success ? os.data.status : undefined) ?? 'Submitted';
    const filled = s !== null && s.success ? s.data.filled : 0;
    const avg = s !== null && s.success ? s.data.avgFillPrice ?? 0 : 0;
    const now = this.stamp();
    // TWS does not say when it took an order. Recovery asks for executions since the earliest
    // createdAt, so "now" here hid every fill made while the console was down (booked as a synthetic
    // fill without its commission). The bound given is one no later than any execution TWS can still
    // report: it keeps only the current day's, so the start of the UTC day less 12 hours covers a
    // TWS in any zone.
    return {
      clientOrderId: cid, venueOrderId: String(e.orderId), request: r, status: statusFromIb(status, filled),
      filledQty: filled, avgFillPrice: avg, createdAt: earliestReportable(now), updatedAt: now,
    };
  }

  private async queryOpenOrders(): Promise<VenueOrderState[]> {
    const open = await this.o.link.openOrders();
    const out: VenueOrderState[] = [];
    for (const e of open.orders) {
      // Foreign orders with an orderRef are listed too: reconciliation adopts them as external.
      const cid = this.learn(e) ?? refOf(e);
      if (cid === undefined) continue;
      const w = WireOrder.safeParse(e.order);
      if (w.success && w.data.account !== undefined && w.data.account !== this.o.account) continue;
      const st = this.stateOfOpen(cid, e, open.statuses.get(e.orderId));
      if (st !== null && st.status !== 'canceled' && st.status !== 'filled' && st.status !== 'rejected') out.push(st);
    }
    return out;
  }

  private async queryPositions(): Promise<VenuePosition[]> {
    const out: VenuePosition[] = [];
    for (const p of await this.o.link.positions()) {
      if (p.account !== this.o.account || Math.abs(p.pos) < EPS) continue;
      const c = WireContract.safeParse(p.contract);
      const symbol = c.success ? c.data.symbol ?? c.data.localSymbol : undefined;
      if (symbol === undefined) continue;
      out.push({ symbol, qty: p.pos, avgPrice: p.avgCost ?? 0 });
    }
    return out;
  }

  /** Cash, equity and buying power from reqAccountSummary. */
  async accountSummary(): Promise<{ currency: string; cash: number; equity: number; buyingPower: number }> {
    const all = await this.o.link.accountSummary(['NetLiquidation', 'TotalCashValue', 'BuyingPower']);
    const mine = all.get(this.o.account);
    if (mine === undefined) throw new IbkrProtocolError('accountSummary', `no summary for account ${this.o.account}`);
    const num = (tag: string): number => {
      const v = mine.get(tag);
      const n = v === undefined ? Number.NaN : Number(v.value);
      if (!Number.isFinite(n)) throw new IbkrProtocolError('accountSummary', `${tag} missing or not a number for ${this.o.account}`);
      return n;
    };
    const currency = mine.get('NetLiquidation')?.currency || mine.get('TotalCashValue')?.currency || 'USD';
    return { currency, cash: num('TotalCashValue'), equity: num('NetLiquidation'), buyingPower: num('BuyingPower') };
  }

  private async queryAccount(): Promise<VenueAccount> {
    const s = await this.accountSummary();
    return { accountId: this.o.account, currency: s.currency, cash: { [s.currency]: s.cash }, equity: s.equity, status: 'active', live: this.o.live };
  }

  /** Executions of ours since `ts` (`claim`: an orderRef the core asks about, ours whatever its form). */
  private async executionsSince(ts: number, claim?: string): Promise<VenueExecution[]> {
    const got = await this.o.link.executions({ clientId: String(this.o.link.clientId), acctCode: this.o.account });
    const out: VenueExecution[] = [];
    for (const e of got) {
      const x = this.readExecution(e, claim);
      if (x !== null && x.ts >= ts) out.push(x);
    }
    return out.sort((a, b) => a.ts - b.ts);
  }

  // ---------- plumbing ----------

  private async syncClock(): Promise<void> {
    const t = await this.o.link.currentTime();
    this.venueOffset = t - this.scheduler.now();
  }

  /** TWS's clock now (ours shifted by the offset measured with reqCurrentTime): the session's clock. */
  venueNow(): number {
    return this.stamp();
  }

  /**
   * A time on TWS's clock: ours shifted by the offset reqCurrentTime measured, never behind the
   * newest venue time heard since (an execution's time, a heartbeat's currentTime, a real-time bar:
   * a venue replaying at speed runs ahead of any offset), and never back in time. Order statuses and
   * fills so share one clock.
   */
  private stamp(): number {
    const t = Math.max(this.scheduler.now() + this.venueOffset, this.venueHeard, this.lastStamp);
    this.lastStamp = t;
    return t;
  }

  /** A venue time heard (ms): stamps do not run behind it. */
  private heard(ts: number): void {
    if (Number.isFinite(ts) && ts > this.venueHeard) this.venueHeard = ts;
  }

  private emit(rep: ExecutionReport): void {
    if (this.closed && rep.kind !== 'fill') return;
    this.sink?.(rep);
  }

  private info(level: 'info' | 'warn' | 'debug', msg: string): void {
    this.o.onInfo?.(level, msg);
  }

  private problem(p: IbkrProblem): void {
    this.o.onProblem?.(p);
  }
}

function sameTerms(a: OrderRequest, b: OrderRequest): boolean {
  const px = (r: OrderRequest): [number | null, number | null] => [
    r.type === 'limit' || r.type === 'stop_limit' ? r.limitPrice : null,
    r.type === 'stop' || r.type === 'stop_limit' ? r.stopPrice : null,
  ];
  const [al, as] = px(a);
  const [bl, bs] = px(b);
  const eq = (x: number | null, y: number | null): boolean => (x === null ? y === null : y !== null && Math.abs(x - y) < EPS);
  return a.type === b.type && Math.abs(a.qty - b.qty) < EPS && eq(al, bl) && eq(as, bs);
}

function replacedReport(cid: string, r: OrderRequest, ts: number): ExecutionReport {
  const base = { kind: 'replaced' as const, clientOrderId: cid, qty: r.qty, ts };
  switch (r.type) {
    case 'limit': return { ...base, limitPrice: r.limitPrice };
    case 'stop': return { ...base, stopPrice: r.stopPrice };
    case 'stop_limit': return { ...base, limitPrice: r.limitPrice, stopPrice: r.stopPrice };
    case 'market': return base;
  }
}

/** The orderRef an openOrder carries, if any. */
function refOf(e: OpenOrderEvent): string | undefined {
  const w = WireOrder.safeParse(e.order);
  return w.success ? w.data.orderRef : undefined;
}

const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function asProblem(err: unknown): IbkrProblem {
  if (err instanceof IbkrApiError || err instanceof IbkrConnectionError || err instanceof IbkrProtocolError) return err;
  return new IbkrProtocolError('adapter', errText(err));
}

/** A time no later than the oldest execution TWS still reports at `now` (it keeps the current day's only). */
function earliestReportable(now: number): number {
  const day = 86_400_000;
  return Math.floor(now / day) * day - day / 2;
}
