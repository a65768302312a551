/**
 * The socket to TWS / IB Gateway through the real `@stoqey/ib` SDK, and its life: connect with a
 * FIXED client id (a reconnect under another id loses the right to cancel earlier orders), a
 * heartbeat of our own (reqCurrentTime raced against a timeout: the SDK's watchdog misses
 * half-open sockets), reconnect with exponential backoff and jitter, and the connection-level
 * message codes (1100 / 1101 / 1102 / 2110, 502 / 504, 326) from the table in error-codes.ts.
 *
 * It also runs the requests whose answers come as a stream of events ending in an "End" message
 * (open orders, executions, positions, account summary), coalescing those TWS cannot tell apart.
 *
 * Never sends while disconnected: the SDK queues commands while its socket is down and replays
 * them on the next connect, so a modify or cancel issued during an outage would go out later, on
 * a venue state nobody looked at. Callers ask `canSend()` first; the adapter refuses instead.
 */
import type { Contract, Execution, Order } from '@stoqey/ib';
import { EventName, IBApi } from '@stoqey/ib';
import type { ConnectionState, ConnectionStatus } from '../../ports/index.ts';
import { type Scheduler, type TimerHandle, WallScheduler } from '../../ports/scheduler.ts';
import { backoffDelay } from './backoff.ts';
import { describeMessage, ruleOf, type IbMessageKind } from './error-codes.ts';
import { IbkrApiError, IbkrConnectionError, IbkrProtocolError, type IbkrProblem } from './errors.ts';

export interface LinkOptions {
  readonly host: string;
  readonly port: number;
  readonly clientId: number;
  /** Heartbeat period (default 10 s; 0 = off) and how long an answer may take (default 5 s). */
  readonly heartbeatMs?: number;
  readonly heartbeatTimeoutMs?: number;
  /** Reconnect backoff: first delay (default 1 s), cap (default 30 s), jitter source. */
  readonly reconnectInitialMs?: number;
  readonly reconnectMaxMs?: number;
  readonly random?: () => number;
  /** The first connect's deadline (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Each request's deadline (open orders, executions, ...; default 10 s). */
  readonly requestTimeoutMs?: number;
  readonly scheduler?: Scheduler;
  readonly onProblem?: (p: IbkrProblem) => void;
  readonly onInfo?: (level: 'info' | 'warn' | 'debug', msg: string) => void;
}

/** One message from TWS (an `error` or an `info` event of the SDK, whichever door it came through). */
export interface IbMessage {
  readonly code: number;
  /** The order or request id it concerns; -1 for none. */
  readonly id: number;
  readonly message: string;
  readonly kind: IbMessageKind;
}

export interface OpenOrderEvent {
  readonly orderId: number;
  readonly contract: unknown;
  readonly order: unknown;
  readonly orderState: unknown;
}

export interface OrderStatusEvent {
  readonly orderId: number;
  readonly status: unknown;
  readonly filled: unknown;
  readonly remaining: unknown;
  readonly avgFillPrice: unknown;
}

export interface ExecEvent {
  readonly reqId: number;
  readonly contract: unknown;
  readonly execution: unknown;
}

export interface OpenOrdersAnswer {
  readonly orders: readonly OpenOrderEvent[];
  /** The newest orderStatus per order id heard during the request. */
  readonly statuses: ReadonlyMap<number, OrderStatusEvent>;
}

export interface LinkHandlers {
  openOrder?(e: OpenOrderEvent): void;
  orderStatus?(e: OrderStatusEvent): void;
  execDetails?(e: ExecEvent): void;
  commissionReport?(c: unknown): void;
  /** A message about an order or a request (id >= 0), or any not handled as connection-level. */
  message?(m: IbMessage): void;
  /** The socket is up again (after a drop) or TWS's link to IB is back (1101 / 1102): resync. */
  restored?(why: string, dataLost: boolean): void;
  /** The link went down (socket closed, 1100, 2110). */
  lost?(why: string): void;
  /** Messages still waiting in the pacer when the socket dropped: never sent (nor replayed later). */
  unsent?(messages: readonly (readonly unknown[])[]): void;
}

/** Request ids live far above any order id this adapter allocates (TWS shares one id space in its messages). */
const FIRST_REQ_ID = 2_000_000_000;
/** The SDK's own pace (40 a second, in windows of 100 ms). */
const PACE_WINDOW_MS = 100;
const PACE_PER_WINDOW = 4;

export class IbkrLink {
  readonly api: IBApi;
  private readonly scheduler: Scheduler;
  private readonly handlers: LinkHandlers[] = [];
  private state: ConnectionState = 'disconnected';
  /** TWS's own link to IB (1100 / 2110 down, 1101 / 1102 back). */
  private ibLinkUp = true;
  private lastHeartbeat: number | null = null;
  private detail: string | undefined;
  private closed = false;
  private attempt = 0;
  private reconnectTimer: TimerHandle | null = null;
  private hungTimer: TimerHandle | null = null;
  private heartbeatTimer: TimerHandle | null = null;
  private nextReq = FIRST_REQ_ID;
  private managed: string[] = [];
  private nextValid: number | null = null;
  private everConnected = false;
  private waitingFirst: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private readonly reqListeners = new Map<number, (m: IbMessage) => void>();
  private pendingTime: Promise<number> | null = null;
  private pendingOpen: Promise<OpenOrdersAnswer> | null = null;
  private pendingPositions: Promise<{ account: string; contract: unknown; pos: number; avgCost: number | undefined }[]> | null = null;
  /** Messages of kind client-id-in-use / no-connection seen on this attempt (the first connect's error). */
  private lastFatal: string | null = null;
  private nextValidListeners: ((id: number) => void)[] = [];

  constructor(private readonly o: LinkOptions) {
    this.scheduler = o.scheduler ?? new WallScheduler();
    // Host and port always given: otherwise the SDK reads IB_HOST / IB_PORT from the environment or a .env.
    this.api = new IBApi({ host: o.host, port: o.port });
    const api = this.api;
    this.installPacer();
    api.on(EventName.connected, () => {
      this.beat();
      // The SDK leaves Nagle's algorithm on: a second small request written before TWS ACKs the
      // first waits for the ACK (up to 40 ms with delayed ACKs). Its socket is private; reached
      // guardedly, and nothing changes if a later SDK version moves it.
      const sock = (this.api as unknown as { controller?: { socket?: { client?: { setNoDelay?: (on: boolean) => unknown } } } }).controller?.socket?.client;
      if (typeof sock?.setNoDelay === 'function') sock.setNoDelay(true);
    });
    api.on(EventName.disconnected, () => this.onDisconnected());
    // The handshake's time names TWS's zone ("20260302 09:31:00 US/Eastern"): zone-less times it
    // writes later (executions) are in that zone.
    api.on(EventName.server, (_v: number, time: string) => {
      const zone = /\s([A-Za-z][A-Za-z0-9_+\-/]*)$/.exec(String(time ?? '').trim())?.[1];
      if (zone !== undefined && validZone(zone)) this.zone = zone;
    });
    api.on(EventName.managedAccounts, (list: string) => { this.managed = String(list).split(',').map((a) => a.trim()).filter((a) => a !== ''); });
    api.on(EventName.nextValidId, (id: number) => this.onNextValidId(id));
    api.on(EventName.currentTime, () => { this.beat(); });
    api.on(EventName.info, (message: string, code: number) => this.onMessage(code, -1, message));
    api.on(EventName.error, (err: Error, code: number, reqId: number) => this.onMessage(code, typeof reqId === 'number' ? reqId : -1, err instanceof Error ? err.message : String(err)));
    api.on(EventName.openOrder, (orderId: number, contract: Contract, order: Order, orderState: unknown) => {
      this.beat();
      for (const h of this.handlers) h.openOrder?.({ orderId, contract, order, orderState });
    });
    api.on(EventName.orderStatus, (orderId: number, status: unknown, filled: unknown, remaining: unknown, avgFillPrice: unknown) => {
      this.beat();
      for (const h of this.handlers) h.orderStatus?.({ orderId, status, filled, remaining, avgFillPrice });
    });
    api.on(EventName.execDetails, (reqId: number, contract: Contract, execution: Execution) => {
      this.beat();
      for (const h of this.handlers) h.execDetails?.({ reqId, contract, execution });
    });
    api.on(EventName.commissionReport, (c: unknown) => {
      this.beat();
      for (const h of this.handlers) h.commissionReport?.(c);
    });
  }

  /**
   * The SDK paces what it sends (40 messages a second) in a queue of its own that survives a drop
   * and is REPLAYED on the next socket, before any resync. Its pacer is replaced by this one (same
   * pace), whose queue is emptied when the socket drops: what had not left is handed to `unsent`
   * handlers (the execution client answers those orders as not sent). Reached guardedly: if a later
   * SDK moves its internals, its own pacer stays and this does nothing.
   */
  private installPacer(): void {
    const ctl = (this.api as unknown as { controller?: { rateLimiter?: unknown; socket?: { send?: (tokens: unknown[]) => void } } }).controller;
    if (ctl === undefined || typeof ctl.rateLimiter !== 'function' || ctl.socket === undefined || typeof ctl.socket.send !== 'function') return;
    const sock = ctl.socket;
    const send = (tokens: unknown[]): void => { sock.send!.call(sock, tokens); };
    ctl.rateLimiter = (tokens: unknown[]): void => {
      // The heartbeat (reqCurrentTime, 49) goes first: behind a burst of orders it would time out
      // and a live TWS be taken for dead.
      if (Number((tokens as unknown[]).flat(4)[0]) === 49) this.paced.unshift(tokens);
      else this.paced.push(tokens);
      this.pump(send);
    };
  }

  private readonly paced: unknown[][] = [];
  private readonly sentAt: number[] = [];
  private pumpTimer: TimerHandle | null = null;

  private pump(send: (tokens: unknown[]) => void): void {
    const now = this.scheduler.now();
    while (this.sentAt.length > 0 && now - this.sentAt[0]! >= PACE_WINDOW_MS) this.sentAt.shift();
    while (this.paced.length > 0 && this.sentAt.length < PACE_PER_WINDOW) {
      this.sentAt.push(now);
      send(this.paced.shift()!);
    }
    if (this.paced.length > 0 && this.pumpTimer === null) {
      const wait = Math.max(1, PACE_WINDOW_MS - (now - this.sentAt[0]!));
      this.pumpTimer = this.scheduler.after(wait, () => { this.pumpTimer = null; this.pump(send); });
    }
  }

  on(h: LinkHandlers): void {
    this.handlers.push(h);
  }

  /** TWS's time zone as its handshake named it (null before, or when it named none Intl knows). */
  get twsZone(): string | null {
    return this.zone;
  }

  private zone: string | null = null;

  get managedAccounts(): readonly string[] {
    return this.managed;
  }

  get clientId(): number {
    return this.o.clientId;
  }

  get port(): number {
    return this.o.port;
  }

  /** The nextValidId TWS sent on the latest connect (null before). */
  get nextValidId(): number | null {
    return this.nextValid;
  }

  onNextValid(fn: (id: number) => void): void {
    this.nextValidListeners.push(fn);
  }

  /** Connected to TWS and TWS connected to IB: orders may go out. */
  canSend(): boolean {
    return this.state === 'connected' && this.api.isConnected && this.ibLinkUp;
  }

  /** The socket is up (requests may go out even while TWS's link to IB is down). */
  socketUp(): boolean {
    return this.state === 'connected' && this.api.isConnected;
  }

  status(): ConnectionStatus {
    const age = this.lastHeartbeat === null ? null : Math.max(0, this.scheduler.now() - this.lastHeartbeat);
    const parts = [this.detail, age === null ? undefined : `heartbeat ${Math.round(age / 1000)} s ago`].filter((x): x is string => x !== undefined);
    const state: ConnectionState = this.state === 'connected' && !this.ibLinkUp ? 'connecting' : this.state;
    return { state, lastHeartbeat: this.lastHeartbeat, ...(parts.length > 0 ? { detail: parts.join('; ') } : {}) };
  }

  /** First connect: resolves on nextValidId; rejects with the remedy (502, 326, a timeout). */
  open(): Promise<void> {
    this.closed = false;
    const ms = this.o.connectTimeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      const t = this.scheduler.after(ms, () => {
        this.waitingFirst = null;
        this.api.disconnect();
        reject(new IbkrConnectionError(this.lastFatal ?? `no answer from TWS / IB Gateway at ${this.o.host}:${this.o.port} within ${ms} ms: is it running, and is the API enabled (Configure > API > Settings: "Enable ActiveX and Socket Clients")?`));
      });
      this.waitingFirst = {
        resolve: () => { t.cancel(); resolve(); },
        reject: (e) => { t.cancel(); reject(e); },
      };
      this.state = 'connecting';
      this.detail = `connecting to ${this.o.host}:${this.o.port} as client ${this.o.clientId}`;
      this.api.connect(this.o.clientId);
    });
  }

  close(): void {
    this.closed = true;
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
    this.hungTimer?.cancel();
    this.hungTimer = null;
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
    this.state = 'disconnected';
    this.detail = 'closed';
    try { this.api.disconnect(); } catch { /* already down */ }
  }

  /** Drop the socket as if the network had (tests, a heartbeat that timed out). Reconnects by itself. */
  drop(why: string): void {
    this.detail = why;
    try { this.api.disconnect(); } catch { /* already down */ }
  }

  newReqId(): number {
    const id = this.nextReq++;
    if (this.nextReq >= 2_147_483_000) this.nextReq = FIRST_REQ_ID;
    return id;
  }

  /** Messages for one request id (history, market data); returns the unsubscribe. */
  listen(reqId: number, fn: (m: IbMessage) => void): () => void {
    this.reqListeners.set(reqId, fn);
    return () => { this.reqListeners.delete(reqId); };
  }

  // ---------- requests ----------

  /** TWS's clock (epoch ms). Raced against the request timeout: a half-open socket never answers. */
  currentTime(timeoutMs = this.o.requestTimeoutMs ?? 10_000): Promise<number> {
    if (this.pendingTime !== null) return this.pendingTime;
    const p = this.request<number>('reqCurrentTime', timeoutMs, (done) => {
      const on = (t: number): void => done(Number(t) * 1000);
      this.api.on(EventName.currentTime, on);
      this.api.reqCurrentTime();
      return () => { this.api.off(EventName.currentTime, on); };
    });
    this.pendingTime = p;
    const clear = (): void => { if (this.pendingTime === p) this.pendingTime = null; };
    p.then(clear, clear);
    return p;
  }

  /** reqOpenOrders: this client's working orders (openOrder ... openOrderEnd), coalesced. */
  openOrders(): Promise<OpenOrdersAnswer> {
    if (this.pendingOpen !== null) return this.pendingOpen;
    const p = this.request<OpenOrdersAnswer>('reqOpenOrders', this.o.requestTimeoutMs ?? 10_000, (done) => {
      const orders: OpenOrderEvent[] = [];
      const statuses = new Map<number, OrderStatusEvent>();
      const h: LinkHandlers = {
        openOrder: (e) => orders.push(e),
        orderStatus: (e) => statuses.set(e.orderId, e),
      };
      this.handlers.push(h);
      const end = (): void => done({ orders, statuses });
      this.api.on(EventName.openOrderEnd, end);
      this.api.reqOpenOrders();
      return () => {
        this.api.off(EventName.openOrderEnd, end);
        const i = this.handlers.indexOf(h);
        if (i >= 0) this.handlers.splice(i, 1);
      };
    });
    this.pendingOpen = p;
    const clear = (): void => { if (this.pendingOpen === p) this.pendingOpen = null; };
    p.then(clear, clear);
    return p;
  }

  /** reqExecutions: today's executions matching the filter (execDetails ... execDetailsEnd). */
  executions(filter: { clientId?: string; acctCode?: string; time?: string }): Promise<ExecEvent[]> {
    const reqId = this.newReqId();
    return this.request<ExecEvent[]>('reqExecutions', this.o.requestTimeoutMs ?? 10_000, (done, fail) => {
      const got: ExecEvent[] = [];
      const h: LinkHandlers = { execDetails: (e) => { if (e.reqId === reqId) got.push(e); } };
      this.handlers.push(h);
      const end = (id: number): void => { if (id === reqId) done(got); };
      this.api.on(EventName.execDetailsEnd, end);
      const unlisten = this.listen(reqId, (m) => fail(new IbkrApiError(m.code, m.id, describeMessage(m.code, m.message))));
      this.api.reqExecutions(reqId, filter);
      return () => {
        this.api.off(EventName.execDetailsEnd, end);
        unlisten();
        const i = this.handlers.indexOf(h);
        if (i >= 0) this.handlers.splice(i, 1);
      };
    });
  }

  /**
   * reqCompletedOrders(apiOnly): orders that ended today (filled, cancelled, inactive) with their
   * orderRef, coalesced. null when the server does not know the request (321: an old TWS, or
   * `parity venue --protocol tws`), decided once and remembered.
   */
  completedOrders(): Promise<OpenOrderEvent[] | null> {
    if (this.completedUnsupported) return Promise.resolve(null);
    if (this.pendingCompleted !== null) return this.pendingCompleted;
    const p = this.request<OpenOrderEvent[] | null>('reqCompletedOrders', this.o.requestTimeoutMs ?? 10_000, (done) => {
      const got: OpenOrderEvent[] = [];
      const on = (contract: Contract, order: Order, orderState: unknown): void => {
        got.push({ orderId: typeof order.orderId === 'number' ? order.orderId : -1, contract, order, orderState });
      };
      const end = (): void => done(got);
      const h: LinkHandlers = {
        message: (m) => {
          if (m.code === 321 && m.id <= 0) {
            this.completedUnsupported = true;
            this.info('info', `TWS does not answer reqCompletedOrders (${m.message}): an order that ended unfilled is known only while TWS still works it`);
            done(null);
          }
        },
      };
      this.handlers.push(h);
      this.api.on(EventName.completedOrder, on);
      this.api.on(EventName.completedOrdersEnd, end);
      this.api.reqCompletedOrders(true);
      return () => {
        this.api.off(EventName.completedOrder, on);
        this.api.off(EventName.completedOrdersEnd, end);
        const i = this.handlers.indexOf(h);
        if (i >= 0) this.handlers.splice(i, 1);
      };
    });
    this.pendingCompleted = p;
    const clear = (): void => { if (this.pendingCompleted === p) this.pendingCompleted = null; };
    p.then(clear, clear);
    return p;
  }

  private completedUnsupported = false;
  private pendingCompleted: Promise<OpenOrderEvent[] | null> | null = null;

  /** reqContractDetails: every contract TWS matches (none: 200, rejected with its message). */
  contractDetails(contract: Contract): Promise<unknown[]> {
    const reqId = this.newReqId();
    return this.request<unknown[]>('reqContractDetails', this.o.requestTimeoutMs ?? 10_000, (done, fail) => {
      const got: unknown[] = [];
      const on = (id: number, d: unknown): void => { if (id === reqId) got.push(d); };
      const end = (id: number): void => { if (id === reqId) done(got); };
      this.api.on(EventName.contractDetails, on);
      this.api.on(EventName.contractDetailsEnd, end);
      const unlisten = this.listen(reqId, (m) => fail(new IbkrApiError(m.code, m.id, describeMessage(m.code, m.message), m.message)));
      this.api.reqContractDetails(reqId, contract);
      return () => {
        this.api.off(EventName.contractDetails, on);
        this.api.off(EventName.contractDetailsEnd, end);
        unlisten();
      };
    });
  }

  /** reqPositions (position ... positionEnd), coalesced; cancelPositions after. */
  positions(): Promise<{ account: string; contract: unknown; pos: number; avgCost: number | undefined }[]> {
    if (this.pendingPositions !== null) return this.pendingPositions;
    const p = this.request<{ account: string; contract: unknown; pos: number; avgCost: number | undefined }[]>('reqPositions', this.o.requestTimeoutMs ?? 10_000, (done) => {
      const got: { account: string; contract: unknown; pos: number; avgCost: number | undefined }[] = [];
      const on = (account: string, contract: Contract, pos: number, avgCost?: number): void => { got.push({ account, contract, pos: Number(pos), avgCost }); };
      const end = (): void => done(got);
      this.api.on(EventName.position, on);
      this.api.on(EventName.positionEnd, end);
      this.api.reqPositions();
      return () => {
        this.api.off(EventName.position, on);
        this.api.off(EventName.positionEnd, end);
        if (this.socketUp()) this.api.cancelPositions();
      };
    });
    this.pendingPositions = p;
    const clear = (): void => { if (this.pendingPositions === p) this.pendingPositions = null; };
    p.then(clear, clear);
    return p;
  }

  /** reqAccountSummary for the tags given: tag -> { value, currency } per account. */
  accountSummary(tags: readonly string[]): Promise<Map<string, Map<string, { value: string; currency: string }>>> {
    const reqId = this.newReqId();
    return this.request('reqAccountSummary', this.o.requestTimeoutMs ?? 10_000, (done, fail) => {
      const got = new Map<string, Map<string, { value: string; currency: string }>>();
      const on = (id: number, account: string, tag: string, value: string, currency: string): void => {
        if (id !== reqId) return;
        const m = got.get(account) ?? new Map<string, { value: string; currency: string }>();
        m.set(tag, { value: String(value), currency: String(currency ?? '') });
        got.set(account, m);
      };
      const end = (id: number): void => { if (id === reqId) done(got); };
      this.api.on(EventName.accountSummary, on);
      this.api.on(EventName.accountSummaryEnd, end);
      const unlisten = this.listen(reqId, (m) => fail(new IbkrApiError(m.code, m.id, describeMessage(m.code, m.message))));
      this.api.reqAccountSummary(reqId, 'All', tags.join(','));
      return () => {
        this.api.off(EventName.accountSummary, on);
        this.api.off(EventName.accountSummaryEnd, end);
        unlisten();
        if (this.socketUp()) this.api.cancelAccountSummary(reqId);
      };
    });
  }

  /**
   * One request whose answer is a stream of events: refused at once while the socket is down (the
   * SDK would queue it for the next connect), failed when the socket drops or the deadline passes.
   */
  private request<T>(what: string, timeoutMs: number, start: (done: (v: T) => void, fail: (e: Error) => void) => () => void): Promise<T> {
    if (!this.socketUp()) return Promise.reject(new IbkrConnectionError(`${what}: not connected to TWS / IB Gateway at ${this.o.host}:${this.o.port}`));
    return new Promise<T>((resolve, reject) => {
      let cleanup: (() => void) | null = null;
      let settled = false;
      const finish = (f: () => void): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        const i = this.dropWaiters.indexOf(onDrop);
        if (i >= 0) this.dropWaiters.splice(i, 1);
        cleanup?.();
        f();
      };
      const onDrop = (): void => finish(() => reject(new IbkrConnectionError(`${what}: the connection to TWS dropped before the answer`)));
      const timer = this.scheduler.after(timeoutMs, () => finish(() => reject(new IbkrConnectionError(`${what}: no answer from TWS within ${timeoutMs} ms`))));
      this.dropWaiters.push(onDrop);
      cleanup = start((v) => finish(() => resolve(v)), (e) => finish(() => reject(e)));
      if (settled) cleanup();
    });
  }

  private readonly dropWaiters: (() => void)[] = [];

  /** `fn` once when the socket drops (a request of its own, such as history, fails then); returns the unsubscribe. */
  onceDropped(fn: () => void): () => void {
    const w = (): void => { off(); fn(); };
    const off = (): void => { const i = this.dropWaiters.indexOf(w); if (i >= 0) this.dropWaiters.splice(i, 1); };
    this.dropWaiters.push(w);
    return off;
  }

  // ---------- connection events ----------

  private onNextValidId(id: number): void {
    this.beat();
    this.hungTimer?.cancel();
    this.hungTimer = null;
    this.nextValid = id;
    for (const fn of this.nextValidListeners) fn(id);
    const wasUp = this.state === 'connected';
    // A new connection starts with TWS linked to IB: TWS does not replay 1101 / 1102 to a new API
    // client, so an 1100 heard on the old socket must not keep orders refused forever.
    if (!wasUp) this.ibLinkUp = true;
    this.state = 'connected';
    this.attempt = 0;
    this.detail = `connected to ${this.o.host}:${this.o.port} as client ${this.o.clientId}`;
    this.lastFatal = null;
    this.startHeartbeat();
    if (this.waitingFirst !== null) {
      const w = this.waitingFirst;
      this.waitingFirst = null;
      this.everConnected = true;
      w.resolve();
      return;
    }
    // A later nextValidId on a live socket is the answer to reqIds, not a reconnect.
    if (!wasUp && this.everConnected) {
      this.info('info', `reconnected to TWS at ${this.o.host}:${this.o.port} as client ${this.o.clientId}: requesting executions and open orders`);
      for (const h of this.handlers) h.restored?.('the socket to TWS reconnected', true);
    }
  }

  private onDisconnected(): void {
    const wasUp = this.state === 'connected';
    this.state = this.closed ? 'disconnected' : 'connecting';
    this.pumpTimer?.cancel();
    this.pumpTimer = null;
    const unsent = this.paced.splice(0);
    if (unsent.length > 0) for (const h of this.handlers) h.unsent?.(unsent);
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
    for (const w of [...this.dropWaiters]) w();
    if (this.closed) return;
    if (this.waitingFirst !== null) {
      const w = this.waitingFirst;
      this.waitingFirst = null;
      this.state = 'disconnected';
      w.reject(new IbkrConnectionError(this.lastFatal ?? `TWS / IB Gateway at ${this.o.host}:${this.o.port} closed the connection during the handshake: check the API settings (trusted IPs, "Enable ActiveX and Socket Clients") and the client id`));
      return;
    }
    if (wasUp) {
      this.info('warn', `the connection to TWS at ${this.o.host}:${this.o.port} dropped${this.detail !== undefined ? ` (${this.detail})` : ''}: new orders are refused until it is back`);
      for (const h of this.handlers) h.lost?.('the socket to TWS closed');
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== null) return;
    const delay = backoffDelay(this.attempt, {
      initialMs: this.o.reconnectInitialMs ?? 1000, maxMs: this.o.reconnectMaxMs ?? 30_000,
      ...(this.o.random !== undefined ? { random: this.o.random } : {}),
    });
    this.attempt++;
    this.detail = `reconnecting in ${delay} ms (attempt ${this.attempt})${this.lastFatal !== null ? `: ${this.lastFatal}` : ''}`;
    this.reconnectTimer = this.scheduler.after(delay, () => {
      this.reconnectTimer = null;
      if (this.closed) return;
      this.state = 'connecting';
      this.api.connect(this.o.clientId);
      // No answer at all (a socket that connects and then hangs): try again.
      this.hungTimer?.cancel();
      this.hungTimer = this.scheduler.after(this.o.connectTimeoutMs ?? 10_000, () => {
        this.hungTimer = null;
        if (this.state !== 'connected' && !this.closed && this.reconnectTimer === null) {
          try { this.api.disconnect(); } catch { /* down */ }
          this.scheduleReconnect();
        }
      });
    });
  }

  private startHeartbeat(): void {
    this.heartbeatTimer?.cancel();
    this.heartbeatTimer = null;
    const every = this.o.heartbeatMs ?? 10_000;
    if (every <= 0) return;
    const timeout = this.o.heartbeatTimeoutMs ?? 5000;
    this.heartbeatTimer = this.scheduler.every(every, () => {
      if (!this.socketUp()) return;
      this.currentTime(timeout).catch((err: unknown) => {
        if (!this.socketUp() || this.closed) return;
        this.problem(new IbkrConnectionError(`heartbeat: ${err instanceof Error ? err.message : String(err)}; treating the socket as dead and reconnecting`));
        this.drop('heartbeat timed out');
      });
    });
  }

  private onMessage(code: number, id: number, message: string): void {
    const rule = ruleOf(code);
    const m: IbMessage = { code, id, message, kind: rule.kind };
    const line = describeMessage(code, message);
    switch (rule.kind) {
      case 'link-lost':
        this.ibLinkUp = false;
        this.info('warn', line);
        for (const h of this.handlers) h.lost?.(`TWS ${code}`);
        return;
      case 'link-restored-data-lost':
      case 'link-restored-data-kept':
        this.ibLinkUp = true;
        this.info(rule.level === 'warn' ? 'warn' : 'info', line);
        for (const h of this.handlers) h.restored?.(`TWS ${code}`, rule.kind === 'link-restored-data-lost');
        return;
      case 'farm-broken':
        this.info('warn', line);
        return;
      case 'farm-ok':
        this.info('debug', line);
        return;
      case 'client-id-in-use':
        this.lastFatal = `TWS ${code}: client id ${this.o.clientId} is already in use: another program (or another parity) is connected with it; stop it, or pass another --ib-client-id (orders placed under the old id can then no longer be canceled from here)`;
        this.problem(new IbkrApiError(code, id, this.lastFatal));
        return;
      case 'no-connection':
        if (id < 0 || this.reqListeners.get(id) === undefined) {
          const why = code === 502
            ? `cannot connect to TWS / IB Gateway at ${this.o.host}:${this.o.port} (${message}): start TWS or IB Gateway, enable "ActiveX and Socket Clients" (Configure > API > Settings), check --ib-port and add 127.0.0.1 to the trusted IPs`
            : `not connected to TWS / IB Gateway (${message}): parity reconnects by itself`;
          this.lastFatal = why;
          if (this.waitingFirst === null) this.problem(new IbkrConnectionError(why));
          if (code === 502 && this.waitingFirst !== null) {
            const w = this.waitingFirst;
            this.waitingFirst = null;
            this.state = 'disconnected';
            w.reject(new IbkrConnectionError(why));
          }
          return;
        }
        break;
      default:
        break;
    }
    const listener = id >= 0 ? this.reqListeners.get(id) : undefined;
    if (listener !== undefined) { listener(m); return; }
    for (const h of this.handlers) h.message?.(m);
  }

  private beat(): void {
    this.lastHeartbeat = this.scheduler.now();
  }

  private info(level: 'info' | 'warn' | 'debug', msg: string): void {
    this.o.onInfo?.(level, msg);
  }

  private problem(p: IbkrProblem): void {
    this.o.onProblem?.(p);
  }
}

export { IbkrProtocolError };

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
