/**
 * The Deribit fake's wire: API v2 over HTTP (GET or POST /api/v2/<public|private>/<method>, private
 * calls signed deri-hmac-sha256), the JSON-RPC websocket (streams.ts) on the same 127.0.0.1 port,
 * the unsigned admin under /admin, and the venue clock's work (bars due, 8-hourly funding). The
 * methods are venue.ts; index.ts documents the whole.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadReplay } from '../crypto-replay.ts';
import type { Bar } from '../../domain/market.ts';
import { routeAdmin } from '../crypto-admin.ts';
import { OkxBook } from '../okx/book.ts';
import { VenueClock } from '../okx/clock.ts';
import { FaultState } from '../okx/faults.ts';
import { MarketTape } from '../okx/market.ts';
import type { OkxInstrumentSpec } from '../okx/types.ts';
import { E, rpcError, type RpcError } from './errors.ts';
import { parseDeribitFault, type DeribitFaultIn } from './faults.ts';
import { checkRestAuth, type Credentials } from './signing.ts';
import { DeribitStreams } from './streams.ts';
import type { DeribitAdmin, DeribitBarIn, DeribitFake, DeribitFakeOptions, DeribitInstrumentSpec, DeribitStateDump } from './types.ts';
import { DeribitVenue } from './venue.ts';

export const DEFAULT_DERIBIT_INSTRUMENTS: readonly DeribitInstrumentSpec[] = [
  // As Deribit lists BTC_USDC-PERPETUAL (public/get_instrument): tick 1, min 0.001, contract_size 0.001.
  { name: 'BTC_USDC-PERPETUAL', tickSize: 1, minTradeAmount: 0.001, contractSize: 0.001 },
  // ETH's figures are the fake's own choice (not checked against Deribit's listing).
  { name: 'ETH_USDC-PERPETUAL', tickSize: 0.1, minTradeAmount: 0.01, contractSize: 0.01 },
];
const EIGHT_HOURS = 8 * 3_600_000;

type Answer = { status: number; body: unknown };

export async function startDeribitFake(opts: DeribitFakeOptions = {}): Promise<DeribitFake> {
  const log = opts.log ?? (() => {});
  const creds: Credentials = { apiKey: opts.clientId ?? 'parity-deribit-id', secret: opts.clientSecret ?? 'parity-deribit-secret' };
  const testnet = opts.testnet ?? true;
  const fundingIntervalMs = opts.fundingIntervalMs ?? EIGHT_HOURS;
  const fundingRate = opts.fundingRate ?? 0.0001;
  const instruments = opts.instruments ?? DEFAULT_DERIBIT_INSTRUMENTS;
  const faults = new FaultState();
  faults.rejectCode = '10009';
  // The book's own names: OKX-style linear swaps of one base unit per contract, cash labelled USDT.
  const bookSpecs: OkxInstrumentSpec[] = instruments.map((i) => ({ instId: `${i.name.split('_')[0]}-USDT-SWAP`, tickSz: i.tickSize, lotSz: i.minTradeAmount, minSz: i.minTradeAmount, ctVal: 1 }));

  const replay = loadReplay(opts.data ?? [], opts.tz, {
    idsOf: (b) => bookSpecs.filter((i) => i.instId.split('-')[0] === b).map((i) => i.instId), names: instruments.map((i) => i.name),
    // Deribit names put the base before an underscore (BTC_USDC).
    baseOf: (s) => s.toUpperCase().split(/[-/_]/)[0] ?? '',
  });
  let nextBar = 0;
  const start = opts.startTime ?? (replay[0] !== undefined ? replay[0].ts - 1 : Date.now());
  const clock = new VenueClock(start, opts.speed ?? 1);
  let eventTs: number | null = null;
  const venueNow = (): number => eventTs ?? clock.now();

  let streams: DeribitStreams | null = null;
  const book: OkxBook = new OkxBook({
    instruments: bookSpecs, cash: opts.cash ?? 100_000, leverage: opts.leverage ?? 3, fundingIntervalMs, fundingRate,
    fees: opts.fees ?? { makerBps: 2, takerBps: 5 }, now: venueNow, faults, emit: (ev) => streams?.onBookEvent(ev),
  });
  const tape = new MarketTape();
  const venue = new DeribitVenue({ book, tape, faults, instruments, userId: opts.userId ?? 1001, username: opts.username ?? 'parity-deribit', fundingRate, fundingIntervalMs, now: venueNow, log });
  const live = new DeribitStreams({ venue, faults, creds, testnet, log, heartbeatUnitMs: opts.heartbeatUnitMs ?? 1000 });
  streams = live;
  let fundedSlot = Math.floor(start / fundingIntervalMs);
  let requests = 0;

  function playBar(b: Bar): void {
    tape.record(b);
    book.onBar(b);
    venue.syncFills();
    live.publishMarket(b);
  }

  function fundAll(instId: string | undefined, rate: number, ts: number): string[] {
    const out: string[] = [];
    for (const i of book.insts.values()) {
      if (instId !== undefined && i.spec.instId !== instId) continue;
      const bill = book.fund(i.spec.instId, rate, ts);
      if (bill !== null) {
        out.push(venue.settlementRow(bill));
        log(`funding settlement ${venue.nameOf(i.spec.instId)} rate ${rate}: ${bill.balChg.toFixed(6)} USDC`);
      }
    }
    return out;
  }

  /** Everything due by now in time order: at one instant funding comes before the bar (paid at the mark before it). */
  function tick(): void {
    const now = clock.now();
    const slot = Math.floor(now / fundingIntervalMs);
    if (slot - fundedSlot > 1000) fundedSlot = slot - 1000;
    try {
      for (;;) {
        const barAt = nextBar < replay.length ? replay[nextBar]!.ts : Number.POSITIVE_INFINITY;
        const fundAt = (fundedSlot + 1) * fundingIntervalMs;
        const at = Math.min(barAt, fundAt);
        if (at > now) break;
        eventTs = at;
        if (at === fundAt) { fundedSlot++; fundAll(undefined, fundingRate, fundAt); } else playBar(replay[nextBar++]!);
      }
    } finally {
      eventTs = null;
    }
  }
  const timer = setInterval(() => { try { tick(); } catch (e) { log(`venue clock: ${(e as Error).message}`); } }, 25);

  // ---------- REST ----------

  const envelope = (body: { result: unknown } | { error: RpcError }, usIn: number) => {
    const usOut = Date.now() * 1000;
    return { jsonrpc: '2.0', ...body, usIn, usOut, usDiff: usOut - usIn, testnet };
  };

  function onApi(req: IncomingMessage, url: URL, raw: string): Answer {
    requests++;
    const usIn = Date.now() * 1000;
    const method = req.method ?? 'GET';
    const name = url.pathname.slice('/api/v2/'.length);
    const fail = faults.takeHttpFailure();
    if (fail !== null) return { status: fail.status, body: envelope({ error: fail.status === 429 ? rpcError(E.tooManyRequests) : rpcError(11_094, 'internal_server_error (injected fault)') }, usIn) };
    let params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    if (method === 'POST' && raw !== '') {
      try {
        const j = JSON.parse(raw) as { params?: Record<string, unknown> };
        params = { ...params, ...(j.params ?? {}) };
      } catch {
        return { status: 400, body: envelope({ error: rpcError(-32700, 'Parse error') }, usIn) };
      }
    }
    let authed = false;
    if (name.startsWith('private/')) {
      const a = checkRestAuth(creds, header(req, 'authorization'), method, url.pathname + url.search, method === 'GET' ? '' : raw, Date.now());
      if (a !== null) {
        log(`refused ${method} ${url.pathname}: ${a.code} ${a.message}`);
        return { status: 400, body: envelope({ error: a }, usIn) };
      }
      authed = true;
    }
    const r = venue.call(name, params, { connId: null, authed });
    return r.ok ? { status: 200, body: envelope({ result: r.result }, usIn) } : { status: 400, body: envelope({ error: r.error }, usIn) };
  }

  // ---------- admin ----------

  function pushBar(b: DeribitBarIn): void {
    const id = venue.bookId(b.instId);
    if (id === undefined) throw new Error(`unknown instrument ${b.instId} (known: ${instruments.map((i) => i.name).join(', ')})`);
    if (b.ts === undefined) clock.advance(1);
    else if (b.ts > clock.now()) clock.advance(b.ts - clock.now());
    tick();
    playBar({ kind: 'bar', symbol: id, ts: b.ts ?? clock.now(), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume ?? 0 });
  }

  const admin: DeribitAdmin = {
    now: () => clock.now(),
    advance: (ms) => { clock.advance(ms); tick(); },
    setTimeScale: (scale) => clock.setScale(scale),
    pushBar,
    fundNow: (instId, rate) => fundAll(instId === undefined ? undefined : venue.bookId(instId) ?? `unknown:${instId}`, rate ?? fundingRate, clock.now()),
    inject: (fault: DeribitFaultIn) => {
      const f = parseDeribitFault(fault);
      if (!f.ok) throw new Error(`fault: ${f.message}`);
      faults.add(f.value);
      if (f.value.dropPrivate === true) live.drop('private');
      if (f.value.dropStreams === true) live.drop('streams');
      if (f.value.dropOrderEntry === true) live.drop('orders');
      if (f.value.stallOrderEntry === true) live.stallOrderEntry();
      log(`fault injected: ${JSON.stringify(f.value)}`);
    },
    state: (): DeribitStateDump => ({
      now: clock.now(), timeScale: clock.timeScale, cash: book.usdtCash(),
      orders: book.allOrders().filter((o) => venue.meta.has(o.ordId)).map((o) => {
        const m = venue.meta.get(o.ordId)!;
        return { orderId: `USDC-${o.ordId}`, label: m.label, instrument: venue.nameOf(o.instId), state: o.state === 'canceled' ? 'cancelled' : o.state === 'filled' ? 'filled' : 'open', amount: o.sz, filled: o.accFillSz, connection: m.connId, cancelReason: m.cancelReason };
      }),
      positions: book.swapPositions().map((p) => ({ instrument: venue.nameOf(p.inst.spec.instId), size: p.view.qty, averagePrice: p.view.avgPrice })),
      logs: venue.logs.length,
      connections: [...live.conns.values()].map((c) => ({ id: c.id, authed: c.authed, cancelOnDisconnect: c.cod, subscriptions: c.subs.size })),
      accountCancelOnDisconnect: live.accountCod,
      requests,
    }),
  };

  const onAdmin = (method: string, path: string, raw: string): Answer => routeAdmin(admin, { fundKey: 'logIds' }, method, path, raw);

  const reply = (res: ServerResponse, a: Answer): void => {
    res.writeHead(a.status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(a.body));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      try {
        if (url.pathname.startsWith('/admin/')) return reply(res, onAdmin(req.method ?? 'GET', url.pathname.slice('/admin/'.length), raw));
        if (url.pathname.startsWith('/api/v2/')) return reply(res, onApi(req, url, raw));
        reply(res, { status: 404, body: { jsonrpc: '2.0', error: rpcError(E.methodNotFound, `no such path ${url.pathname}`), testnet } });
      } catch (e) {
        reply(res, { status: 500, body: { jsonrpc: '2.0', error: rpcError(11_094, (e as Error).message), testnet } });
      }
    });
  });
  live.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log(`deribit protocol on http://127.0.0.1:${port} (websocket /ws/api/v2, admin /admin); ${testnet ? 'testnet' : 'live'} account ${opts.username ?? 'parity-deribit'}`);
  tick();

  return {
    port,
    restUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws/api/v2`,
    adminUrl: `http://127.0.0.1:${port}/admin`,
    credentials: creds,
    admin,
    close: async () => {
      clearInterval(timer);
      live.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function header(req: IncomingMessage, k: string): string | undefined {
  const v = req.headers[k];
  return Array.isArray(v) ? v[0] : v;
}
