/**
 * `parity venue`: the simulated venue's matching core behind an Alpaca-compatible front on
 * 127.0.0.1: the REST trading API, the trade_updates stream (JSON) and the market data stream
 * (msgpack), historical bars on the market data REST paths (only bars already played: never the
 * future), plus a few endpoints of its own under /parity (submission stats, fault injection,
 * bars pushed by tests). Every state change is saved durably before the answer that reports it.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decode as mpDecode, encode as mpEncode } from '@msgpack/msgpack';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { Bar } from '../domain/market.ts';
import { loadBars } from '../data/index.ts';
import { fromWireSymbol, toWireSymbol } from '../venues/alpaca/symbols.ts';
import { VenueCore, type CoreEvent, type Result } from './core.ts';
import { usEquityClock } from '../domain/market-hours.ts';
import { alwaysOpenClock } from './market-clock.ts';
import { Replay } from './replay.ts';
import { barJson, barsPage, parseBarsQuery } from './history.ts';
import { BarsBody, FaultsBody, PatchOrderBody, PostOrderBody } from './requests.ts';
import { zodMessage } from '../util/zod-message.ts';
import { accountJson, assetId, assetJson, clockJson, fillActivityJson, orderJson, positionJson, positionSymbol, tradeUpdateJson } from './shapes.ts';
import { OPEN_STATUSES, freshState, loadState, saveState, type VenueStateData } from './state.ts';

export interface VenueServerOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly keyId: string;
  readonly secretKey: string;
  /** Where the books are kept; absent = in memory only. */
  readonly statePath?: string;
  readonly dataFiles?: readonly string[];
  /** Replay pace: x times the pace of the data's timestamps (default 60). */
  readonly speed?: number;
  readonly accountCash?: number;
  readonly accountType?: 'cash' | 'margin';
  /** IANA zone for data files without offsets. */
  readonly tz?: string;
  readonly log?: (line: string) => void;
}

export interface VenueServer {
  readonly port: number;
  /** http://127.0.0.1:PORT (REST); the streams are ws://127.0.0.1:PORT/stream and /v2/iex, /v1beta3/crypto/us. */
  readonly url: string;
  readonly core: VenueCore;
  close(): Promise<void>;
}

interface Faults {
  delayMs: number;
  duplicate: number;
  reorder: number;
  http429: number;
  retryAfterSec: number | null;
  streamDownUntil: number;
  failNext: { method: string; path: RegExp; status: number; apply: boolean; message?: string | undefined }[];
  omitExecutionId: number;
  dropFills: number;
}

interface TradeClient { ws: WebSocket; authed: boolean; listening: boolean }
interface DataClient { ws: WebSocket; authed: boolean; bars: Set<string>; quotes: Set<string>; trades: Set<string> }

const LOCALHOST = '127.0.0.1';

export async function startVenueServer(opts: VenueServerOptions): Promise<VenueServer> {
  const log = opts.log ?? (() => {});
  const accountType = opts.accountType ?? 'cash';
  const loaded = opts.statePath !== undefined ? loadState(opts.statePath) : null;
  const state: VenueStateData = loaded ?? freshState(randomUUID(), opts.accountCash ?? 100_000, 'USD', Date.now());
  /** DELETE /v2/orders/{id} requests per client order id of the order named, whatever the answer (this run only). */
  const cancelRequests: Record<string, number> = {};

  // ---------- market data ----------
  const bars: Bar[] = [];
  for (const f of opts.dataFiles ?? []) {
    for (const s of loadBars(f, { tz: opts.tz })) {
      for (let i = 0; i < s.length; i++) {
        bars.push({ kind: 'bar', symbol: s.symbol, ts: s.ts[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! });
      }
    }
  }
  bars.sort((a, b) => a.ts - b.ts);
  const dataSymbols = new Set(bars.map((b) => b.symbol));
  let lastBarTs: number | null = state.dataTime;
  // Every bar played so far (a restarted venue has played its data up to dataTime): the history the
  // market data REST serves. Bars still to come are never in it.
  const played: Bar[] = state.dataTime === null ? [] : bars.filter((b) => b.ts <= state.dataTime!);
  const replay = bars.length > 0 ? new Replay(bars, opts.speed ?? 60, state.dataTime, (b) => playBar(b)) : null;
  const now = (): number => (replay !== null ? replay.now() : lastBarTs ?? Date.now());

  // ---------- streams ----------
  const tradeClients = new Set<TradeClient>();
  const dataClients = new Set<DataClient>();
  const faults: Faults = { delayMs: 0, duplicate: 0, reorder: 0, http429: 0, retryAfterSec: null, streamDownUntil: 0, failNext: [], omitExecutionId: 0, dropFills: 0 };
  let held: { frame: string; timer: NodeJS.Timeout } | null = null;

  const sendTrade = (frame: string): void => {
    for (const c of tradeClients) if (c.listening && c.ws.readyState === c.ws.OPEN) c.ws.send(frame);
  };
  const deliver = (frame: string): void => {
    const out = (): void => {
      if (faults.duplicate > 0) {
        faults.duplicate--;
        sendTrade(frame);
      }
      sendTrade(frame);
    };
    const go = faults.delayMs > 0 ? (f: () => void) => setTimeout(f, faults.delayMs) : (f: () => void) => f();
    if (held !== null) {
      // Reorder: the event held back goes out after this one.
      const h = held;
      held = null;
      clearTimeout(h.timer);
      go(() => { out(); sendTrade(h.frame); });
      return;
    }
    if (faults.reorder > 0) {
      faults.reorder--;
      held = { frame, timer: setTimeout(() => { if (held?.frame === frame) { held = null; sendTrade(frame); } }, 250) };
      return;
    }
    go(out);
  };

  const core = new VenueCore({
    state, accountType, now, log,
    emit: (ev: CoreEvent) => {
      const isFill = ev.event === 'fill' || ev.event === 'partial_fill';
      if (isFill && faults.dropFills > 0) { faults.dropFills--; return; }
      if (isFill && faults.omitExecutionId > 0 && ev.executionId !== undefined) {
        faults.omitExecutionId--;
        const { executionId: _dropped, ...rest } = ev;
        deliver(JSON.stringify(tradeUpdateJson(rest)));
        return;
      }
      deliver(JSON.stringify(tradeUpdateJson(ev)));
    },
  });
  const persist = (): void => {
    if (!core.takeDirty() || opts.statePath === undefined) return;
    saveState(opts.statePath, core.stateData());
  };
  persist();
  if (opts.statePath !== undefined) saveState(opts.statePath, core.stateData());

  function playBar(b: Bar): void {
    core.onBar(b);
    lastBarTs = b.ts;
    played.push(b);
    if (replay !== null) {
      state.dataTime = b.ts;
      // Fills are on disk before anyone hears of the bar that caused them.
      core.takeDirty();
      if (opts.statePath !== undefined) saveState(opts.statePath, core.stateData());
    } else persist();
    broadcastBar(b);
  }

  function broadcastBar(b: Bar): void {
    const inst = core.instruments.get(b.symbol)!;
    const wire = toWireSymbol(b.symbol, inst.assetClass);
    const frame = mpEncode([{ T: 'b', S: wire, o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume, t: new Date(b.ts), n: 1, vw: b.close }]);
    for (const c of dataClients) {
      if (c.authed && (c.bars.has(wire) || c.bars.has('*')) && c.ws.readyState === c.ws.OPEN) c.ws.send(frame);
    }
  }

  // ---------- REST ----------
  const keyOk = (got: string | string[] | undefined, want: string): boolean => {
    if (typeof got !== 'string') return false;
    const a = Buffer.from(got);
    const b = Buffer.from(want);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...(text !== '' ? { 'content-type': 'application/json' } : {}), ...headers });
    res.end(text);
  };
  const sendErr = (res: ServerResponse, status: number, code: number, message: string, headers: Record<string, string> = {}): void =>
    send(res, status, { code, message }, headers);
  const sendResult = <T>(res: ServerResponse, r: Result<T>, ok: (v: T) => void): void => {
    if (r.ok) ok(r.value);
    else sendErr(res, r.status, r.code, r.message);
  };

  const readBody = (req: IncomingMessage): Promise<string> => new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) reject(new Error('body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });

  const parseJson = (text: string): unknown => {
    if (text.trim() === '') return {};
    return JSON.parse(text);
  };

  const shortable = accountType === 'margin';

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${LOCALHOST}`);
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    const text = method === 'GET' || method === 'HEAD' ? '' : await readBody(req);
    let body: unknown;
    try {
      body = parseJson(text);
    } catch {
      sendErr(res, 400, 40010000, 'request body is not valid JSON');
      return;
    }

    if (path.startsWith('/parity/')) {
      handleAdmin(method, path, body, res);
      return;
    }
    // Crypto market data is public at Alpaca: no keys needed.
    if (path === '/v1beta3/crypto/us/bars' && method === 'GET') {
      serveBars(url.searchParams, res, true);
      return;
    }
    if (!path.startsWith('/v2/')) {
      sendErr(res, 404, 40410000, 'endpoint not found');
      return;
    }
    if (!keyOk(req.headers['apca-api-key-id'], opts.keyId) || !keyOk(req.headers['apca-api-secret-key'], opts.secretKey)) {
      sendErr(res, 401, 40110000, 'request is not authorized');
      return;
    }
    if (faults.http429 > 0) {
      faults.http429--;
      if (method === 'POST' && path === '/v2/orders' && typeof body === 'object' && body !== null) {
        const cid = (body as { client_order_id?: unknown }).client_order_id;
        if (typeof cid === 'string') {
          state.throttled[cid] = (state.throttled[cid] ?? 0) + 1;
          persist();
        }
      }
      sendErr(res, 429, 42910000, 'rate limit exceeded', faults.retryAfterSec !== null ? { 'retry-after': String(faults.retryAfterSec) } : {});
      return;
    }
    const fi = faults.failNext.findIndex((f) => f.method === method && f.path.test(path));
    if (fi >= 0) {
      const f = faults.failNext.splice(fi, 1)[0]!;
      if (f.apply) {
        // Carry the request out, answer into the void, then tell the client it failed.
        const lost = { writeHead: () => lost, end: () => lost, setHeader: () => lost } as unknown as ServerResponse;
        route(method, path, url.searchParams, body, lost);
        persist();
      }
      sendErr(res, f.status, f.status * 100_000, f.message ?? `injected fault: HTTP ${f.status}${f.apply ? ' (the request was carried out)' : ''}`);
      return;
    }
    route(method, path, url.searchParams, body, res);
    persist();
  }

  /** Historical one-minute bars (market data REST), from what has been played: never the future. */
  function serveBars(q: URLSearchParams, res: ServerResponse, crypto: boolean, single?: string): void {
    const p = parseBarsQuery(q, now(), single);
    if (!p.ok) {
      sendErr(res, 400, 40010001, p.message);
      return;
    }
    const wireOf = (b: Bar): string => toWireSymbol(b.symbol, core.instruments.get(b.symbol)!.assetClass);
    const page = barsPage(played, p.req, now(), wireOf);
    if (!page.ok) {
      sendErr(res, 400, 40010001, page.message);
      return;
    }
    if (single !== undefined) {
      send(res, 200, { bars: (page.bars.get(single) ?? []).map(barJson), symbol: single, next_page_token: page.next });
      return;
    }
    const out: Record<string, unknown[]> = {};
    for (const [sym, list] of page.bars) out[sym] = list.map(barJson);
    send(res, 200, { bars: out, next_page_token: page.next, ...(crypto ? {} : { currency: 'USD' }) });
  }

  function route(method: string, path: string, q: URLSearchParams, body: unknown, res: ServerResponse): void {
    if (path === '/v2/stocks/bars' && method === 'GET') {
      serveBars(q, res, false);
      return;
    }
    const sb = /^\/v2\/stocks\/([^/]+)\/bars$/.exec(path);
    if (sb !== null && method === 'GET') {
      serveBars(q, res, false, decodeURIComponent(sb[1]!));
      return;
    }
    if (path === '/v2/account' && method === 'GET') {
      send(res, 200, accountJson(state.accountId, core.snapshot().account, state.createdAt, shortable));
      return;
    }
    if (path === '/v2/orders' && method === 'POST') {
      const p = PostOrderBody.safeParse(body);
      if (!p.success) {
        const cid = typeof body === 'object' && body !== null ? (body as { client_order_id?: unknown }).client_order_id : undefined;
        if (typeof cid === 'string') state.submissions[cid] = (state.submissions[cid] ?? 0) + 1;
        if (opts.statePath !== undefined) saveState(opts.statePath, core.stateData());
        sendErr(res, 422, 40010001, zodMessage(p.error));
        return;
      }
      const r = core.submit(p.data);
      persist();
      sendResult(res, r, (o) => send(res, 200, orderJson(o)));
      return;
    }
    if (path === '/v2/orders' && method === 'GET') {
      const status = q.get('status') ?? 'open';
      const limit = Math.min(500, Math.max(1, Number(q.get('limit') ?? 50) || 50));
      const symbols = q.get('symbols')?.split(',').map((s) => s.trim()).filter((s) => s !== '');
      const after = q.get('after') !== null ? Date.parse(q.get('after')!) : Number.NEGATIVE_INFINITY;
      const until = q.get('until') !== null ? Date.parse(q.get('until')!) : Number.POSITIVE_INFINITY;
      let list = core.orders().filter((o) => (status === 'all' ? true : status === 'open' ? OPEN_STATUSES.has(o.status) : !OPEN_STATUSES.has(o.status)));
      list = list.filter((o) => o.createdAt > after && o.createdAt < until && (symbols === undefined || symbols.includes(o.symbol)));
      list.sort((a, b) => (q.get('direction') === 'asc' ? a.createdAt - b.createdAt : b.createdAt - a.createdAt));
      send(res, 200, list.slice(0, limit).map(orderJson));
      return;
    }
    if (path === '/v2/orders' && method === 'DELETE') {
      send(res, 207, core.cancelAll().map((r) => ({ id: r.id, status: r.status })));
      return;
    }
    if (path === '/v2/orders:by_client_order_id' && method === 'GET') {
      const cid = q.get('client_order_id');
      const o = cid === null ? undefined : core.orderByClientId(cid);
      if (o === undefined) sendErr(res, 404, 40410000, 'order not found');
      else send(res, 200, orderJson(o));
      return;
    }
    const m = /^\/v2\/orders\/([^/]+)$/.exec(path);
    if (m !== null) {
      const id = decodeURIComponent(m[1]!);
      if (method === 'GET') {
        const o = core.order(id);
        if (o === undefined) sendErr(res, 404, 40410000, 'order not found');
        else send(res, 200, orderJson(o));
      } else if (method === 'DELETE') {
        const c = core.order(id)?.clientOrderId;
        if (c !== undefined) cancelRequests[c] = (cancelRequests[c] ?? 0) + 1;
        sendResult(res, core.cancel(id), () => send(res, 204, undefined));
      } else if (method === 'PATCH') {
        const p = PatchOrderBody.safeParse(body);
        if (!p.success) sendErr(res, 422, 40010001, zodMessage(p.error));
        else sendResult(res, core.replace(id, p.data), (o) => send(res, 200, orderJson(o)));
      } else sendErr(res, 405, 40510000, 'method not allowed');
      return;
    }
    if (path === '/v2/positions' && method === 'GET') {
      send(res, 200, core.snapshot().positions.filter((p) => p.qty !== 0).map((p) => positionJson(p, core.instruments.get(p.symbol)!)));
      return;
    }
    // As at Alpaca: a position is found by the symbol its listing shows ("BTCUSD", "AAPL") or by its
    // asset id; "BTC/USD" (percent-encoded or not) is a 404, as is any other spelling.
    const pm = /^\/v2\/positions\/(.+)$/.exec(path);
    if (pm !== null && method === 'GET') {
      const key = decodeURIComponent(pm[1]!);
      const p = core.snapshot().positions.find((x) => {
        if (x.qty === 0) return false;
        const inst = core.instruments.get(x.symbol)!;
        return key === positionSymbol(inst) || key === assetId(toWireSymbol(x.symbol, inst.assetClass));
      });
      if (p === undefined) sendErr(res, 404, 40410000, 'position does not exist');
      else send(res, 200, positionJson(p, core.instruments.get(p.symbol)!));
      return;
    }
    if (path === '/v2/clock' && method === 'GET') {
      // timestamp is this machine's clock (what a clock-skew check compares with); market hours are
      // judged at venue time, which is data time while replaying (also given, as parity_venue_time),
      // on the exchange calendar the gates use (holidays, early closes: domain/market-hours.ts).
      const t = now();
      const equities = [...dataSymbols].some((s) => core.instruments.get(s)!.calendar === 'us_equity');
      send(res, 200, { ...clockJson(Date.now(), equities || dataSymbols.size === 0 ? usEquityClock(t) : alwaysOpenClock(t)), parity_venue_time: new Date(t).toISOString() });
      return;
    }
    const am = /^\/v2\/assets\/(.+)$/.exec(path);
    if (am !== null && method === 'GET') {
      const raw = decodeURIComponent(am[1]!);
      // Alpaca also accepts "BTCUSD" for "BTC/USD".
      const wire = !raw.includes('/') && /^[A-Z]{2,6}(USD|USDT|USDC|BTC)$/.test(raw) && [...dataSymbols].some((s) => s.replace('-', '') === raw)
        ? toWireSymbol([...dataSymbols].find((s) => s.replace('-', '') === raw)!) : raw;
      if (!/^[A-Za-z0-9./-]{1,20}$/.test(wire)) {
        sendErr(res, 404, 40410000, 'asset not found');
        return;
      }
      send(res, 200, assetJson(core.instruments.get(fromWireSymbol(wire))!, shortable));
      return;
    }
    if ((path === '/v2/account/activities/FILL' || path === '/v2/account/activities') && method === 'GET') {
      if (path === '/v2/account/activities' && !(q.get('activity_types') ?? 'FILL').split(',').includes('FILL')) {
        send(res, 200, []);
        return;
      }
      const after = q.get('after') !== null ? Date.parse(q.get('after')!) : Number.NEGATIVE_INFINITY;
      const until = q.get('until') !== null ? Date.parse(q.get('until')!) : Number.POSITIVE_INFINITY;
      const asc = q.get('direction') === 'asc';
      const size = Math.min(100, Math.max(1, Number(q.get('page_size') ?? 100) || 100));
      let list = core.fills().filter((f) => f.ts > after && f.ts < until);
      if (!asc) list = [...list].reverse();
      const token = q.get('page_token');
      if (token !== null) {
        const i = list.findIndex((f) => f.activityId === token);
        list = i < 0 ? [] : list.slice(i + 1);
      }
      send(res, 200, list.slice(0, size).map(fillActivityJson));
      return;
    }
    sendErr(res, 404, 40410000, 'endpoint not found');
  }

  function handleAdmin(method: string, path: string, body: unknown, res: ServerResponse): void {
    if (path === '/parity/stats' && method === 'GET') {
      const s = core.stateData();
      const total = Object.values(s.submissions).reduce((a, b) => a + b, 0);
      send(res, 200, {
        accountId: s.accountId, submissions: s.submissions, duplicates: s.duplicates, throttled: s.throttled, cancelRequests,
        totalSubmissions: total, orders: s.orders.length, openOrders: s.orders.filter((o) => OPEN_STATUSES.has(o.status)).length,
        fills: s.fills.length, cancelAllCalls: s.cancelAllCalls, dataTime: s.dataTime, replayRemaining: replay?.remaining ?? 0,
        tradeClients: [...tradeClients].filter((c) => c.listening).length, dataClients: dataClients.size,
      });
      return;
    }
    if (path === '/parity/faults' && method === 'GET') {
      send(res, 200, { ...faults, failNext: faults.failNext.map((f) => ({ ...f, path: f.path.source })), ...core.faults });
      return;
    }
    if (path === '/parity/faults' && method === 'POST') {
      const p = FaultsBody.safeParse(body);
      if (!p.success) {
        sendErr(res, 422, 40010001, zodMessage(p.error));
        return;
      }
      const f = p.data;
      if (f.delayMs !== undefined) faults.delayMs = f.delayMs;
      if (f.duplicate !== undefined) faults.duplicate = f.duplicate;
      if (f.reorder !== undefined) faults.reorder = f.reorder;
      if (f.http429 !== undefined) faults.http429 = f.http429;
      if (f.retryAfterSec !== undefined) faults.retryAfterSec = f.retryAfterSec;
      if (f.reject !== undefined) core.faults.reject = f.reject;
      if (f.partialFill !== undefined) core.faults.partialFill = f.partialFill;
      if (f.rejectReplacement !== undefined) core.faults.rejectReplacement = f.rejectReplacement;
      if (f.omitExecutionId !== undefined) faults.omitExecutionId = f.omitExecutionId;
      if (f.dropFills !== undefined) faults.dropFills = f.dropFills;
      if (f.failNext !== undefined) faults.failNext.push(...f.failNext.map((x) => ({ ...x, path: new RegExp(x.path) })));
      if (f.streamDownMs !== undefined) faults.streamDownUntil = Date.now() + f.streamDownMs;
      if (f.dropStream === true) for (const c of tradeClients) c.ws.terminate();
      if (f.dropData === true) for (const c of dataClients) c.ws.terminate();
      send(res, 200, { ...faults, failNext: faults.failNext.map((f) => ({ ...f, path: f.path.source })), ...core.faults });
      return;
    }
    if (path === '/parity/bars' && method === 'POST') {
      const p = BarsBody.safeParse(body);
      if (!p.success) {
        sendErr(res, 422, 40010001, zodMessage(p.error));
        return;
      }
      for (const b of p.data.bars) {
        playBar({ kind: 'bar', symbol: fromWireSymbol(b.S), ts: b.t, open: b.o, high: b.h, low: b.l, close: b.c, volume: b.v });
      }
      send(res, 200, { played: p.data.bars.length, now: now() });
      return;
    }
    sendErr(res, 404, 40410000, 'endpoint not found');
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log(`error: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      if (!res.headersSent) sendErr(res, 500, 50010000, 'internal error');
      else res.end();
    });
  });

  // ---------- websockets ----------
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  server.on('upgrade', (req, socket, head) => {
    const path = new URL(req.url ?? '/', `http://${LOCALHOST}`).pathname;
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (path === '/stream') onTradeSocket(ws);
      else onDataSocket(ws);
    });
  });

  const TradeMsg = z.union([
    z.object({ action: z.literal('authenticate'), data: z.object({ key_id: z.string(), secret_key: z.string() }) }),
    z.object({ action: z.literal('listen'), data: z.object({ streams: z.array(z.string()) }) }),
  ]);

  function onTradeSocket(ws: WebSocket): void {
    if (Date.now() < faults.streamDownUntil) {
      ws.terminate();
      return;
    }
    const c: TradeClient = { ws, authed: false, listening: false };
    tradeClients.add(c);
    ws.on('close', () => tradeClients.delete(c));
    ws.on('error', () => tradeClients.delete(c));
    ws.on('message', (raw: Buffer) => {
      let msg: unknown;
      try {
        msg = JSON.parse(raw.toString('utf8'));
      } catch {
        ws.send(JSON.stringify({ stream: 'error', data: { error_message: 'invalid JSON' } }));
        return;
      }
      const p = TradeMsg.safeParse(msg);
      if (!p.success) {
        ws.send(JSON.stringify({ stream: 'error', data: { error_message: 'unrecognized message' } }));
        return;
      }
      if (p.data.action === 'authenticate') {
        c.authed = keyOk(p.data.data.key_id, opts.keyId) && keyOk(p.data.data.secret_key, opts.secretKey);
        ws.send(JSON.stringify({ stream: 'authorization', data: { status: c.authed ? 'authorized' : 'unauthorized', action: 'authenticate' } }));
        if (!c.authed) ws.close();
        return;
      }
      if (!c.authed) {
        ws.send(JSON.stringify({ stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } }));
        return;
      }
      // Repeated listens are harmless: the set of streams is simply restated.
      c.listening = p.data.data.streams.includes('trade_updates');
      ws.send(JSON.stringify({ stream: 'listening', data: { streams: c.listening ? ['trade_updates'] : [] } }));
    });
  }

  const DataMsg = z.union([
    z.object({ action: z.literal('auth'), key: z.string(), secret: z.string() }),
    z.object({ action: z.enum(['subscribe', 'unsubscribe']), bars: z.array(z.string()).optional(), quotes: z.array(z.string()).optional(), trades: z.array(z.string()).optional() }).loose(),
  ]);

  function onDataSocket(ws: WebSocket): void {
    const c: DataClient = { ws, authed: false, bars: new Set(), quotes: new Set(), trades: new Set() };
    dataClients.add(c);
    ws.on('close', () => dataClients.delete(c));
    ws.on('error', () => dataClients.delete(c));
    const out = (frames: unknown[]): void => { if (ws.readyState === ws.OPEN) ws.send(mpEncode(frames)); };
    out([{ T: 'success', msg: 'connected' }]);
    ws.on('message', (raw: Buffer) => {
      let msg: unknown;
      try {
        msg = mpDecode(raw);
      } catch {
        out([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
        return;
      }
      const p = DataMsg.safeParse(msg);
      if (!p.success) {
        out([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
        return;
      }
      const m = p.data;
      if (m.action === 'auth') {
        if (c.authed) {
          out([{ T: 'error', code: 403, msg: 'already authenticated' }]);
          return;
        }
        c.authed = keyOk(m.key, opts.keyId) && keyOk(m.secret, opts.secretKey);
        out([c.authed ? { T: 'success', msg: 'authenticated' } : { T: 'error', code: 402, msg: 'auth failed' }]);
        if (!c.authed) ws.close();
        return;
      }
      if (!c.authed) {
        out([{ T: 'error', code: 401, msg: 'not authenticated' }]);
        return;
      }
      const add = m.action === 'subscribe';
      for (const [set, list] of [[c.bars, m.bars], [c.quotes, m.quotes], [c.trades, m.trades]] as const) {
        for (const s of list ?? []) {
          if (add) set.add(s);
          else set.delete(s);
        }
      }
      out([{ T: 'subscription', trades: [...c.trades], quotes: [...c.quotes], bars: [...c.bars] }]);
      // The replay starts when somebody is listening for bars: nothing is played to an empty room.
      if (add && c.bars.size > 0) replay?.start();
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, LOCALHOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    url: `http://${LOCALHOST}:${port}`,
    core,
    close: async () => {
      replay?.stop();
      if (held !== null) clearTimeout(held.timer);
      persist();
      for (const c of tradeClients) c.ws.terminate();
      for (const c of dataClients) c.ws.terminate();
      wss.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
