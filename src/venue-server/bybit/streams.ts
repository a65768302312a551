/**
 * The Bybit fake's websockets, under the host segment the profile's 'origins' override keeps:
 * /<host>/v5/public/linear and /v5/public/spot (tickers.SYMBOL, kline.1.SYMBOL), /<host>/v5/private
 * (the auth op, then order, execution, position, wallet, and the Disconnection Protect topics
 * dcp.future / dcp.spot / dcp.option, or dcp for all three, which ccxt never subscribes itself). {op:'ping'} is answered
 * as Bybit does (private: op 'pong'; public: ret_msg 'pong').
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Bar } from '../../domain/market.ts';
import type { BookEvent, OkxBook } from '../okx/book.ts';
import type { MarketTape } from '../okx/market.ts';
import { s } from '../okx/shapes.ts';
import { WsMessage } from './requests.ts';
import { executionJson, orderJson, positionJson, tickerJson, walletJson, type BybitInst } from './shapes.ts';
import { checkWsAuth, type Credentials } from './signing.ts';
import type { BybitCategory } from './types.ts';

type Kind = 'linear' | 'spot' | 'private';

interface Conn {
  readonly ws: WebSocket;
  readonly kind: Kind;
  readonly connId: string;
  authed: boolean;
  readonly topics: Set<string>;
}

/** Disconnection Protect products by topic (dcp.future covers Bybit's DERIVATIVES). */
export const DCP_TOPICS: Readonly<Record<string, string>> = { 'dcp.future': 'DERIVATIVES', 'dcp.spot': 'SPOT', 'dcp.option': 'OPTIONS' };
const PRIVATE_TOPICS = new Set(['order', 'execution', 'position', 'wallet', 'dcp', ...Object.keys(DCP_TOPICS)]);
/** The products a topic protects: `dcp` alone covers all three. */
const dcpProducts = (topic: string): string[] => (topic === 'dcp' ? Object.values(DCP_TOPICS) : DCP_TOPICS[topic] !== undefined ? [DCP_TOPICS[topic]!] : []);

export interface StreamDeps {
  readonly book: OkxBook;
  readonly tape: MarketTape;
  readonly creds: Credentials;
  /** Private sockets on the demo host (stream-demo.*) for a demo account, the live host otherwise. */
  readonly demo: boolean;
  readonly instOf: (bookId: string) => BybitInst | undefined;
  readonly byCategory: (category: BybitCategory, symbol: string) => BybitInst | undefined;
  readonly fundingRate: number;
  readonly nextFunding: () => number;
  readonly now: () => number;
  /**
   * A private socket's DCP subscriptions changed: subscribed, the socket went away, or it
   * unsubscribed from these products (`orderly`: an orderly end, which the fake does not fire on;
   * Bybit's docs say nothing of an unsubscribe).
   */
  readonly onDcpChange: (orderly: readonly string[]) => void;
  readonly log: (line: string) => void;
}

export class BybitStreams {
  private readonly conns = new Set<Conn>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private pushId = 0;
  private execSeq = 0;

  constructor(private readonly d: StreamDeps) {}

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const m = /^(?:\/([^/]+))?\/v5\/(public\/linear|public\/spot|private)$/.exec(url.pathname);
      const host = m?.[1] ?? '';
      const kind: Kind | null = m === null ? null : m[2] === 'private' ? 'private' : m[2] === 'public/spot' ? 'spot' : 'linear';
      // Demo keys work on the demo socket only (and live keys on the live one), as on Bybit.
      const wrongHost = kind === 'private' && host !== '' && host.startsWith('stream-demo.') !== this.d.demo;
      if (kind === null || wrongHost) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, kind));
    });
  }

  /** The private sockets now authenticated and subscribed to each DCP product. */
  dcpSockets(): Map<string, number> {
    const out = new Map<string, number>();
    for (const c of this.conns) {
      if (c.kind !== 'private' || !c.authed) continue;
      const products = new Set([...c.topics].flatMap(dcpProducts));
      for (const product of products) out.set(product, (out.get(product) ?? 0) + 1);
    }
    return out;
  }

  /** The dropPrivate fault: every private socket cut at once. */
  dropPrivate(): void {
    for (const c of this.conns) if (c.kind === 'private') c.ws.terminate();
  }

  close(): void {
    for (const c of this.conns) c.ws.terminate();
    this.wss.close();
  }

  onBookEvent(ev: BookEvent): void {
    const now = this.d.now();
    if (ev.kind === 'order') {
      const o = ev.order;
      const i = this.d.instOf(o.instId);
      if (i === undefined) return;
      if (o.lastFill !== null) {
        const f = this.d.book.fills.find((x) => x.tradeId === o.lastFill?.tradeId);
        if (f !== undefined) this.privatePush('execution', i.spec.category, [executionJson(f, i, o, ++this.execSeq)], now);
      }
      this.privatePush('order', i.spec.category, [orderJson(o, i)], now);
      return;
    }
    const pos = ev.instIds.map((id) => this.d.instOf(id)).filter((i): i is BybitInst => i !== undefined && i.spec.category === 'linear').map((i) => positionJson(this.d.book, i, now));
    if (pos.length > 0) this.privatePush('position', 'linear', pos, now);
    this.privatePush('wallet', null, [walletJson(this.d.book)], now);
  }

  publishMarket(b: Bar): void {
    const i = this.d.instOf(b.symbol);
    if (i === undefined) return;
    const kind: Kind = i.spec.category === 'spot' ? 'spot' : 'linear';
    const t = tickerJson(i, this.d.tape, this.d.fundingRate, this.d.nextFunding());
    const kline = { start: b.ts, end: b.ts + 59_999, interval: '1', open: s(b.open), close: s(b.close), high: s(b.high), low: s(b.low), volume: s(b.volume), turnover: s(b.volume * b.close), confirm: true, timestamp: b.ts };
    for (const c of this.conns) {
      if (c.kind !== kind) continue;
      if (t !== null && c.topics.has(`tickers.${i.spec.symbol}`)) send(c, { topic: `tickers.${i.spec.symbol}`, type: 'snapshot', data: t, cs: b.ts, ts: b.ts });
      if (c.topics.has(`kline.1.${i.spec.symbol}`)) send(c, { topic: `kline.1.${i.spec.symbol}`, type: 'snapshot', data: [kline], ts: b.ts });
    }
  }

  private privatePush(topic: string, category: BybitCategory | null, data: unknown[], now: number): void {
    for (const c of this.conns) {
      if (c.kind !== 'private' || !c.authed) continue;
      const hit = c.topics.has(topic) || (category !== null && c.topics.has(`${topic}.${category}`));
      if (hit) send(c, { id: `${this.pushId++}`, topic, creationTime: now, data });
    }
  }

  private onConnection(ws: WebSocket, kind: Kind): void {
    const c: Conn = { ws, kind, connId: randomUUID(), authed: false, topics: new Set() };
    this.conns.add(c);
    ws.on('close', () => {
      this.conns.delete(c);
      if ([...c.topics].some((t) => dcpProducts(t).length > 0)) this.d.onDcpChange([]);
    });
    ws.on('message', (data, isBinary) => {
      let raw: unknown;
      try {
        raw = JSON.parse(isBinary ? '' : data.toString());
      } catch {
        return send(c, { success: false, ret_msg: 'error:invalid op', conn_id: c.connId, request: { op: '', args: null } });
      }
      const m = WsMessage.safeParse(raw);
      if (!m.success) return send(c, { success: false, ret_msg: 'error:invalid op', conn_id: c.connId, request: { op: '', args: null } });
      this.onOp(c, m.data.op, m.data.args ?? [], m.data.req_id);
    });
  }

  private onOp(c: Conn, op: string, args: readonly unknown[], reqId: string | number | undefined): void {
    const rid = reqId !== undefined ? { req_id: String(reqId) } : {};
    if (op === 'ping') {
      if (c.kind === 'private') return send(c, { ...rid, op: 'pong', args: [String(Date.now())], conn_id: c.connId });
      return send(c, { success: true, ret_msg: 'pong', conn_id: c.connId, ...rid, op: 'ping' });
    }
    if (op === 'auth') {
      if (c.kind !== 'private') return send(c, { success: false, ret_msg: 'error:auth is for the private socket', conn_id: c.connId, ...rid, op: 'auth', request: { op: 'auth', args: [] } });
      const e = checkWsAuth(this.d.creds, args, Date.now());
      if (e !== null) {
        this.d.log(`websocket auth refused: ${e}`);
        return send(c, { success: false, ret_msg: e, conn_id: c.connId, ...rid, op: 'auth', request: { op: 'auth', args: [args[0], args[1], '…'] } });
      }
      c.authed = true;
      return send(c, { success: true, ret_msg: '', op: 'auth', conn_id: c.connId, ...rid });
    }
    if (op !== 'subscribe' && op !== 'unsubscribe') return send(c, { success: false, ret_msg: `error:invalid op ${op}`, conn_id: c.connId, ...rid, op });
    const topics = args.map((a) => (typeof a === 'string' ? a : ''));
    for (const t of topics) {
      const why = this.refusal(c, t);
      if (why !== null) return send(c, { success: false, ret_msg: why, conn_id: c.connId, ...rid, op });
    }
    let dcp = false;
    const orderly: string[] = [];
    for (const t of topics) {
      if (op === 'subscribe') c.topics.add(t);
      else if (c.topics.delete(t)) orderly.push(...dcpProducts(t));
      if (dcpProducts(t).length > 0) dcp = true;
    }
    send(c, { success: true, ret_msg: '', conn_id: c.connId, ...rid, op });
    if (dcp) this.d.onDcpChange(orderly);
    if (op === 'subscribe') for (const t of topics) this.snapshot(c, t);
  }

  private refusal(c: Conn, topic: string): string | null {
    if (c.kind === 'private') {
      const base = topic.split('.')[0] ?? '';
      if (!PRIVATE_TOPICS.has(topic) && !(PRIVATE_TOPICS.has(base) && ['linear', 'spot'].includes(topic.slice(base.length + 1)))) return `error:handler not found,topic:${topic}`;
      if (!c.authed) return 'error:request not authorized';
      return null;
    }
    const m = /^(tickers|kline\.1)\.([A-Z0-9]+)$/.exec(topic);
    if (m === null || this.d.byCategory(c.kind === 'spot' ? 'spot' : 'linear', m[2]!) === undefined) return `error:handler not found,topic:${topic}`;
    return null;
  }

  /** A tickers subscription gets the current ticker at once (as Bybit sends a snapshot). */
  private snapshot(c: Conn, topic: string): void {
    const m = /^tickers\.([A-Z0-9]+)$/.exec(topic);
    if (m === null || c.kind === 'private') return;
    const i = this.d.byCategory(c.kind === 'spot' ? 'spot' : 'linear', m[1]!);
    const t = i === undefined ? null : tickerJson(i, this.d.tape, this.d.fundingRate, this.d.nextFunding());
    if (t !== null) send(c, { topic, type: 'snapshot', data: t, cs: 0, ts: this.d.now() });
  }
}

const send = (c: Conn, msg: unknown): void => {
  if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(msg));
};
