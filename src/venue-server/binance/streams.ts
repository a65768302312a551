/**
 * The Binance fake's websockets, told apart by the host segment (hosts.ts) and the path:
 * - market streams: `/{stream host}/ws[/N]`, `/{fstream host}/{market|public}/ws[/N]`:
 *   {method: SUBSCRIBE|UNSUBSCRIBE, params: [...], id} -> {result: null, id}; streams
 *   `<symbol>@kline_1m`, `<symbol>@ticker`, `<symbol>@markPrice[@1s]` (USD-M);
 * - USD-M user data: `/{fstream host}/private/ws?listenKey=K` (ccxt 4.5) or `/ws/K`:
 *   ORDER_TRADE_UPDATE and ACCOUNT_UPDATE;
 * - spot user data: the WS-API `/{ws-api host}/ws-api/v3`, `userDataStream.subscribe.signature`
 *   (signed as signing.ts checks) -> {id, status: 200, result: {subscriptionId}}, then events as
 *   {subscriptionId, event: executionReport | outboundAccountPosition}; or the legacy
 *   `/{stream host}/ws/K` listen-key stream.
 * Pushes come from the two books' events and from bars played.
 */
import type { Server } from 'node:http';
import { z } from 'zod';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Bar } from '../../domain/market.ts';
import type { BookEvent, OkxBook, OkxOrder } from '../okx/book.ts';
import type { Market } from './codes.ts';
import { forcedOrderUpdates, type ForcedOrder } from './forced.ts';
import { splitHost } from './hosts.ts';
import { klineEvent, s, statusOf, typeOf } from './shapes.ts';
import { checkWsSigned, type Credentials } from './signing.ts';

type Kind = 'market' | 'userUsdm' | 'userSpot' | 'wsApi';

interface Conn {
  readonly ws: WebSocket;
  readonly kind: Kind;
  readonly market: Market;
  readonly streams: Set<string>;
  /** WS-API: the user-data subscription's id once subscribed. */
  subscriptionId: number | null;
}

const SubscribeMsg = z.object({ method: z.string(), params: z.array(z.string()).optional(), id: z.union([z.number(), z.string()]).nullable().optional() });
const WsApiMsg = z.object({ id: z.union([z.number(), z.string()]), method: z.string(), params: z.record(z.string(), z.unknown()).optional() });

export interface StreamDeps {
  readonly books: Readonly<Record<Market, OkxBook>>;
  readonly creds: Credentials;
  /** The account's side (demo or live): a user-data socket on the other side's host is refused. */
  readonly demo: boolean;
  readonly listenKeyValid: (market: Market, key: string) => boolean;
  /** Binance's symbol of a book instrument id. */
  readonly symbolOf: (instId: string) => string;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export class BinanceStreams {
  private readonly conns = new Set<Conn>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private subSeq = 0;

  constructor(private readonly d: StreamDeps) {}

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const { info, rest } = splitHost(url.pathname);
      const route = info === undefined ? null : this.routeOf(info.api, rest, url.searchParams.get('listenKey'));
      if (route === null || info === undefined) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      if (route.kind !== 'market' && info.demo !== this.d.demo) {
        socket.end('HTTP/1.1 401 Unauthorized\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, route.kind, route.market));
    });
  }

  private routeOf(api: string, rest: string, listenKey: string | null): { kind: Kind; market: Market } | null {
    if (api === 'spotWsApi') return rest === '/ws-api/v3' ? { kind: 'wsApi', market: 'spot' } : null;
    if (api !== 'spotStream' && api !== 'usdmStream') return null;
    const market: Market = api === 'spotStream' ? 'spot' : 'usdm';
    if (market === 'usdm' && rest === '/private/ws') return listenKey !== null && this.d.listenKeyValid('usdm', listenKey) ? { kind: 'userUsdm', market } : null;
    const m = /^(?:\/(?:market|public))?\/(?:ws|stream)(?:\/([^/]+))?$/.exec(rest);
    if (m === null) return null;
    const tail = m[1];
    if (tail === undefined || /^\d+$/.test(tail)) return { kind: 'market', market };
    return this.d.listenKeyValid(market, tail) ? { kind: market === 'usdm' ? 'userUsdm' : 'userSpot', market } : null;
  }

  /** The dropPrivate fault: every user-data socket cut at once. */
  dropPrivate(): void {
    for (const c of this.conns) if (c.kind !== 'market') c.ws.terminate();
  }

  close(): void {
    for (const c of this.conns) c.ws.terminate();
    this.wss.close();
  }

  onBookEvent(market: Market, ev: BookEvent): void {
    const now = this.d.now();
    if (ev.kind === 'order') {
      const o = ev.order;
      if (market === 'usdm') this.user('usdm', { e: 'ORDER_TRADE_UPDATE', E: now, T: now, o: this.orderTradeUpdate(o) });
      else this.user('spot', this.executionReport(o, now));
      return;
    }
    if (market === 'usdm') this.user('usdm', this.accountUpdate(ev.instIds, now));
    else this.user('spot', this.spotAccount(now));
  }

  /** The venue's forced order (a liquidation) on the USD-M user data: its NEW, then its liquidation execution. */
  forcedOrder(f: ForcedOrder): void {
    const now = this.d.now();
    for (const o of forcedOrderUpdates(f)) this.user('usdm', { e: 'ORDER_TRADE_UPDATE', E: now, T: f.ts, o });
  }

  publishMarket(market: Market, b: Bar): void {
    const sym = this.d.symbolOf(b.symbol);
    const lower = sym.toLowerCase();
    const ticker = { e: '24hrTicker', E: b.ts + 60_000, s: sym, p: '0', P: '0', w: s(b.close), c: s(b.close), Q: '0', o: s(b.open), h: s(b.high), l: s(b.low), v: s(b.volume), q: s(b.volume * b.close), O: b.ts, C: b.ts + 59_999, F: 0, L: 0, n: 0, ...(market === 'spot' ? { b: s(b.close), B: '1', a: s(b.close), A: '1', x: s(b.open) } : {}) };
    const mark = { e: 'markPriceUpdate', E: b.ts + 60_000, s: sym, p: s(b.close), ap: s(b.close), P: s(b.close), i: s(b.close), r: '0.00010000', T: 0 };
    for (const c of this.conns) {
      if (c.kind !== 'market' || c.market !== market) continue;
      if (c.streams.has(`${lower}@kline_1m`)) send(c, klineEvent(b, sym));
      if (c.streams.has(`${lower}@ticker`)) send(c, ticker);
      if (market === 'usdm' && (c.streams.has(`${lower}@markPrice`) || c.streams.has(`${lower}@markPrice@1s`))) send(c, mark);
    }
  }

  private user(market: Market, event: unknown): void {
    for (const c of this.conns) {
      if (c.market !== market) continue;
      if (c.kind === 'userUsdm' || c.kind === 'userSpot') send(c, event);
      else if (c.kind === 'wsApi' && c.subscriptionId !== null) send(c, { subscriptionId: c.subscriptionId, event });
    }
  }

  private lastFillOf(o: OkxOrder) {
    return o.lastFill;
  }

  private execType(o: OkxOrder): string {
    if (this.lastFillOf(o) !== null) return 'TRADE';
    if (o.amendResult === '0') return 'AMENDMENT';
    const st = statusOf(o);
    return st === 'CANCELED' || st === 'EXPIRED' ? st : 'NEW';
  }

  private orderTradeUpdate(o: OkxOrder) {
    const f = o.lastFill;
    const t = typeOf(o, 'usdm');
    const book = this.d.books.usdm;
    const bill = f === null ? undefined : book.bills.find((b) => b.tradeId === f.tradeId);
    return {
      s: this.d.symbolOf(o.instId), c: o.clOrdId, S: o.side.toUpperCase(), o: t.type, f: t.timeInForce, q: s(o.sz), p: s(o.px ?? 0),
      ap: s(o.accFillSz > 0 ? o.fillValue / o.accFillSz : 0), sp: '0', x: this.execType(o), X: statusOf(o), i: Number(o.ordId),
      l: s(f?.sz ?? 0), z: s(o.accFillSz), L: s(f?.px ?? 0), n: s(f !== null ? -f.fee : 0), N: 'USDT', T: f?.ts ?? o.uTime, t: f !== null ? Number(f.tradeId) : 0,
      b: '0', a: '0', m: f?.maker ?? false, R: o.reduceOnly, wt: 'CONTRACT_PRICE', ot: t.type, ps: 'BOTH', cp: false, rp: s(bill?.pnl ?? 0), pP: false,
      si: 0, ss: 0, V: 'EXPIRE_MAKER', pm: 'NONE', gtd: 0,
    };
  }

  private executionReport(o: OkxOrder, now: number) {
    const f = o.lastFill;
    const t = typeOf(o, 'spot');
    return {
      e: 'executionReport', E: now, s: this.d.symbolOf(o.instId), c: o.clOrdId, S: o.side.toUpperCase(), o: t.type, f: t.timeInForce, q: s(o.sz), p: s(o.px ?? 0),
      P: '0', F: '0', g: -1, C: '', x: this.execType(o), X: statusOf(o), r: 'NONE', i: Number(o.ordId), l: s(f?.sz ?? 0), z: s(o.accFillSz), L: s(f?.px ?? 0),
      n: s(f !== null ? -f.fee : 0), N: f !== null ? (o.instId.split('-')[1] ?? null) : null, T: f?.ts ?? o.uTime, t: f !== null ? Number(f.tradeId) : -1, I: 0,
      w: o.state === 'live' || o.state === 'partially_filled', m: f?.maker ?? false, M: false, O: o.cTime, Z: s(o.fillValue), Y: s(f !== null ? f.px * f.sz : 0), Q: '0', W: o.cTime, V: 'EXPIRE_MAKER',
    };
  }

  private accountUpdate(instIds: readonly string[], now: number) {
    const book = this.d.books.usdm;
    const wallet = book.usdtCash();
    const P = instIds.filter((id) => book.insts.get(id)?.instType === 'SWAP').map((id) => {
      const p = book.swapPositions().find((x) => x.inst.spec.instId === id);
      const mode = p?.view.marginMode ?? book.insts.get(id)?.inst.perp?.marginMode ?? 'cross';
      return {
        s: this.d.symbolOf(id), pa: s(p?.view.qty ?? 0), ep: s(p?.view.avgPrice ?? 0), bep: s(p?.view.avgPrice ?? 0), cr: s(p?.view.realizedPnl ?? 0),
        up: s(p?.view.unrealizedPnl ?? 0), mt: mode, iw: '0', ps: 'BOTH', ma: 'USDT',
      };
    });
    return { e: 'ACCOUNT_UPDATE', E: now, T: now, a: { m: 'ORDER', B: [{ a: 'USDT', wb: s(wallet), cw: s(wallet), bc: '0' }], P } };
  }

  private spotAccount(now: number) {
    const book = this.d.books.spot;
    const B = [{ a: 'USDT', f: s(book.usdtCash()), l: '0' }, ...[...book.spotBalances()].map(([a, q]) => ({ a, f: s(q), l: '0' }))];
    return { e: 'outboundAccountPosition', E: now, u: now, B };
  }

  private onConnection(ws: WebSocket, kind: Kind, market: Market): void {
    const c: Conn = { ws, kind, market, streams: new Set(), subscriptionId: null };
    this.conns.add(c);
    ws.on('close', () => this.conns.delete(c));
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return send(c, { error: { code: 3, msg: `Invalid JSON: ${text.slice(0, 100)}` } });
      }
      if (kind === 'wsApi') return this.onWsApi(c, raw);
      const m = SubscribeMsg.safeParse(raw);
      if (!m.success) return send(c, { error: { code: 2, msg: 'Invalid request: unknown property' }, id: null });
      const id = m.data.id ?? null;
      if (m.data.method === 'SUBSCRIBE') for (const p of m.data.params ?? []) c.streams.add(p);
      else if (m.data.method === 'UNSUBSCRIBE') for (const p of m.data.params ?? []) c.streams.delete(p);
      else if (m.data.method === 'LIST_SUBSCRIPTIONS') return send(c, { result: [...c.streams], id });
      else return send(c, { error: { code: 2, msg: `Invalid request: unknown method ${m.data.method}` }, id });
      send(c, { result: null, id });
    });
  }

  private onWsApi(c: Conn, raw: unknown): void {
    const m = WsApiMsg.safeParse(raw);
    if (!m.success) return send(c, { id: null, status: 400, error: { code: -1102, msg: 'Malformed request.' } });
    const { id, method, params } = m.data;
    if (method === 'ping') return send(c, { id, status: 200, result: {} });
    if (method === 'userDataStream.subscribe.signature') {
      const e = checkWsSigned(this.d.creds, params ?? {}, Date.now());
      if (e !== null) {
        this.d.log(`ws-api subscribe refused: ${e.code} ${e.msg}`);
        return send(c, { id, status: e.status, error: { code: e.code, msg: e.msg } });
      }
      c.subscriptionId = this.subSeq++;
      return send(c, { id, status: 200, result: { subscriptionId: c.subscriptionId } });
    }
    if (method === 'userDataStream.unsubscribe') {
      c.subscriptionId = null;
      return send(c, { id, status: 200, result: {} });
    }
    send(c, { id, status: 400, error: { code: -1102, msg: `The parity Binance fake does not serve WS-API method ${method}.` } });
  }
}

const send = (c: Conn, msg: unknown): void => {
  if (c.ws.readyState === c.ws.OPEN) c.ws.send(JSON.stringify(msg));
};
