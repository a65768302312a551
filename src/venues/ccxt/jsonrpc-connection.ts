/**
 * Deribit's order connection: a JSON-RPC 2.0 websocket of parity's own, because Deribit's
 * cancel-on-disconnect (private/enable_cancel_on_disconnect, scope connection) exists only on a
 * websocket and covers only the orders made on that connection, while ccxt places orders over REST
 * and its websocket client cannot send arbitrary JSON-RPC. Orders go here (private/buy, sell,
 * edit, cancel) and come back as ccxt's unified order (`exchange.parseOrder`), so the adapter
 * reads them as it reads ccxt's; refusals become ccxt's own error classes (ccxt's table of
 * Deribit codes), so its `instanceof` checks hold.
 *
 * The link: public/auth (client_signature: hex HMAC-SHA256 of `${timestamp}\n${nonce}\n${data}`),
 * public/set_heartbeat (the venue's test_request is answered with public/test), and a watchdog of
 * ours: after one interval with nothing heard it sends public/test, after three it takes the link
 * for dead and closes it (a half-open socket the venue may already have dropped). A dropped link rejects what is in flight with
 * ccxt.NetworkError (outcome unknown: the adapter asks by label) and tells `onClose` listeners (the
 * dead-man switch: the venue has cancelled the orders made on it). The next call dials again, logs
 * in and, when the switch was on, turns it on again before any order is sent.
 */
import { randomBytes, createHmac } from 'node:crypto';
import ccxt, { type Exchange } from 'ccxt';
import WebSocket from 'ws';
import { z } from 'zod';
import type { OrderGateway } from './execution.ts';
import type { ConnectionSwitch } from './dead-man.ts';
import { scrub } from '../../util/secrets.ts';

export interface JsonRpcConnectionOptions {
  /** wss://www.deribit.com/ws/api/v2, wss://test.deribit.com/ws/api/v2 or a fake's. */
  readonly url: string;
  readonly apiKey: string;
  readonly secret: string;
  /** The loaded ccxt instance: markets for ids and precision, parseOrder, the error table. */
  readonly exchange: Exchange;
  /** Deribit's heartbeat interval, seconds (its minimum is 10). */
  readonly heartbeatSec?: number;
  /** How long a request may wait for its answer (default 10 s, as ccxt's timeout). */
  readonly timeoutMs?: number;
  /** Wall ms per heartbeat second (1000; tests make it short, with a fake that does the same). */
  readonly heartbeatUnitMs?: number;
}

const Answer = z.looseObject({
  id: z.number().optional(),
  result: z.unknown().optional(),
  error: z.looseObject({ code: z.number(), message: z.string(), data: z.unknown().optional() }).optional(),
  method: z.string().optional(),
  params: z.looseObject({ type: z.string().optional() }).optional(),
});
const Placed = z.looseObject({ order: z.record(z.string(), z.unknown()) });
const OrderRow = z.record(z.string(), z.unknown());

const TIF: Record<string, string> = { GTC: 'good_til_cancelled', IOC: 'immediate_or_cancel', FOK: 'fill_or_kill', PO: 'good_til_cancelled' };

/** How far the venue's clock may be from ours before a refused login is put down to the clock (Deribit checks the auth timestamp). */
const CLOCK_TOLERANCE_MS = 10_000;

interface Pending { readonly resolve: (x: unknown) => void; readonly reject: (e: Error) => void; readonly timer: NodeJS.Timeout }

export class DeribitConnection implements OrderGateway, ConnectionSwitch {
  private ws: WebSocket | null = null;
  private opening: Promise<WebSocket> | null = null;
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly closeListeners = new Set<(why: string) => void>();
  /** The switch as the caller last set it: a new connection turns it on again before any order. */
  private wantCancelOnDisconnect = false;
  private closed = false;
  private lastHeard = 0;
  /** Why we cut the link ourselves (the watchdog), said instead of the socket's close code. */
  private cutWhy: string | null = null;
  private watchdog: NodeJS.Timeout | null = null;

  constructor(private readonly o: JsonRpcConnectionOptions) {}

  /** Called when the connection drops (not when we close it). Returns the unsubscribe. */
  onClose(cb: (why: string) => void): () => void {
    this.closeListeners.add(cb);
    return () => this.closeListeners.delete(cb);
  }

  /** Opens and logs in now (otherwise the first call does). */
  async connect(): Promise<void> {
    await this.link();
  }

  get connected(): boolean {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  // ---------- the order gateway ----------

  async createOrder(symbol: string, type: string, side: 'buy' | 'sell', amount: number, price?: number, params: Record<string, unknown> = {}): Promise<unknown> {
    const ex = this.o.exchange;
    const market = ex.market(symbol);
    const tif = typeof params['timeInForce'] === 'string' ? TIF[params['timeInForce'].toUpperCase()] : undefined;
    const req: Record<string, unknown> = {
      instrument_name: market.id, amount: Number(ex.amountToPrecision(symbol, amount)), type: type === 'market' ? 'market' : 'limit',
      ...(typeof params['label'] === 'string' ? { label: params['label'] } : {}),
      ...(type !== 'market' && price !== undefined ? { price: Number(ex.priceToPrecision(symbol, price)) } : {}),
      ...(tif !== undefined && tif !== 'good_til_cancelled' ? { time_in_force: tif } : {}),
      ...(params['reduceOnly'] === true || params['reduce_only'] === true ? { reduce_only: true } : {}),
      ...(params['postOnly'] === true || params['post_only'] === true ? { post_only: true, reject_post_only: true } : {}),
    };
    const r = Placed.parse(await this.request(side === 'buy' ? 'private/buy' : 'private/sell', req));
    return ex.parseOrder(r.order, market);
  }

  async cancelOrder(id: string, symbol?: string, _params: Record<string, unknown> = {}): Promise<unknown> {
    const ex = this.o.exchange;
    const r = OrderRow.parse(await this.request('private/cancel', { order_id: id }));
    return ex.parseOrder(r, symbol !== undefined ? ex.market(symbol) : undefined);
  }

  async editOrder(id: string, symbol: string, _type: string, _side: 'buy' | 'sell', amount?: number, price?: number, _params: Record<string, unknown> = {}): Promise<unknown> {
    const ex = this.o.exchange;
    if (amount === undefined) throw new ccxt.ArgumentsRequired('deribit private/edit needs the amount');
    const req = { order_id: id, amount: Number(ex.amountToPrecision(symbol, amount)), ...(price !== undefined ? { price: Number(ex.priceToPrecision(symbol, price)) } : {}) };
    const r = Placed.parse(await this.request('private/edit', req));
    return ex.parseOrder(r.order, ex.market(symbol));
  }

  // ---------- the dead-man switch ----------

  /** private/enable_cancel_on_disconnect, scope connection: answers {result: 'ok'}. */
  async enableCancelOnDisconnect(): Promise<unknown> {
    this.wantCancelOnDisconnect = true;
    return { result: await this.request('private/enable_cancel_on_disconnect', { scope: 'connection' }) };
  }

  async disableCancelOnDisconnect(): Promise<unknown> {
    this.wantCancelOnDisconnect = false;
    if (!this.connected) return { result: 'ok' };
    return { result: await this.request('private/disable_cancel_on_disconnect', { scope: 'connection' }) };
  }

  /** An orderly close: private/logout first (a graceful logout cancels nothing), then the socket. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const ws = this.ws;
    if (ws !== null && ws.readyState === WebSocket.OPEN) {
      await this.send(ws, 'private/logout', {}, 2000).catch(() => undefined);
      ws.close();
    }
    this.ws = null;
    if (this.watchdog !== null) clearInterval(this.watchdog);
    this.watchdog = null;
    this.failPending(new ccxt.NetworkError('deribit order connection closed by parity'));
  }

  // ---------- the link ----------

  /** One request on the (re)opened, logged-in link; the venue's refusal as ccxt's error class. */
  async request(method: string, params: Record<string, unknown>): Promise<unknown> {
    const ws = await this.link();
    return this.send(ws, method, params, this.o.timeoutMs ?? 10_000);
  }

  private send(ws: WebSocket, method: string, params: Record<string, unknown>, timeoutMs: number): Promise<unknown> {
    const id = ++this.seq;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ccxt.RequestTimeout(`deribit ${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      } catch (err) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new ccxt.NetworkError(`deribit ${method}: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  }

  private link(): Promise<WebSocket> {
    if (this.closed) return Promise.reject(new ccxt.NetworkError('deribit order connection is closed'));
    if (this.ws !== null && this.ws.readyState === WebSocket.OPEN) return Promise.resolve(this.ws);
    if (this.opening === null) {
      this.opening = this.dial().finally(() => { this.opening = null; });
    }
    return this.opening;
  }

  private async dial(): Promise<WebSocket> {
    const ws = new WebSocket(this.o.url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', (err) => reject(new ccxt.NetworkError(`deribit order connection to ${this.o.url}: ${err.message}`)));
    });
    ws.on('message', (raw) => this.onMessage(ws, raw.toString()));
    ws.on('error', () => undefined);
    ws.on('close', (code, reason) => {
      const why = this.cutWhy ?? `closed ${code}${reason.length > 0 ? ` ${reason.toString()}` : ''}`;
      this.cutWhy = null;
      this.onSocketClose(ws, why);
    });
    const timeoutMs = this.o.timeoutMs ?? 10_000;
    try {
      const timestamp = Date.now();
      const nonce = randomBytes(8).toString('hex');
      const data = '';
      const signature = createHmac('sha256', this.o.secret).update(`${timestamp}\n${nonce}\n${data}`).digest('hex');
      await this.send(ws, 'public/auth', { grant_type: 'client_signature', client_id: this.o.apiKey, timestamp, signature, nonce, data }, timeoutMs);
      await this.send(ws, 'public/set_heartbeat', { interval: Math.max(10, this.o.heartbeatSec ?? 10) }, timeoutMs);
      if (this.wantCancelOnDisconnect) await this.send(ws, 'private/enable_cancel_on_disconnect', { scope: 'connection' }, timeoutMs);
    } catch (err) {
      // A refused login may be our clock, not the keys (Deribit refuses a stale timestamp as 13004 invalid_credentials): the venue's time says which.
      const clock = err instanceof ccxt.AuthenticationError ? await this.clockRefusal(ws, err, timeoutMs) : null;
      ws.terminate();
      throw clock ?? err;
    }
    this.ws = ws;
    this.watch(ws);
    return ws;
  }

  /** The login's refusal as ccxt.InvalidNonce when the venue's clock (public/get_time, unsigned) is off ours by more than it allows; null when the clocks agree. */
  private async clockRefusal(ws: WebSocket, err: Error, timeoutMs: number): Promise<Error | null> {
    const sent = Date.now();
    const venue = await this.send(ws, 'public/get_time', {}, timeoutMs).catch(() => undefined);
    if (typeof venue !== 'number') return null;
    const offset = venue - (sent + Date.now()) / 2;
    if (Math.abs(offset) <= CLOCK_TOLERANCE_MS) return null;
    return new ccxt.InvalidNonce(`${err.message}: the venue's clock is ${Math.abs(offset / 1000).toFixed(1)} s ${offset > 0 ? 'ahead of' : 'behind'} this machine's, so the login's timestamp looked stale`);
  }

  /** Nothing heard for an interval: ask (public/test); for three: the link is dead, close it. */
  private watch(ws: WebSocket): void {
    if (this.watchdog !== null) clearInterval(this.watchdog);
    const intervalMs = Math.max(10, this.o.heartbeatSec ?? 10) * (this.o.heartbeatUnitMs ?? 1000);
    this.lastHeard = Date.now();
    const timer = setInterval(() => {
      if (this.ws !== ws) { clearInterval(timer); return; }
      const quiet = Date.now() - this.lastHeard;
      if (quiet >= 3 * intervalMs) {
        clearInterval(timer);
        this.cutWhy = `nothing heard from the venue for ${Math.round(quiet / 1000)} s`;
        ws.terminate();
      } else if (quiet >= intervalMs) {
        void this.send(ws, 'public/test', {}, intervalMs).catch(() => undefined);
      }
    }, intervalMs);
    timer.unref();
    this.watchdog = timer;
  }

  private onMessage(ws: WebSocket, text: string): void {
    if (ws === this.ws) this.lastHeard = Date.now();
    let raw: unknown;
    try { raw = JSON.parse(text); } catch { return; }
    const m = Answer.safeParse(raw);
    if (!m.success) return;
    const a = m.data;
    if (a.method === 'heartbeat') {
      // The venue asks for public/test; unanswered, it closes the connection.
      if (a.params?.type === 'test_request') void this.send(ws, 'public/test', {}, this.o.timeoutMs ?? 10_000).catch(() => undefined);
      return;
    }
    if (a.id === undefined) return;
    const p = this.pending.get(a.id);
    if (p === undefined) return;
    this.pending.delete(a.id);
    clearTimeout(p.timer);
    if (a.error !== undefined) p.reject(this.venueError(a.error));
    else p.resolve(a.result);
  }

  private onSocketClose(ws: WebSocket, why: string): void {
    if (this.ws === ws) {
      this.ws = null;
      if (this.watchdog !== null) clearInterval(this.watchdog);
      this.watchdog = null;
    }
    this.failPending(new ccxt.NetworkError(`deribit order connection ${why}: outcome of requests in flight unknown`));
    if (this.closed) return;
    for (const cb of this.closeListeners) cb(why);
  }

  private failPending(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(err);
    }
  }

  /**
   * The venue's error as ccxt files it (its table of Deribit codes: 10009 InsufficientFunds,
   * 10004 OrderNotFound, 11044 InvalidOrder, 10028 DDoSProtection, 13009 AuthenticationError ...),
   * the answer in the message as ccxt writes it, and the code on `venueCode`.
   */
  private venueError(e: { code: number; message: string; data?: unknown }): Error {
    // ccxt's deribit keeps its codes in a flat table (others under `exact`).
    const table = (this.o.exchange as unknown as { exceptions?: Record<string, unknown> }).exceptions ?? {};
    const exact = typeof table['exact'] === 'object' && table['exact'] !== null ? table['exact'] as Record<string, unknown> : {};
    const found = table[String(e.code)] ?? exact[String(e.code)];
    // A venue that echoes the request (client_id) in its error must not carry our keys into logs.
    const body = scrub(JSON.stringify({ jsonrpc: '2.0', error: e }), [this.o.secret, this.o.apiKey].filter((x) => x !== ''));
    const Cls = typeof found === 'function' ? found as new (m: string) => Error : ccxt.ExchangeError;
    const err = new Cls(`deribit ${body}`);
    return Object.assign(err, { venueCode: e.code });
  }
}
