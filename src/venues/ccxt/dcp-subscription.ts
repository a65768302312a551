/**
 * Bybit's Disconnection Protect needs a private websocket subscribed to a `dcp` topic (dcp.future
 * for derivatives): the venue fires it only once every such socket has been gone for the window
 * (order/disconnected-cancel-all's timeWindow). ccxt never subscribes to dcp, so this keeps the
 * subscription on the SAME ccxt instance's private socket the session's order stream rides: when
 * parity dies that socket goes, and the venue cancels. A dropped socket (ccxt rejects the pending
 * watch with NetworkError and forgets the client) is authenticated and subscribed again after
 * `retryMs`; the state says whether the switch can fire right now.
 *
 * It uses ccxt.pro.bybit's own private URL (getUrlByMarketType, with demo trading and {hostname}
 * filled in), its own `authenticate(url)`, and the generic `watch(url, messageHash, request,
 * subscribeHash, subscription)`; the subscription carries the request id so a refusal
 * ({success: false, req_id}) rejects our watch, and the acknowledgement ({success: true, op:
 * 'subscribe', req_id}) is read from ccxt's handleSubscriptionStatus, tapped on this instance.
 *
 * `stop()` unsubscribes (an orderly end: the session has shut down and wants no cancel), then
 * leaves the socket to the exchange's close.
 */
import ccxt, { type Exchange } from 'ccxt';

export type DcpState =
  | { readonly state: 'subscribing'; readonly detail?: string }
  | { readonly state: 'subscribed'; readonly since: number }
  | { readonly state: 'down'; readonly detail: string }
  | { readonly state: 'stopped' };

export interface DcpSubscriptionOptions {
  /** The session's ccxt.pro instance (the one whose private socket carries the order stream). */
  readonly exchange: Exchange;
  /** Bybit's dcp topics (dcp.future: DERIVATIVES; dcp.spot; dcp.option). */
  readonly topics: readonly string[];
  /** Wait before subscribing again after the socket dropped or the venue refused (default 1000 ms). */
  readonly retryMs?: number;
  readonly onState?: (s: DcpState) => void;
  readonly now?: () => number;
}

/** What this module calls on ccxt.pro.bybit (public methods of its class, not in ccxt's typings). */
interface BybitPro {
  getUrlByMarketType(symbol: string | undefined, isPrivate: boolean, method: string, params: Record<string, unknown>): Promise<string>;
  authenticate(url: string): Promise<unknown>;
  watch(url: string, messageHash: string, message: unknown, subscribeHash: string, subscription?: unknown): Promise<unknown>;
  requestId(): number;
  handleSubscriptionStatus(client: unknown, message: unknown): unknown;
  handleUnSubscribe(client: unknown, message: unknown): unknown;
  clients: Record<string, {
    send(msg: unknown): Promise<unknown>; subscriptions: Record<string, unknown>;
    future(hash: string): Promise<unknown>; resolve(result: unknown, hash: string): unknown;
  } | undefined>;
}

const HASH = 'parity:dcp';
/** How long an orderly end waits for the venue to acknowledge the unsubscribe. */
const UNSUBSCRIBE_WAIT_MS = 2000;

export class DcpSubscription {
  private st: DcpState = { state: 'subscribing' };
  private stopped = false;
  private pendingId: string | null = null;
  private pendingUnsubscribe: string | null = null;
  private url: string | null = null;
  private loop: Promise<void> | null = null;
  private readonly ex: BybitPro;
  private wake: (() => void) | null = null;
  private retry: (() => void) | null = null;

  constructor(private readonly o: DcpSubscriptionOptions) {
    this.ex = o.exchange as unknown as BybitPro;
    if (typeof this.ex.authenticate !== 'function' || typeof this.ex.getUrlByMarketType !== 'function') {
      throw new Error(`ccxt ${o.exchange.id} has no private websocket authenticate / getUrlByMarketType: the dcp subscription is for ccxt.pro.bybit`);
    }
    // The venue's acknowledgement of our subscription, read where ccxt reads every one.
    const orig = this.ex.handleSubscriptionStatus.bind(this.ex);
    this.ex.handleSubscriptionStatus = (client: unknown, message: unknown): unknown => {
      const m = message as { req_id?: unknown; success?: unknown };
      if (this.pendingId !== null && String(m.req_id) === this.pendingId && m.success === true) {
        this.pendingId = null;
        this.set({ state: 'subscribed', since: (this.o.now ?? Date.now)() });
      }
      return orig(client, message);
    };
    // The acknowledgement of our unsubscribe (ccxt routes it to handleUnSubscribe); a refusal rejects the request id's future in ccxt's error handling.
    const origUnsub = this.ex.handleUnSubscribe.bind(this.ex);
    this.ex.handleUnSubscribe = (client: unknown, message: unknown): unknown => {
      const m = message as { req_id?: unknown; success?: unknown };
      const id = this.pendingUnsubscribe;
      if (id !== null && String(m.req_id) === id && m.success === true) (client as { resolve(r: unknown, h: string): unknown }).resolve(message, id);
      return origUnsub(client, message);
    };
  }

  view(): DcpState {
    return this.st;
  }

  /** Subscribe now and keep it subscribed; resolves once the venue acknowledged it, or the first attempt failed (see view()). */
  async start(): Promise<void> {
    if (this.loop !== null) return;
    const first = new Promise<void>((res) => { this.wake = res; });
    this.loop = this.run();
    await Promise.race([first, this.loop]);
  }

  /**
   * Unsubscribe (an orderly end: no cancel wanted) and stop resubscribing. Rejects, after stopping,
   * when the venue may still fire: it refused or did not acknowledge the unsubscribe, or the
   * subscription was not up (the venue's window has been running since the socket went).
   */
  async stop(): Promise<void> {
    this.stopped = true;
    const c = this.url === null ? undefined : this.ex.clients[this.url];
    const was = this.st.state;
    let why: string | null = was === 'down' || was === 'subscribing' ? `the dcp subscription was ${was === 'down' ? 'down' : 'not acknowledged'} at the end` : null;
    if (c !== undefined && was === 'subscribed') {
      const id = String(this.ex.requestId());
      this.pendingUnsubscribe = id;
      const acked = c.future(id);
      await c.send({ op: 'unsubscribe', req_id: id, args: [...this.o.topics] }).catch(() => undefined);
      why = await Promise.race([
        acked.then(() => null, (err: unknown) => `the venue refused the dcp unsubscribe (${err instanceof Error ? err.message : String(err)})`),
        new Promise<string>((r) => { setTimeout(() => r('the venue did not acknowledge the dcp unsubscribe'), UNSUBSCRIBE_WAIT_MS).unref(); }),
      ]);
      this.pendingUnsubscribe = null;
      delete c.subscriptions[HASH];
    }
    this.set({ state: 'stopped' });
    this.retry?.();
    if (why !== null) throw new Error(`${why}: Bybit's Disconnection Protect may still cancel our derivatives orders once this session's socket is gone`);
  }

  private set(s: DcpState): void {
    this.st = s;
    this.o.onState?.(s);
    if (s.state !== 'subscribing') {
      this.wake?.();
      this.wake = null;
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const url = await this.ex.getUrlByMarketType(undefined, true, 'watchOrders', {});
        this.url = url;
        await this.ex.authenticate(url);
        if (this.stopped) return;
        const id = String(this.ex.requestId());
        this.pendingId = id;
        if (this.st.state !== 'subscribing') this.set({ state: 'subscribing' });
        // Never resolved by ccxt (it routes no dcp pushes): it settles when the socket drops or the venue refuses.
        await this.ex.watch(url, HASH, { op: 'subscribe', req_id: id, args: [...this.o.topics] }, HASH, { id, topics: [...this.o.topics] });
      } catch (err) {
        this.pendingId = null;
        // The exchange was closed under us (the session's end): nothing to keep up.
        if (err instanceof ccxt.ExchangeClosedByUser) {
          this.stopped = true;
          this.set({ state: 'stopped' });
        }
        if (this.stopped) return;
        this.set({ state: 'down', detail: `the dcp subscription is down (${err instanceof Error ? err.message : String(err)}): Disconnection Protect cannot fire until it is back` });
        await new Promise<void>((r) => { this.retry = r; setTimeout(r, this.o.retryMs ?? 1000).unref(); });
        this.retry = null;
      }
    }
  }
}
