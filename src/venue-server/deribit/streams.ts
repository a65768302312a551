/**
 * The Deribit fake's websocket, /ws/api/v2: JSON-RPC 2.0 requests answered with {jsonrpc, id,
 * result | error, usIn, usOut, usDiff, testnet}, the same methods as REST (venue.ts), plus what only
 * a connection has: public/auth (then private calls on it), public/subscribe and private/subscribe
 * (notifications {method: 'subscription', params: {channel, data}}), public/set_heartbeat (a
 * `heartbeat` notification every interval, a `test_request` one asking for public/test; a
 * connection that does not answer one by the next is closed), and cancel-on-disconnect: when a
 * connection with it on closes (not after private/logout), every order placed on it is cancelled.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Bar } from '../../domain/market.ts';
import type { BookEvent } from '../okx/book.ts';
import type { OkxFill, OkxOrder } from '../okx/book.ts';
import type { FaultState } from '../okx/faults.ts';
import { E, rpcError, type RpcError } from './errors.ts';
import { checkWsAuth, type Credentials } from './signing.ts';
import { CCY, type DeribitVenue } from './venue.ts';

interface Conn {
  readonly id: string;
  readonly ws: WebSocket;
  authed: boolean;
  cod: boolean;
  loggedOut: boolean;
  placed: boolean;
  readonly subs: Set<string>;
  heartbeat: NodeJS.Timeout | null;
  awaitingTest: boolean;
  /** The stall fault: the venue stops answering and sending on this socket (a half-open link). */
  stalled: boolean;
}

export interface StreamDeps {
  readonly venue: DeribitVenue;
  readonly faults: FaultState;
  readonly creds: Credentials;
  readonly testnet: boolean;
  /** Wall ms per second of a set_heartbeat interval (1000; tests make it short). */
  readonly heartbeatUnitMs: number;
  readonly log: (line: string) => void;
}

const ORDER_METHODS = new Set(['private/buy', 'private/sell', 'private/edit', 'private/cancel']);

export class DeribitStreams {
  readonly conns = new Map<string, Conn>();
  private readonly wss = new WebSocketServer({ noServer: true });
  /** Account-scope cancel-on-disconnect: every new connection starts with it on. */
  accountCod = false;
  private tradeSeq = 0;
  /** The book tells of a new order before the venue knows its label: held until it does. */
  private readonly held = new Map<string, OkxOrder>();

  constructor(private readonly d: StreamDeps) {
    d.venue.hooks = {
      setCancelOnDisconnect: (connId, on, scope) => {
        if (scope === 'account') {
          this.accountCod = on;
          for (const c of this.conns.values()) c.cod = on;
        } else {
          const c = this.conns.get(connId);
          if (c !== undefined) c.cod = on;
        }
      },
      cancelOnDisconnect: (connId) => this.conns.get(connId)?.cod === true,
      logout: (connId) => {
        const c = this.conns.get(connId);
        if (c === undefined) return;
        c.loggedOut = true;
        // Deribit closes the connection after a logout; a graceful logout cancels nothing.
        setTimeout(() => c.ws.close(1000, 'logout'), 10);
      },
    };
    d.venue.onFills = (fills) => this.publishFills(fills);
    d.venue.onPlaced = (ordId) => {
      const o = this.held.get(ordId);
      this.held.delete(ordId);
      if (o !== undefined) this.onBookEvent({ kind: 'order', order: o });
    };
  }

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname !== '/ws/api/v2' && url.pathname !== '/ws/api/v2/') {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
    });
  }

  /** Cut sockets as a network drop would: every logged-in one, those with subscriptions, or those that placed orders. */
  drop(which: 'private' | 'streams' | 'orders'): number {
    let n = 0;
    for (const c of this.conns.values()) {
      const hit = which === 'private' ? c.authed : which === 'streams' ? c.subs.size > 0 : c.placed;
      if (hit) { c.ws.terminate(); n++; }
    }
    return n;
  }

  /** The stall fault on the sockets that placed orders: open, but the venue says nothing on them any more. */
  stallOrderEntry(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.placed) { c.stalled = true; n++; }
    return n;
  }

  close(): void {
    for (const c of this.conns.values()) c.ws.terminate();
    this.wss.close();
  }

  private onConnection(ws: WebSocket): void {
    const c: Conn = { id: randomUUID(), ws, authed: false, cod: this.accountCod, loggedOut: false, placed: false, subs: new Set(), heartbeat: null, awaitingTest: false, stalled: false };
    this.conns.set(c.id, c);
    ws.on('message', (raw) => { void this.onMessage(c, raw.toString()); });
    ws.on('close', () => this.onClose(c));
    ws.on('error', () => undefined);
  }

  private onClose(c: Conn): void {
    if (!this.conns.delete(c.id)) return;
    if (c.heartbeat !== null) clearInterval(c.heartbeat);
    if (c.cod && !c.loggedOut) {
      const canceled = this.d.venue.cancelPlacedBy(c.id);
      this.d.log(`cancel-on-disconnect: connection closed, cancelled ${canceled.length} order(s) placed on it`);
    }
  }

  private send(c: Conn, msg: unknown): void {
    if (!c.stalled && c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(msg));
  }

  private answer(c: Conn, id: unknown, usIn: number, body: { result: unknown } | { error: RpcError }): void {
    const usOut = Date.now() * 1000;
    this.send(c, { jsonrpc: '2.0', ...(id !== undefined ? { id } : {}), ...body, usIn, usOut, usDiff: usOut - usIn, testnet: this.d.testnet });
  }

  private async onMessage(c: Conn, text: string): Promise<void> {
    if (c.stalled) return;
    const usIn = Date.now() * 1000;
    let msg: unknown;
    try { msg = JSON.parse(text); } catch { this.answer(c, null, usIn, { error: rpcError(-32700, 'Parse error') }); return; }
    if (typeof msg !== 'object' || msg === null) { this.answer(c, null, usIn, { error: rpcError(-32600, 'Invalid Request') }); return; }
    const m = msg as Record<string, unknown>;
    const id = m['id'];
    const method = typeof m['method'] === 'string' ? m['method'] : '';
    const params = (typeof m['params'] === 'object' && m['params'] !== null ? m['params'] : {}) as Record<string, unknown>;
    const fail = this.d.faults.takeHttpFailure();
    if (fail !== null && method.startsWith('private/')) {
      this.answer(c, id, usIn, { error: fail.status === 429 ? rpcError(E.tooManyRequests) : rpcError(11_094, 'internal_server_error (injected fault)') });
      return;
    }
    switch (method) {
      case 'public/auth': {
        const e = checkWsAuth(this.d.creds, params, Date.now());
        if (e !== null) { this.answer(c, id, usIn, { error: e }); return; }
        c.authed = true;
        this.answer(c, id, usIn, { result: { access_token: `fake-${c.id}`, refresh_token: `fake-r-${c.id}`, expires_in: 31_536_000, scope: 'connection mainaccount trade:read_write wallet:read account:read', token_type: 'bearer', enabled_features: [] } });
        return;
      }
      case 'public/set_heartbeat': {
        const interval = Number(params['interval']);
        if (!(interval >= 10)) { this.answer(c, id, usIn, { error: rpcError(E.invalidParams, 'interval must be at least 10 (seconds)') }); return; }
        if (c.heartbeat !== null) clearInterval(c.heartbeat);
        c.heartbeat = setInterval(() => this.beat(c), interval * this.d.heartbeatUnitMs);
        this.answer(c, id, usIn, { result: 'ok' });
        return;
      }
      case 'public/disable_heartbeat':
        if (c.heartbeat !== null) clearInterval(c.heartbeat);
        c.heartbeat = null;
        this.answer(c, id, usIn, { result: 'ok' });
        return;
      case 'public/test':
        c.awaitingTest = false;
        this.answer(c, id, usIn, { result: { version: '1.2.26' } });
        return;
      case 'public/subscribe':
      case 'private/subscribe': {
        if (method === 'private/subscribe' && !c.authed) { this.answer(c, id, usIn, { error: rpcError(E.unauthorized) }); return; }
        const channels = Array.isArray(params['channels']) ? params['channels'].filter((x): x is string => typeof x === 'string') : [];
        const accepted = channels.filter((ch) => method === 'private/subscribe' || !ch.startsWith('user.'));
        for (const ch of accepted) c.subs.add(ch);
        this.answer(c, id, usIn, { result: accepted });
        return;
      }
      case 'public/unsubscribe':
      case 'private/unsubscribe': {
        const channels = Array.isArray(params['channels']) ? params['channels'].filter((x): x is string => typeof x === 'string') : [];
        for (const ch of channels) c.subs.delete(ch);
        this.answer(c, id, usIn, { result: channels });
        return;
      }
      default: {
        const delay = ORDER_METHODS.has(method) ? this.d.faults.takeAckDelay() : 0;
        const r = this.d.venue.call(method, params, { connId: c.id, authed: c.authed });
        if (r.ok && (method === 'private/buy' || method === 'private/sell')) c.placed = true;
        if (delay > 0) await new Promise((res) => setTimeout(res, delay));
        this.answer(c, id, usIn, r.ok ? { result: r.result } : { error: r.error });
      }
    }
  }

  private beat(c: Conn): void {
    if (c.stalled) return;
    if (c.awaitingTest) {
      this.d.log('heartbeat: no public/test answer to the last test_request: closing the connection');
      c.ws.terminate();
      return;
    }
    c.awaitingTest = true;
    this.send(c, { jsonrpc: '2.0', method: 'heartbeat', params: { type: 'test_request' } });
  }

  // ---------- notifications ----------

  private notify(channel: (ch: string) => boolean, data: (ch: string) => unknown): void {
    for (const c of this.conns.values()) for (const ch of c.subs) if (channel(ch)) this.send(c, { jsonrpc: '2.0', method: 'subscription', params: { channel: ch, data: data(ch) } });
  }

  /** user.orders.{kind|instrument}.{currency}.{interval} (raw: one order; else an array). */
  private userChannel(kind: 'orders' | 'trades', ch: string, instrument: string): boolean {
    const p = ch.split('.');
    if (p[0] !== 'user' || p[1] !== kind) return false;
    if (p.length === 5) return (p[2] === 'any' || p[2] === 'future') && (p[3] === 'any' || p[3] === CCY || instrument.startsWith(`${p[3]}_`));
    return p.length === 4 && p[2] === instrument;
  }

  onBookEvent(ev: BookEvent): void {
    const v = this.d.venue;
    if (ev.kind === 'order') {
      if (!v.meta.has(ev.order.ordId)) { this.held.set(ev.order.ordId, ev.order); return; }
      const json = v.orderJson(ev.order);
      const name = v.nameOf(ev.order.instId);
      this.notify((ch) => this.userChannel('orders', ch, name), (ch) => (ch.endsWith('.raw') ? json : [json]));
      v.syncFills();
    }
    this.notify((ch) => ch === `user.portfolio.${CCY.toLowerCase()}` || ch === `user.portfolio.${CCY}`, () => v.summaryJson(CCY));
  }

  private publishFills(fills: OkxFill[]): void {
    const v = this.d.venue;
    for (const f of fills) {
      if (!v.meta.has(f.ordId)) continue;
      const json = v.tradeJson(f, ++this.tradeSeq);
      this.notify((ch) => this.userChannel('trades', ch, v.nameOf(f.instId)), () => [json]);
    }
  }

  publishMarket(b: Bar): void {
    const v = this.d.venue;
    const name = v.nameOf(b.symbol);
    this.notify((ch) => ch === `chart.trades.${name}.1`, () => ({ tick: b.ts, open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume, cost: b.volume * b.close }));
    this.notify((ch) => ch.startsWith(`ticker.${name}.`), () => v.tickerJson(name));
  }
}
