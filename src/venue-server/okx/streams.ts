/**
 * The OKX fake's websocket: /ws/v5/public (tickers, mark-price), /private (login, then orders,
 * positions, account, balance_and_position), /business (candle1m, no login). Text 'ping' is
 * answered 'pong'. Pushes come from the book's events and from bars played.
 */
import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Bar } from '../../domain/market.ts';
import type { BookEvent, OkxBook } from './book.ts';
import { candleRow, type MarketTape } from './market.ts';
import { LoginArg, WsMessage } from './requests.ts';
import { balanceJson, orderJson, positionJson, s } from './shapes.ts';
import { checkWsLogin, type Credentials } from './signing.ts';

type Kind = 'public' | 'private' | 'business';
type Arg = Record<string, unknown>;

interface Conn {
  readonly ws: WebSocket;
  readonly kind: Kind;
  readonly connId: string;
  authed: boolean;
  readonly subs: Map<string, Arg>;
}

const PRIVATE_CHANNELS = new Set(['orders', 'positions', 'account', 'balance_and_position']);
const PUBLIC_CHANNELS = new Set(['tickers', 'mark-price']);

export interface StreamDeps {
  readonly book: OkxBook;
  readonly tape: MarketTape;
  readonly creds: Credentials;
  readonly uid: string;
  readonly now: () => number;
  readonly log: (line: string) => void;
}

export class OkxStreams {
  private readonly conns = new Set<Conn>();
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(private readonly d: StreamDeps) {}

  attach(server: Server): void {
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const m = /^\/ws\/v5\/(public|private|business)$/.exec(url.pathname);
      if (m === null) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws, m[1] as Kind));
    });
  }

  /** The dropPrivate fault: every logged-in socket cut at once (ccxt's pending watch* reject). */
  dropPrivate(): void {
    for (const c of this.conns) if (c.kind !== 'public') c.ws.terminate();
  }

  close(): void {
    for (const c of this.conns) c.ws.terminate();
    this.wss.close();
  }

  onBookEvent(ev: BookEvent): void {
    const { book, uid } = this.d;
    const now = this.d.now();
    if (ev.kind === 'order') {
      const o = ev.order;
      this.each('private', 'orders', (a) => typeMatches(a, o.instType, o.instId), (c, a) => send(c, { arg: { ...a, uid }, data: [orderJson(o)] }));
      return;
    }
    const touched = new Set(ev.instIds);
    const pos: Arg[] = book.swapPositions().filter((p) => touched.has(p.inst.spec.instId)).map((p) => positionJson(p, now));
    // A position closed by the event is pushed flat (pos "0"), as OKX does.
    for (const id of touched) {
      if (!pos.some((p) => p.instId === id) && book.insts.get(id)?.instType === 'SWAP') pos.push(this.flatPosition(id, now));
    }
    if (pos.length > 0) this.each('private', 'positions', (a) => a.instType === undefined || a.instType === 'ANY' || a.instType === 'SWAP', (c, a) => send(c, { arg: { ...a, uid }, data: pos }));
    const bal = balanceJson(book, now);
    this.each('private', 'account', () => true, (c, a) => send(c, { arg: { ...a, uid }, data: [bal] }));
    this.each('private', 'balance_and_position', () => true, (c, a) => send(c, {
      arg: { ...a, uid },
      data: [{ pTime: String(now), eventType: 'filled', balData: bal.details.map((x) => ({ ccy: x.ccy, cashBal: x.cashBal, uTime: String(now) })), posData: pos, trades: [] }],
    }));
  }

  publishMarket(b: Bar): void {
    const instType = this.d.book.insts.get(b.symbol)?.instType ?? '';
    const t = this.d.tape.ticker(b.symbol, instType);
    if (t !== null) this.each('public', 'tickers', (a) => a.instId === b.symbol, (c, a) => send(c, { arg: a, data: [t] }));
    this.each('public', 'mark-price', (a) => a.instId === b.symbol, (c, a) => send(c, { arg: a, data: [{ instType, instId: b.symbol, markPx: s(b.close), ts: String(b.ts) }] }));
    this.each('business', 'candle1m', (a) => a.instId === b.symbol, (c, a) => send(c, { arg: a, data: [candleRow(b, true)] }));
  }

  private each(kind: Kind, channel: string, match: (arg: Arg) => boolean, push: (c: Conn, arg: Arg) => void): void {
    for (const c of this.conns) {
      // Candles (business) need no login; the private channels do.
      if (c.kind !== kind || (kind !== 'public' && channel !== 'candle1m' && !c.authed)) continue;
      for (const arg of c.subs.values()) if (arg.channel === channel && match(arg)) push(c, arg);
    }
  }

  private flatPosition(instId: string, now: number): Arg {
    const { book } = this.d;
    return {
      instType: 'SWAP', instId, mgnMode: book.insts.get(instId)?.inst.perp?.marginMode ?? 'cross', posSide: 'net', pos: '0', avgPx: '', markPx: s(book.markPx(instId)),
      liqPx: '', lever: s(book.leverOf(instId)), upl: '0', imr: '0', mmr: '0', notionalUsd: '0', ccy: 'USDT', cTime: '', uTime: String(now),
    };
  }

  private onConnection(ws: WebSocket, kind: Kind): void {
    const c: Conn = { ws, kind, connId: randomUUID().slice(0, 8), authed: false, subs: new Map() };
    this.conns.add(c);
    ws.on('close', () => this.conns.delete(c));
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      if (text === 'ping') return send(c, 'pong');
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return send(c, { event: 'error', code: '60012', msg: `Illegal request: ${text}`, connId: c.connId });
      }
      const m = WsMessage.safeParse(raw);
      if (!m.success) return send(c, { event: 'error', code: '60012', msg: `Illegal request: ${text}`, connId: c.connId });
      this.onOp(c, m.data.op, m.data.args, m.data.id);
    });
  }

  private onOp(c: Conn, op: string, args: Arg[], id: string | undefined): void {
    const idPart = id !== undefined ? { id } : {};
    if (op === 'login') {
      if (c.kind === 'public') return send(c, { ...idPart, event: 'error', code: '60008', msg: 'The public channel does not support login.', connId: c.connId });
      const a = LoginArg.safeParse(args[0]);
      if (!a.success) return send(c, { ...idPart, event: 'error', code: '60009', msg: 'Login failed.', connId: c.connId });
      const e = checkWsLogin(this.d.creds, a.data, Date.now());
      if (e !== null) {
        this.d.log(`websocket login refused: ${e.code} ${e.msg}`);
        return send(c, { ...idPart, event: 'error', code: e.code, msg: e.msg, connId: c.connId });
      }
      c.authed = true;
      return send(c, { ...idPart, event: 'login', code: '0', msg: '', connId: c.connId });
    }
    if (op !== 'subscribe' && op !== 'unsubscribe') return send(c, { ...idPart, event: 'error', code: '60019', msg: `Invalid op: ${op}`, connId: c.connId });
    for (const arg of args) {
      const channel = typeof arg.channel === 'string' ? arg.channel : '';
      const where = PRIVATE_CHANNELS.has(channel) ? 'private' : PUBLIC_CHANNELS.has(channel) ? 'public' : channel === 'candle1m' ? 'business' : null;
      if (where === null || where !== c.kind) {
        send(c, { ...idPart, event: 'error', code: '60018', msg: `Wrong URL or channel:${channel}, instId or instType does not exist.`, connId: c.connId });
        continue;
      }
      if (where === 'private' && !c.authed) {
        send(c, { ...idPart, event: 'error', code: '60011', msg: 'Please log in', connId: c.connId });
        continue;
      }
      const key = JSON.stringify(arg);
      if (op === 'subscribe') c.subs.set(key, arg);
      else c.subs.delete(key);
      send(c, { ...idPart, event: op, arg, connId: c.connId });
      if (op === 'subscribe') this.snapshot(c, arg);
    }
  }

  /** OKX answers a subscription to positions / account with a snapshot, and a ticker with the current one. */
  private snapshot(c: Conn, arg: Arg): void {
    const { book, uid, tape } = this.d;
    const now = this.d.now();
    if (arg.channel === 'positions') send(c, { arg: { ...arg, uid }, eventType: 'snapshot', data: book.swapPositions().map((p) => positionJson(p, now)) });
    else if (arg.channel === 'account') send(c, { arg: { ...arg, uid }, eventType: 'snapshot', data: [balanceJson(book, now)] });
    else if (arg.channel === 'tickers' && typeof arg.instId === 'string') {
      const t = tape.ticker(arg.instId, book.insts.get(arg.instId)?.instType ?? '');
      if (t !== null) send(c, { arg, data: [t] });
    }
  }
}

const send = (c: Conn, msg: unknown): void => {
  if (c.ws.readyState === c.ws.OPEN) c.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
};

const typeMatches = (arg: Arg, instType: string, instId: string): boolean =>
  (arg.instType === undefined || arg.instType === 'ANY' || arg.instType === instType) && (arg.instId === undefined || arg.instId === instId);
