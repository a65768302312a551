/**
 * A small, deliberately hostile OKX v5 server (REST + private websocket) for the hostile review of
 * the ccxt adapter. It is NOT the project's fake: it knows just enough of OKX v5 for ccxt 4.5's okx
 * class (instruments, time, account config / balance / positions / bills, orders, fills,
 * cancel-all-after, the private 'orders' channel) and lets a test script every answer: any route can
 * be overridden, the socket can push anything (including frames a well-behaved venue would not) or
 * go silent without closing, and the clock can be skewed.
 *
 * Every number is a string, "" for absent, as OKX sends them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const CREDS = { apiKey: 'hostilekey0123456789', secret: 'HOSTILESECRETdoNotPrint42', passphrase: 'Pass-Phrase-Sekrit-9' } as const;
export const INST = 'BTC-USDT-SWAP';
export const SYMBOL = 'BTC/USDT:USDT';

export interface Req { readonly method: string; readonly path: string; readonly query: URLSearchParams; readonly body: unknown; readonly headers: IncomingMessage['headers'] }
/** An answer: HTTP status and JSON (or raw text) body; 'hang' never answers. */
export type Answer = { status: number; body: unknown } | { status: number; raw: string } | 'hang';
export type Route = (r: Req) => Answer | undefined;

export interface HOrder {
  ordId: string; clOrdId: string; tag: string; px: string; sz: string; side: 'buy' | 'sell'; ordType: string; state: string;
  accFillSz: string; avgPx: string; cTime: string; uTime: string; fillSz?: string; fillPx?: string; tradeId?: string; fillTime?: string; fillFee?: string;
}

export const ok = (data: unknown[]): Answer => ({ status: 200, body: { code: '0', msg: '', data } });
export const okxErr = (code: string, msg: string, status = 200, data: unknown[] = []): Answer => ({ status, body: { code, msg, data } });

export function orderJson(o: HOrder): Record<string, unknown> {
  return {
    instType: 'SWAP', instId: INST, ordId: o.ordId, clOrdId: o.clOrdId, tag: o.tag, px: o.px, sz: o.sz, ordType: o.ordType, side: o.side, posSide: 'net',
    tdMode: 'cross', accFillSz: o.accFillSz, fillPx: o.fillPx ?? '', fillSz: o.fillSz ?? '0', tradeId: o.tradeId ?? '', fillTime: o.fillTime ?? '', fillFee: o.fillFee ?? '0',
    fillFeeCcy: 'USDT', execType: o.tradeId !== undefined ? 'T' : '', avgPx: o.avgPx, state: o.state, lever: '3', fee: o.fillFee ?? '0', feeCcy: 'USDT', rebate: '0',
    rebateCcy: 'USDT', pnl: '0', category: 'normal', reduceOnly: 'false', cancelSource: '', cancelSourceReason: '', amendResult: '', reqId: '', source: '',
    cTime: o.cTime, uTime: o.uTime, code: '0', msg: '',
  };
}

export function fillJson(f: { tradeId: string; ordId: string; clOrdId: string; px: string; sz: string; side: 'buy' | 'sell'; ts: number; fee?: string; billId?: string }): Record<string, unknown> {
  return {
    instType: 'SWAP', instId: INST, tradeId: f.tradeId, ordId: f.ordId, clOrdId: f.clOrdId, billId: f.billId ?? `b${f.tradeId}`, tag: 'parity', fillPx: f.px, fillSz: f.sz,
    side: f.side, posSide: 'net', execType: 'T', feeCcy: 'USDT', fee: f.fee ?? '-0.1', ts: String(f.ts), fillTime: String(f.ts), fillIdxPx: '', fillMarkPx: '',
  };
}

export function billJson(b: { billId: string; type: string; subType: string; balChg: string; ts: number; pnl?: string; sz?: string; px?: string; instId?: string }): Record<string, unknown> {
  return {
    billId: b.billId, ccy: 'USDT', instId: b.instId ?? INST, instType: 'SWAP', type: b.type, subType: b.subType, balChg: b.balChg, bal: '10000', posBal: '0', posBalChg: '0',
    sz: b.sz ?? '', px: b.px ?? '', pnl: b.pnl ?? '', fee: '0', ordId: '', clOrdId: '', tradeId: '', mgnMode: 'cross', execType: '', from: '', to: '', notes: '', interest: '0',
    tag: '', fillTime: '', ts: String(b.ts),
  };
}

const instrument = {
  instType: 'SWAP', instId: INST, uly: 'BTC-USDT', instFamily: 'BTC-USDT', baseCcy: '', quoteCcy: '', settleCcy: 'USDT', ctValCcy: 'BTC', ctVal: '0.01', ctMult: '1',
  ctType: 'linear', alias: '', category: '1', expTime: '', listTime: '1606468572000', lever: '100', lotSz: '1', minSz: '1', tickSz: '0.1', maxLmtSz: '100000',
  maxMktSz: '10000', optType: '', stk: '', state: 'live', ruleType: 'normal',
};

export interface Hostile {
  readonly restUrl: string;
  readonly wsUrl: string;
  /** Every REST request in arrival order ("GET account/bills?..."). */
  readonly log: string[];
  readonly orders: Map<string, HOrder>;
  fills: Record<string, unknown>[];
  bills: Record<string, unknown>[];
  positions: Record<string, unknown>[];
  /** Milliseconds added to the venue's clock (public/time, and the signature check). */
  skewMs: number;
  /** First route that answers wins; undefined falls through to the default. */
  readonly routes: Route[];
  /** Private socket behaviour: 'ok', 'login-fails' (error event), 'login-fails-echo' (OKX echoes the request). */
  wsLogin: 'ok' | 'login-fails' | 'login-fails-echo';
  /** Silent: the socket stays open but nothing is sent, not even pong. */
  silent: boolean;
  readonly wsMessages: string[];
  /** Push one frame on the private 'orders' channel. */
  pushOrders(data: Record<string, unknown>[]): void;
  /** Push one frame on any private channel ('positions', ...). */
  push(channel: string, data: Record<string, unknown>[]): void;
  privateSockets(): number;
  close(): Promise<void>;
}

export async function startHostile(): Promise<Hostile> {
  let nextOrd = 1000;
  const sockets = new Set<WebSocket>();
  const subscribed = new Set<WebSocket>();
  const h: Hostile = {
    restUrl: '', wsUrl: '', log: [], orders: new Map(), fills: [], bills: [], positions: [], skewMs: 0, routes: [], wsLogin: 'ok', silent: false, wsMessages: [],
    pushOrders(data) {
      const frame = JSON.stringify({ arg: { channel: 'orders', instType: 'ANY', uid: '77' }, data });
      for (const s of subscribed) s.send(frame);
    },
    push(channel, data) {
      const frame = JSON.stringify({ arg: { channel, instType: 'ANY', uid: '77' }, data });
      for (const s of subscribed) s.send(frame);
    },
    privateSockets: () => subscribed.size,
    close: async () => {
      for (const s of sockets) s.terminate();
      await new Promise<void>((res) => { wss.close(() => res()); });
      server.closeAllConnections();
      await new Promise<void>((res) => { server.close(() => res()); });
    },
  };
  const now = (): number => Date.now() + h.skewMs;

  function defaults(r: Req): Answer {
    const key = `${r.method} ${r.path}`;
    const q = (k: string): string | undefined => r.query.get(k) ?? undefined;
    switch (key) {
      case 'GET public/time': return ok([{ ts: String(now()) }]);
      case 'GET public/instruments': return ok(q('instType') === 'SWAP' ? [instrument] : []);
      case 'GET account/config': return ok([{ uid: '77', mainUid: '77', acctLv: '2', posMode: 'net_mode', autoLoan: false, greeksType: 'PA', level: 'Lv1', levelTmp: '', label: 'hostile', perm: 'read_only,trade' }]);
      case 'GET account/balance': return ok([{ uTime: String(now()), totalEq: '10000', adjEq: '10000', imr: '0', mmr: '0', mgnRatio: '', notionalUsd: '0', ordFroz: '0', upl: '0', details: [{ ccy: 'USDT', eq: '10000', cashBal: '10000', availBal: '10000', availEq: '10000', frozenBal: '0', ordFrozen: '0', upl: '0', uTime: String(now()) }] }]);
      case 'GET account/positions': return ok(h.positions);
      case 'POST account/set-leverage': return ok([{ instId: INST, lever: '3', mgnMode: 'cross', posSide: 'net' }]);
      case 'GET account/bills':
      case 'GET account/bills-archive': {
        const begin = Number(q('begin') ?? 0);
        const after = q('after');
        const limit = Number(q('limit') ?? 100);
        let rows = [...h.bills].sort((a, b) => Number(b.ts) - Number(a.ts)).filter((b) => Number(b.ts) >= begin);
        if (after !== undefined) { const i = rows.findIndex((b) => b.billId === after); rows = i >= 0 ? rows.slice(i + 1) : rows; }
        return ok(rows.slice(0, limit));
      }
      case 'GET trade/fills':
      case 'GET trade/fills-history': {
        const begin = Number(q('begin') ?? 0);
        return ok([...h.fills].sort((a, b) => Number(b.ts) - Number(a.ts)).filter((f) => Number(f.ts) >= begin));
      }
      case 'GET trade/orders-pending': return ok([...h.orders.values()].filter((o) => o.state === 'live' || o.state === 'partially_filled').map(orderJson));
      case 'GET trade/order': {
        const o = [...h.orders.values()].find((x) => (q('ordId') !== undefined && x.ordId === q('ordId')) || (q('clOrdId') !== undefined && x.clOrdId === q('clOrdId')));
        return o === undefined ? okxErr('51603', 'Order does not exist') : ok([orderJson(o)]);
      }
      case 'POST trade/batch-orders':
      case 'POST trade/order': {
        const reqs = (Array.isArray(r.body) ? r.body : [r.body]) as Record<string, string>[];
        const out: unknown[] = [];
        for (const b of reqs) {
          if ([...h.orders.values()].some((o) => o.clOrdId === b.clOrdId && (o.state === 'live' || o.state === 'partially_filled'))) {
            return okxErr('1', 'All operations failed', 200, [{ clOrdId: b.clOrdId, ordId: '', tag: b.tag ?? '', sCode: '51016', sMsg: 'Duplicated client order ID' }]);
          }
          const ordId = String(nextOrd++);
          const t = String(now());
          h.orders.set(ordId, { ordId, clOrdId: b.clOrdId ?? '', tag: b.tag ?? '', px: b.px ?? '', sz: b.sz ?? '', side: b.side as 'buy' | 'sell', ordType: b.ordType ?? 'limit', state: 'live', accFillSz: '0', avgPx: '', cTime: t, uTime: t });
          out.push({ clOrdId: b.clOrdId ?? '', ordId, tag: b.tag ?? '', ts: t, sCode: '0', sMsg: '' });
        }
        return ok(out);
      }
      case 'POST trade/cancel-order': {
        const b = r.body as Record<string, string>;
        const o = [...h.orders.values()].find((x) => x.ordId === b.ordId || (b.clOrdId !== undefined && x.clOrdId === b.clOrdId));
        if (o === undefined) return okxErr('1', 'Operation failed', 200, [{ sCode: '51400', sMsg: 'Cancellation failed as the order does not exist' }]);
        o.state = 'canceled';
        o.uTime = String(now());
        return ok([{ ordId: o.ordId, clOrdId: o.clOrdId, sCode: '0', sMsg: '' }]);
      }
      case 'POST trade/cancel-all-after': {
        const b = r.body as Record<string, string>;
        return ok([{ triggerTime: b.timeOut === '0' ? '0' : String(now() + Number(b.timeOut) * 1000), tag: b.tag ?? '', ts: String(now()) }]);
      }
      case 'GET market/candles':
      case 'GET market/history-candles': return ok([]);
      default: return okxErr('50115', `hostile server has no ${key}`, 404);
    }
  }

  const reply = (res: ServerResponse, a: Answer): void => {
    if (a === 'hang') return;
    if ('raw' in a) { res.writeHead(a.status, { 'content-type': 'text/html' }); res.end(a.raw); return; }
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c.toString(); });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = url.pathname.replace(/^\/api\/v5\//, '');
      let body: unknown = null;
      try { body = raw === '' ? null : JSON.parse(raw); } catch { body = raw; }
      const r: Req = { method: req.method ?? 'GET', path, query: url.searchParams, body, headers: req.headers };
      h.log.push(`${r.method} ${path}${url.search}${raw !== '' ? ` ${raw}` : ''}`);
      // A real OKX refuses a signature whose timestamp is more than 30 s off its clock (50102).
      const ts = req.headers['ok-access-timestamp'];
      if (typeof ts === 'string' && Math.abs(Date.parse(ts) - now()) > 30_000) { reply(res, okxErr('50102', 'Timestamp request expired', 401)); return; }
      for (const route of h.routes) {
        const a = route(r);
        if (a !== undefined) { reply(res, a); return; }
      }
      reply(res, defaults(r));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => { wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)); });
  wss.on('connection', (ws, req) => {
    sockets.add(ws);
    const isPrivate = (req.url ?? '').includes('/private');
    ws.on('close', () => { sockets.delete(ws); subscribed.delete(ws); });
    ws.on('message', (m: Buffer) => {
      const text = m.toString();
      h.wsMessages.push(text);
      if (h.silent) return;
      if (text === 'ping') { ws.send('pong'); return; }
      let msg: { op?: string; args?: Record<string, unknown>[] };
      try { msg = JSON.parse(text) as typeof msg; } catch { return; }
      if (msg.op === 'login') {
        if (h.wsLogin === 'ok') ws.send(JSON.stringify({ event: 'login', code: '0', msg: '', connId: 'c1' }));
        else if (h.wsLogin === 'login-fails') ws.send(JSON.stringify({ event: 'error', code: '60009', msg: 'Login failed.', connId: 'c1' }));
        else ws.send(JSON.stringify({ event: 'error', code: '60012', msg: `Illegal request: ${text}`, connId: 'c1' }));
        return;
      }
      if (msg.op === 'subscribe') {
        for (const a of msg.args ?? []) ws.send(JSON.stringify({ event: 'subscribe', arg: a, connId: 'c1' }));
        if (isPrivate) subscribed.add(ws);
      }
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(h, { restUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws/v5` });
}
