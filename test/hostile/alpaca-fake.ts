/**
 * A hostile, scriptable Alpaca on 127.0.0.1 (HTTP REST + the trade_updates websocket), written from
 * Alpaca's public API reference, independently of parity's own `parity venue`. It keeps just enough
 * of a venue (orders, fill activities, positions) for the real SDK and parity's adapter to talk to,
 * and lets a test misbehave on purpose: answer a request with any status and headers, reset the
 * connection mid-answer, inject raw frames (text or binary, malformed, unknown events), duplicate
 * and reorder fills, drop the stream and keep it down, refuse the keys.
 *
 * Wire spellings as Alpaca's: every decimal a string; timestamps RFC 3339 with nanoseconds; crypto
 * orders "BTC/USD", crypto positions "BTCUSD"; errors {code, message}; replace = PATCH making a new
 * order (`replaces`) and ending the old one as `replaced` (`replaced_by`).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import { decode as mpDecode, encode as mpEncode } from '@msgpack/msgpack';
import { WebSocketServer, type WebSocket } from 'ws';

export type Json = Record<string, unknown>;

export interface FakeOrder {
  id: string;
  client_order_id: string;
  symbol: string;
  asset_class: 'us_equity' | 'crypto';
  side: 'buy' | 'sell';
  type: string;
  time_in_force: string;
  qty: string;
  filled_qty: string;
  filled_avg_price: string | null;
  limit_price: string | null;
  stop_price: string | null;
  status: string;
  created_at: string;
  updated_at: string;
  submitted_at: string;
  filled_at: string | null;
  canceled_at: string | null;
  expired_at: string | null;
  failed_at: string | null;
  replaced_at: string | null;
  replaced_by: string | null;
  replaces: string | null;
  extended_hours: boolean;
  order_class: string;
  legs: null;
  notional: null;
}

export interface RequestLog {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Json | null;
  readonly headers: IncomingMessage['headers'];
}

/** What a scripted answer does instead of the venue's own. */
export type Scripted =
  | { readonly status: number; readonly body?: unknown; readonly headers?: Record<string, string> }
  | { readonly reset: 'before' | 'mid-body' }
  /** Let the venue handle it, then lose the answer (the request DID land). */
  | { readonly landThenReset: true };

interface Script {
  readonly method: string;
  readonly path: RegExp;
  readonly answer: Scripted;
  remaining: number;
}

/** RFC 3339 with nanoseconds, as Alpaca writes them. */
export function nanoTime(ms: number, nanos = 123_456): string {
  const iso = new Date(ms).toISOString(); // ...T14:30:01.123Z
  return `${iso.slice(0, -1)}${String(nanos).padStart(6, '0')}Z`;
}

const TERMINAL = new Set(['filled', 'canceled', 'expired', 'rejected', 'replaced', 'done_for_day']);

export class AlpacaFake {
  readonly orders = new Map<string, FakeOrder>();
  readonly activities: Json[] = [];
  /** GET /v2/positions as served: tests write Alpaca's raw shapes here. */
  positions: Json[] = [];
  readonly requests: RequestLog[] = [];
  /** Every frame a client sent on the trade stream (auth, listen). */
  readonly clientFrames: Json[] = [];
  /** 'ok' authorizes; 'unauthorized' answers as Alpaca does to bad keys. */
  auth: 'ok' | 'unauthorized' = 'ok';
  /** While true, websocket upgrades are refused (the stream stays down). */
  streamDown = false;
  account: Json = {
    id: 'acct-hostile-1', account_number: 'PA1HOSTILE', status: 'ACTIVE', currency: 'USD',
    cash: '100000.000000001', equity: '100000.000000001', buying_power: '200000', trading_blocked: false, account_blocked: false,
  };
  /** The venue's clock minus ours (ms): negative = Alpaca's clock is behind this machine's. */
  skewMs = 0;
  private last = 0;
  private readonly scripts: Script[] = [];
  private readonly sockets = new Set<WebSocket>();
  private readonly tcp = new Set<Socket>();
  private seq = 0;

  private constructor(private readonly server: Server, private readonly wss: WebSocketServer) {}

  static async start(): Promise<AlpacaFake> {
    const wss = new WebSocketServer({ noServer: true });
    const server = createServer();
    const fake = new AlpacaFake(server, wss);
    server.on('request', (req, res) => { void fake.onRequest(req, res); });
    server.on('connection', (s) => { fake.tcp.add(s); s.on('close', () => fake.tcp.delete(s)); });
    server.on('upgrade', (req, socket, head) => {
      const path = req.url ?? '';
      const data = path.startsWith('/v1beta3/crypto/us') || path.startsWith('/v2/iex');
      if (fake.streamDown || (!path.startsWith('/stream') && !data)) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => (data ? fake.onDataSocket(ws) : fake.onSocket(ws)));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return fake;
  }

  /** The venue's clock now, strictly increasing (every event gets its own instant). */
  get now(): number {
    this.last = Math.max(Date.now() + this.skewMs, this.last + 1);
    return this.last;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Authenticated, listening trade stream connections right now. */
  get listeners(): number {
    let n = 0;
    for (const ws of this.sockets) if ((ws as WebSocket & { listening?: boolean }).listening === true) n++;
    return n;
  }

  async close(): Promise<void> {
    for (const ws of this.sockets) ws.terminate();
    for (const ws of this.dataSockets) ws.terminate();
    for (const s of this.tcp) s.destroy();
    this.wss.close();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  // ---------- scripting ----------

  /** The next `times` requests matching method and path get `answer` instead of the venue's. */
  script(method: string, path: RegExp, answer: Scripted, times = 1): void {
    this.scripts.push({ method, path, answer, remaining: times });
  }

  requestsTo(method: string, path: RegExp): RequestLog[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  /** Send one raw frame to every listening stream client: an object is JSON; `binary` sends it as a binary frame. */
  inject(frame: Json | string | Buffer, opts: { readonly binary?: boolean } = {}): void {
    const data = typeof frame === 'string' || Buffer.isBuffer(frame) ? frame : JSON.stringify(frame);
    for (const ws of this.sockets) {
      if ((ws as WebSocket & { listening?: boolean }).listening !== true) continue;
      ws.send(opts.binary === true && typeof data === 'string' ? Buffer.from(data, 'utf8') : data, { binary: opts.binary === true || Buffer.isBuffer(data) });
    }
  }

  /** A trade_updates frame for `order` as it stands now (plus fill fields). */
  updateFrame(event: string, order: FakeOrder, extra: Json = {}): Json {
    return { stream: 'trade_updates', data: { event, timestamp: nanoTime(this.now), order: { ...order }, ...extra } };
  }

  /** Push an event for an order to the stream (as it stands now). */
  push(event: string, orderId: string, extra: Json = {}, opts: { readonly binary?: boolean } = {}): Json {
    const f = this.updateFrame(event, this.mustOrder(orderId), extra);
    this.inject(f, opts);
    return f;
  }

  /** Kill every stream connection abruptly (no close frame). */
  dropStream(): void {
    for (const ws of this.sockets) ws.terminate();
  }

  // ---------- venue actions ----------

  mustOrder(id: string): FakeOrder {
    const o = this.orders.get(id);
    if (o === undefined) throw new Error(`fake: no order ${id}`);
    return o;
  }

  byClientId(cid: string): FakeOrder | undefined {
    for (const o of this.orders.values()) if (o.client_order_id === cid) return o;
    return undefined;
  }

  /** Put an order at the venue directly (placed by an earlier process, or by hand). */
  seedOrder(p: Partial<FakeOrder> & { client_order_id: string; symbol: string; qty: string; side: 'buy' | 'sell' }): FakeOrder {
    const t = nanoTime(this.now);
    const o: FakeOrder = {
      id: randomUUID(), asset_class: p.symbol.includes('/') ? 'crypto' : 'us_equity', type: 'limit', time_in_force: 'gtc',
      filled_qty: '0', filled_avg_price: null, limit_price: '100', stop_price: null, status: 'new',
      created_at: t, updated_at: t, submitted_at: t, filled_at: null, canceled_at: null, expired_at: null, failed_at: null,
      replaced_at: null, replaced_by: null, replaces: null, extended_hours: false, order_class: '', legs: null, notional: null,
      ...p,
    };
    this.orders.set(o.id, o);
    return o;
  }

  /**
   * An execution on an order: the order's cumulative state moves, a FILL activity is recorded,
   * and (unless `stream: false`, e.g. while the stream is down) the fill goes out on the stream.
   * Returns the frame so a test can send it again (a duplicate) or later (reordered).
   */
  fill(orderId: string, qty: string, price: string, opts: { readonly stream?: boolean; readonly executionId?: string } = {}): Json {
    const o = this.mustOrder(orderId);
    const prevQty = Number(o.filled_qty);
    const prevAvg = Number(o.filled_avg_price ?? 0);
    const cum = prevQty + Number(qty);
    o.filled_qty = trim(cum);
    o.filled_avg_price = trim((prevQty * prevAvg + Number(qty) * Number(price)) / cum);
    const full = cum >= Number(o.qty) - 1e-12;
    o.status = full ? 'filled' : 'partially_filled';
    const at = this.now;
    o.updated_at = nanoTime(at);
    if (full) o.filled_at = o.updated_at;
    const execId = opts.executionId ?? randomUUID();
    this.activities.push({
      id: `${new Date(at).toISOString().replace(/\D/g, '').slice(0, 17)}::${randomUUID()}`,
      activity_type: 'FILL', transaction_time: o.updated_at, type: full ? 'fill' : 'partial_fill',
      price, qty, side: o.side, symbol: o.symbol, leaves_qty: trim(Number(o.qty) - cum), cum_qty: o.filled_qty,
      order_id: o.id, order_status: o.status,
    });
    const frame = this.updateFrame(full ? 'fill' : 'partial_fill', o, {
      execution_id: execId, price, qty, position_qty: trim(cum * (o.side === 'buy' ? 1 : -1)),
    });
    if (opts.stream !== false) this.inject(frame);
    return frame;
  }

  /** End an order: canceled, expired, rejected … and say so on the stream. */
  end(orderId: string, status: 'canceled' | 'expired' | 'rejected' | 'done_for_day', opts: { readonly stream?: boolean } = {}): void {
    const o = this.mustOrder(orderId);
    o.status = status;
    o.updated_at = nanoTime(this.now);
    if (status === 'canceled') o.canceled_at = o.updated_at;
    if (status === 'expired') o.expired_at = o.updated_at;
    if (status === 'rejected') o.failed_at = o.updated_at;
    if (opts.stream !== false) this.push(status, o.id);
  }

  // ---------- HTTP ----------

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: Json | null = null;
    try { body = text === '' ? null : (JSON.parse(text) as Json); } catch { body = null; }
    const method = req.method ?? 'GET';
    const path = decodeURIComponent(u.pathname);
    this.requests.push({ method, path, query: u.searchParams, body, headers: req.headers });

    if (req.headers['apca-api-key-id'] === undefined || req.headers['apca-api-secret-key'] === undefined) {
      return send(res, 401, { code: 40110000, message: 'request is not authorized' });
    }
    const s = this.scripts.find((x) => x.remaining > 0 && x.method === method && x.path.test(path));
    if (s !== undefined) {
      s.remaining--;
      const a = s.answer;
      if ('reset' in a) {
        if (a.reset === 'before') { req.socket.destroy(); return; }
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
        res.write('{"id":"half-an-ans');
        setTimeout(() => req.socket.destroy(), 5); // timer-ok: test fake, lets the half body leave first
        return;
      }
      if ('landThenReset' in a) {
        this.route(method, path, u.searchParams, body);
        req.socket.destroy();
        return;
      }
      return send(res, a.status, a.body ?? { code: a.status * 100000, message: `scripted ${a.status}` }, a.headers);
    }
    const r = this.route(method, path, u.searchParams, body);
    send(res, r.status, r.body);
  }

  private route(method: string, path: string, q: URLSearchParams, body: Json | null): { status: number; body: unknown } {
    const m = (re: RegExp): RegExpExecArray | null => re.exec(path);
    let g: RegExpExecArray | null;
    if (method === 'GET' && path === '/v2/account') return { status: 200, body: this.account };
    if (method === 'GET' && path === '/v2/clock') {
      const t = this.now;
      return { status: 200, body: { timestamp: nanoTime(t), is_open: true, next_open: nanoTime(t + 86_400_000), next_close: nanoTime(t + 3_600_000) } };
    }
    if (method === 'GET' && path === '/v2/positions') return { status: 200, body: this.positions };
    if (method === 'GET' && (g = m(/^\/v2\/positions\/(.+)$/)) !== null) {
      const p = this.positions.find((x) => x.symbol === g![1]);
      return p === undefined ? { status: 404, body: { code: 40410000, message: 'position does not exist' } } : { status: 200, body: p };
    }
    if (method === 'GET' && path === '/v2/orders:by_client_order_id') {
      const o = this.byClientId(q.get('client_order_id') ?? '');
      return o === undefined ? { status: 404, body: { code: 40410000, message: 'order not found' } } : { status: 200, body: o };
    }
    if (method === 'GET' && path === '/v2/orders') {
      const status = q.get('status') ?? 'open';
      const list = [...this.orders.values()].filter((o) => status === 'all' || (status === 'open' ? !TERMINAL.has(o.status) : TERMINAL.has(o.status)));
      return { status: 200, body: list };
    }
    if (method === 'GET' && (g = m(/^\/v2\/orders\/([^/]+)$/)) !== null) {
      const o = this.orders.get(g[1]!);
      return o === undefined ? { status: 404, body: { code: 40410000, message: 'order not found' } } : { status: 200, body: o };
    }
    if (method === 'GET' && (g = m(/^\/v2\/assets\/(.+)$/)) !== null) {
      const sym = g[1]!;
      const crypto = sym.includes('/');
      return { status: 200, body: {
        id: randomUUID(), class: crypto ? 'crypto' : 'us_equity', exchange: crypto ? 'CRYPTO' : 'NASDAQ', symbol: sym, status: 'active', tradable: true,
        marginable: !crypto, shortable: !crypto, easy_to_borrow: !crypto, fractionable: true,
        min_order_size: crypto ? '0.000000001' : '1', min_trade_increment: crypto ? '0.000000001' : '1', price_increment: '0.01',
      } };
    }
    if (method === 'GET' && (path === '/v1beta3/crypto/us/bars' || path === '/v2/stocks/bars')) return { status: 200, body: { bars: {}, next_page_token: null } };
    if (method === 'POST' && path === '/v2/orders') return this.submit(body ?? {});
    if (method === 'DELETE' && (g = m(/^\/v2\/orders\/([^/]+)$/)) !== null) {
      const o = this.orders.get(g[1]!);
      if (o === undefined) return { status: 404, body: { code: 40410000, message: 'order not found' } };
      if (TERMINAL.has(o.status)) return { status: 422, body: { code: 42210000, message: `order is already in "${o.status}" state` } };
      this.end(o.id, 'canceled');
      return { status: 204, body: null };
    }
    if (method === 'PATCH' && (g = m(/^\/v2\/orders\/([^/]+)$/)) !== null) return this.replace(g[1]!, body ?? {});
    if (method === 'GET' && path === '/v2/account/activities/FILL') {
      const after = q.get('after');
      const t = after === null ? Number.NEGATIVE_INFINITY : Date.parse(after);
      return { status: 200, body: this.activities.filter((a) => Date.parse(String(a.transaction_time)) > t) };
    }
    return { status: 404, body: { code: 40410000, message: `no route ${method} ${path}` } };
  }

  private submit(b: Json): { status: number; body: unknown } {
    const cid = typeof b.client_order_id === 'string' ? b.client_order_id : randomUUID();
    if (this.byClientId(cid) !== undefined) return { status: 422, body: { code: 40010001, message: 'client_order_id must be unique' } };
    if (typeof b.qty !== 'string') return { status: 422, body: { code: 40010000, message: 'qty must be a string' } };
    const o = this.seedOrder({
      client_order_id: cid, symbol: String(b.symbol), qty: b.qty, side: b.side === 'sell' ? 'sell' : 'buy',
      type: String(b.type), time_in_force: String(b.time_in_force),
      limit_price: typeof b.limit_price === 'string' ? b.limit_price : null, stop_price: typeof b.stop_price === 'string' ? b.stop_price : null,
      status: 'pending_new',
    });
    return { status: 200, body: { ...o } };
  }

  private replace(id: string, b: Json): { status: number; body: unknown } {
    const old = this.orders.get(id);
    if (old === undefined) return { status: 404, body: { code: 40410000, message: 'order not found' } };
    if (TERMINAL.has(old.status)) return { status: 422, body: { code: 42210000, message: `order is already in "${old.status}" state` } };
    const cid = typeof b.client_order_id === 'string' ? b.client_order_id : randomUUID();
    if (this.byClientId(cid) !== undefined) return { status: 422, body: { code: 40010001, message: 'client_order_id must be unique' } };
    const t = nanoTime(this.now);
    const n = this.seedOrder({
      ...old, id: randomUUID(), client_order_id: cid, status: 'pending_new', filled_qty: '0', filled_avg_price: null, filled_at: null,
      qty: typeof b.qty === 'string' ? b.qty : old.qty,
      limit_price: typeof b.limit_price === 'string' ? b.limit_price : old.limit_price,
      stop_price: typeof b.stop_price === 'string' ? b.stop_price : old.stop_price,
      replaces: old.id, replaced_by: null, created_at: t, updated_at: t, submitted_at: t,
    });
    old.status = 'pending_replace';
    return { status: 200, body: { ...n } };
  }

  /** The replace takes effect at the venue: old -> replaced, new -> new (both on the stream). */
  completeReplace(newId: string): void {
    const n = this.mustOrder(newId);
    const old = this.mustOrder(n.replaces ?? '');
    old.status = 'replaced';
    old.replaced_by = n.id;
    old.replaced_at = nanoTime(this.now);
    old.updated_at = old.replaced_at;
    n.status = 'new';
    n.updated_at = nanoTime(this.now);
    this.push('replaced', old.id);
    this.push('new', n.id);
  }

  // ---------- market data (msgpack, as Alpaca's data stream) ----------

  private readonly dataSockets = new Set<WebSocket>();

  onDataSocket(ws: WebSocket): void {
    this.dataSockets.add(ws);
    ws.on('close', () => this.dataSockets.delete(ws));
    ws.send(mpEncode([{ T: 'success', msg: 'connected' }]));
    ws.on('message', (raw) => {
      let f: Json;
      try { f = mpDecode(raw as Buffer) as Json; } catch { return; }
      if (f.action === 'auth') ws.send(mpEncode([{ T: 'success', msg: 'authenticated' }]));
      else if (f.action === 'subscribe') {
        (ws as WebSocket & { subscribed?: boolean }).subscribed = true;
        ws.send(mpEncode([{ T: 'subscription', trades: [], quotes: (f.quotes as string[] | undefined) ?? [], bars: (f.bars as string[] | undefined) ?? [] }]));
      }
    });
  }

  get dataSubscribers(): number {
    let n = 0;
    for (const ws of this.dataSockets) if ((ws as WebSocket & { subscribed?: boolean }).subscribed === true) n++;
    return n;
  }

  /** One minute bar for a wire symbol ("BTC/USD") on every market data connection. */
  pushBar(symbol: string, close: number, startMs: number): void {
    const bar = { T: 'b', S: symbol, o: close, h: close, l: close, c: close, v: 1, t: new Date(startMs), n: 1, vw: close };
    for (const ws of this.dataSockets) ws.send(mpEncode([bar]));
  }

  // ---------- websocket ----------

  private onSocket(ws: WebSocket): void {
    this.sockets.add(ws);
    ws.on('close', () => this.sockets.delete(ws));
    ws.on('message', (raw) => {
      let f: Json;
      try { f = JSON.parse(String(raw)) as Json; } catch { return; }
      this.clientFrames.push(f);
      if (f.action === 'authenticate') {
        if (this.auth === 'ok') {
          (ws as WebSocket & { authed?: boolean }).authed = true;
          ws.send(JSON.stringify({ stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } }));
        } else {
          ws.send(JSON.stringify({ stream: 'authorization', data: { status: 'unauthorized', action: 'authenticate' } }));
          ws.close();
        }
        return;
      }
      if (f.action === 'listen' && (ws as WebSocket & { authed?: boolean }).authed === true) {
        const streams = ((f.data as Json | undefined)?.streams as string[] | undefined) ?? [];
        (ws as WebSocket & { listening?: boolean }).listening = streams.includes('trade_updates');
        // Real Alpaca answers binary frames holding JSON on this stream.
        ws.send(Buffer.from(JSON.stringify({ stream: 'listening', data: { streams } })), { binary: true });
      }
    });
  }

  nextSeq(): number {
    return ++this.seq;
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === null) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(text);
}

/** A decimal as Alpaca prints it: no float noise. */
function trim(n: number): string {
  return String(Number(n.toPrecision(15)));
}

/** Poll `cond` until it holds or `ms` passes (no fixed sleeps in tests). */
export async function until(cond: () => boolean, ms = 5000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10)); // timer-ok: polling a condition with a deadline
  }
}
