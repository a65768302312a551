/**
 * The Bybit fake's wire: Bybit v5 REST under /<host>/v5 (the host segment the profile's 'origins'
 * override keeps: api.bybit.com, api-demo.bybit.com; a bare /v5 too), the websockets (streams.ts)
 * and the unsigned admin under /admin on one 127.0.0.1 port, and the venue clock's work (bars due,
 * funding times, Disconnection Protect). Matching and accounting are the OKX fake's book (OkxBook):
 * this file translates Bybit's (category, symbol) and fields to it, and its refusals to Bybit's
 * retCodes (codes.ts). index.ts documents the whole.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { loadReplay } from '../crypto-replay.ts';
import type { Bar } from '../../domain/market.ts';
import { fromSteps, toLots } from '../../domain/instrument.ts';
import { zodMessage } from '../../util/zod-message.ts';
import { routeAdmin } from '../crypto-admin.ts';
import { OkxBook, type OkxOrder, type OkxOrdType } from '../okx/book.ts';
import { VenueClock } from '../okx/clock.ts';
import { FaultState, parseOkxFault, type OkxFaultIn } from '../okx/faults.ts';
import { MarketTape } from '../okx/market.ts';
import { s } from '../okx/shapes.ts';
import type { OkxInstrumentSpec } from '../okx/types.ts';
import { retCodeOf } from './codes.ts';
import { AmendBody, CancelBody, CreateBody, DcpBody, SetLeverageBody, SetMarginModeBody, type CreateBodyT } from './requests.ts';
import { executionJson, instrumentJson, orderJson, orderStatus, positionJson, tickerJson, transactionJson, walletJson, type BybitInst, type Row } from './shapes.ts';
import { checkRestAuth, type Credentials } from './signing.ts';
import { BybitStreams } from './streams.ts';
import type { BybitAdmin, BybitBarIn, BybitCategory, BybitFake, BybitFakeOptions, BybitInstrumentSpec, BybitStateDump } from './types.ts';

export const DEFAULT_BYBIT_INSTRUMENTS: readonly BybitInstrumentSpec[] = [
  { category: 'spot', symbol: 'BTCUSDT', baseCoin: 'BTC', quoteCoin: 'USDT', tickSize: 0.1, qtyStep: 0.000001, minOrderQty: 0.000048 },
  { category: 'spot', symbol: 'ETHUSDT', baseCoin: 'ETH', quoteCoin: 'USDT', tickSize: 0.01, qtyStep: 0.00001, minOrderQty: 0.00062 },
  { category: 'linear', symbol: 'BTCUSDT', baseCoin: 'BTC', quoteCoin: 'USDT', tickSize: 0.1, qtyStep: 0.001, minOrderQty: 0.001 },
  { category: 'linear', symbol: 'ETHUSDT', baseCoin: 'ETH', quoteCoin: 'USDT', tickSize: 0.01, qtyStep: 0.01, minOrderQty: 0.01 },
];
const EIGHT_HOURS = 8 * 3_600_000;
/** Bybit's orderLinkId: up to 36 characters of letters, digits, - and _. */
export const ORDER_LINK_ID = /^[A-Za-z0-9_-]{1,36}$/;
/** Bybit's Disconnection Protect window: 3-300 s, 10 s until the account sets one. */
const DCP_MIN = 3;
const DCP_MAX = 300;
const DCP_DEFAULT = 10;
/** What each DCP product covers. */
const DCP_CATEGORY: Readonly<Record<string, BybitCategory | null>> = { DERIVATIVES: 'linear', SPOT: 'spot', OPTIONS: null };

type Answer = { status: number; body: unknown; delayMs?: number };

export async function startBybitFake(opts: BybitFakeOptions = {}): Promise<BybitFake> {
  const log = opts.log ?? (() => {});
  const creds: Credentials = { apiKey: opts.apiKey ?? 'parity-bybit-key', secret: opts.secret ?? 'parity-bybit-secret' };
  const demo = opts.liveAccount !== true;
  const uid = opts.uid ?? 50_000_001;
  const dcpEnabled = opts.dcpEnabled ?? true;
  const fundingIntervalMs = opts.fundingIntervalMs ?? EIGHT_HOURS;
  const fundingRate = opts.fundingRate ?? 0.0001;
  const specs = opts.instruments ?? DEFAULT_BYBIT_INSTRUMENTS;
  const faults = new FaultState();
  faults.rejectCode = '110007';

  // Bybit's (category, symbol) -> the book's OKX-style instId (BTC-USDT spot, BTC-USDT-SWAP linear, 1 base unit a contract).
  const insts: BybitInst[] = specs.map((spec) => ({ spec, bookId: `${spec.baseCoin}-${spec.quoteCoin}${spec.category === 'linear' ? '-SWAP' : ''}` }));
  const byBook = new Map(insts.map((i) => [i.bookId, i]));
  const byCat = (category: string, symbol: string): BybitInst | undefined => insts.find((i) => i.spec.category === category && i.spec.symbol === symbol);
  const bookSpecs: OkxInstrumentSpec[] = insts.map((i) => ({ instId: i.bookId, tickSz: i.spec.tickSize, lotSz: i.spec.qtyStep, minSz: i.spec.minOrderQty, ...(i.spec.category === 'linear' ? { ctVal: 1 } : {}) }));

  const replay = loadReplay(opts.data ?? [], opts.tz, {
    idsOf: (b) => insts.filter((i) => i.spec.baseCoin === b).map((i) => i.bookId), names: insts.map((i) => `${i.spec.category}:${i.spec.symbol}`),
    // Bybit-style file symbols (BTCUSDT) carry the quote on the base.
    baseOf: (s) => s.toUpperCase().split(/[-/]/)[0]!.replace(/(USDT|USDC|USD)$/, ''),
  });
  let nextBar = 0;
  const start = opts.startTime ?? (replay[0] !== undefined ? replay[0].ts - 1 : Date.now());
  const clock = new VenueClock(start, opts.speed ?? 1);
  let eventTs: number | null = null;
  const venueNow = (): number => eventTs ?? clock.now();

  let streams: BybitStreams | null = null;
  const book: OkxBook = new OkxBook({
    instruments: bookSpecs, cash: opts.cash ?? 100_000, leverage: opts.leverage ?? 3, fundingIntervalMs, fundingRate, fees: opts.fees ?? { makerBps: 2, takerBps: 5 },
    now: venueNow, faults, emit: (ev) => streams?.onBookEvent(ev), clientIdPattern: ORDER_LINK_ID,
  });
  const tape = new MarketTape();
  let fundedSlot = Math.floor(start / fundingIntervalMs);
  const nextFunding = (): number => (Math.floor(clock.now() / fundingIntervalMs) + 1) * fundingIntervalMs;
  /** Funding rows: the side of the position each SETTLEMENT row charged, and the rates paid (market/funding/history). */
  const fundedSide = new Map<string, 'Buy' | 'Sell'>();
  const fundingHistory: { symbol: string; rate: number; ts: number }[] = [];
  /** The margin mode of the whole unified account (Bybit sets it account-wide, not per symbol). */
  let accountMargin: 'cross' | 'isolated' = 'cross';

  // Disconnection Protect, per product: its window, whether a dcp socket was up, and since when none is (the real-time clock).
  const dcp = new Map<string, { window: number; seen: boolean; lostAt: number | null }>(Object.keys(DCP_CATEGORY).map((p) => [p, { window: DCP_DEFAULT, seen: false, lostAt: null }]));
  function onDcpChange(orderly: readonly string[]): void {
    const up = live.dcpSockets();
    for (const [product, st] of dcp) {
      if ((up.get(product) ?? 0) > 0) {
        st.seen = true;
        st.lostAt = null;
      } else if (orderly.includes(product)) {
        // The last dcp socket unsubscribed: an orderly end, nothing to fire.
        st.seen = false;
        st.lostAt = null;
      } else if (st.seen && st.lostAt === null) st.lostAt = clock.elapsed();
    }
  }

  const live: BybitStreams = new BybitStreams({
    book, tape, creds, demo, instOf: (id) => byBook.get(id), byCategory: byCat, fundingRate, nextFunding, now: venueNow, onDcpChange, log,
  });
  streams = live;
  let requests = 0;

  // ---------- time: bars due, DCP lapses, funding ----------

  function playBar(b: Bar): void {
    tape.record(b);
    book.onBar(b);
    live.publishMarket(b);
  }

  function tick(): void {
    const now = clock.now();
    const elapsed = clock.elapsed();
    const slot = Math.floor(now / fundingIntervalMs);
    if (slot - fundedSlot > 1000) fundedSlot = slot - 1000;
    try {
      for (;;) {
        const barAt = nextBar < replay.length ? replay[nextBar]!.ts : Number.POSITIVE_INFINITY;
        let lapse: string | null = null;
        let lapseAt = Number.POSITIVE_INFINITY;
        if (dcpEnabled) {
          for (const [product, st] of dcp) {
            if (st.lostAt === null || st.lostAt + st.window * 1000 > elapsed) continue;
            const venueAt = Math.min(now, now - (elapsed - (st.lostAt + st.window * 1000)));
            if (venueAt < lapseAt) { lapseAt = venueAt; lapse = product; }
          }
        }
        const fundAt = (fundedSlot + 1) * fundingIntervalMs;
        const at = Math.min(barAt, lapseAt, fundAt);
        if (at > now) break;
        eventTs = at;
        if (at === fundAt) {
          fundedSlot++;
          fundAll(undefined, fundingRate, fundAt);
        } else if (lapse !== null && at === lapseAt) {
          const st = dcp.get(lapse)!;
          st.lostAt = null;
          st.seen = false;
          const cat = DCP_CATEGORY[lapse];
          const canceled = cat === null ? [] : book.cancelWhere((o) => byBook.get(o.instId)?.spec.category === cat);
          log(`Disconnection Protect ${lapse}: no dcp socket for ${st.window} s, canceled ${canceled.length} order(s)`);
        } else playBar(replay[nextBar++]!);
      }
    } finally {
      eventTs = null;
    }
  }

  function fundAll(symbol: string | undefined, rate: number, ts: number): string[] {
    const out: string[] = [];
    for (const i of insts) {
      if (i.spec.category !== 'linear' || (symbol !== undefined && i.spec.symbol !== symbol)) continue;
      const pos = book.position(i.bookId);
      const bill = book.fund(i.bookId, rate, ts);
      if (bill !== null && pos !== null) {
        fundedSide.set(bill.billId, pos.qty > 0 ? 'Buy' : 'Sell');
        out.push(bill.billId);
        log(`funding ${i.spec.symbol} rate ${rate}: ${bill.balChg.toFixed(6)} ${bill.ccy}`);
      }
      fundingHistory.push({ symbol: i.spec.symbol, rate, ts });
    }
    return out;
  }

  const timer = setInterval(() => {
    try {
      tick();
    } catch (e) {
      log(`venue clock: ${(e as Error).message}`);
    }
  }, 25);

  // ---------- REST ----------

  const ok = (result: unknown, retExtInfo: unknown = {}): Answer => ({ status: 200, body: { retCode: 0, retMsg: 'OK', result, retExtInfo, time: Date.now() } });
  const err = (retCode: number, retMsg: string, status = 200): Answer => ({ status, body: { retCode, retMsg, result: {}, retExtInfo: {}, time: Date.now() } });
  const bad = (e: z.ZodError): Answer => err(10001, `params error: ${zodMessage(e)}`);
  const refused = (category: BybitCategory, sCode: string, sMsg: string): Answer => {
    const r = retCodeOf(category, sCode, sMsg);
    log(`refused ${r.retCode}: ${r.retMsg}`);
    return err(r.retCode, r.retMsg);
  };
  const q = (url: URL, k: string): string | undefined => url.searchParams.get(k) ?? undefined;

  /** Newest first, `limit` a page (default 20, at most `max`), `cursor` the offset of the page. */
  function page<T>(rows: readonly T[], url: URL, max = 50): { list: T[]; nextPageCursor: string } {
    const limit = Math.max(1, Math.min(max, Number(q(url, 'limit') ?? 20) || 20));
    const at = Math.max(0, Number(q(url, 'cursor') ?? 0) || 0);
    const list = rows.slice(at, at + limit);
    return { list, nextPageCursor: at + limit < rows.length ? String(at + limit) : '' };
  }

  const instOfOrder = (o: OkxOrder): BybitInst => byBook.get(o.instId)!;

  function ordersOf(url: URL, open: boolean): Answer {
    const category = q(url, 'category');
    if (category !== 'spot' && category !== 'linear') return err(10001, 'params error: category must be spot or linear (the fake serves those)');
    const symbol = q(url, 'symbol');
    const orderId = q(url, 'orderId');
    const link = q(url, 'orderLinkId');
    const status = q(url, 'orderStatus');
    const rows = book.allOrders().filter((o) => {
      const i = instOfOrder(o);
      const working = o.state === 'live' || o.state === 'partially_filled';
      if (i.spec.category !== category || working !== open) return false;
      if (symbol !== undefined && i.spec.symbol !== symbol) return false;
      if (orderId !== undefined && o.ordId !== orderId) return false;
      if (link !== undefined && o.clOrdId !== link) return false;
      if (status !== undefined && !status.split(',').includes(orderStatus(o, category))) return false;
      return true;
    }).sort((a, b) => b.cTime - a.cTime || Number(b.ordId) - Number(a.ordId));
    const p = page(rows, url);
    return ok({ category, list: p.list.map((o) => orderJson(o, instOfOrder(o))), nextPageCursor: p.nextPageCursor });
  }

  function create(b: CreateBodyT): Answer {
    const i = byCat(b.category, b.symbol);
    if (i === undefined) return err(10001, `params error: symbol ${b.symbol} is not a ${b.category} instrument`);
    if (b.orderLinkId !== undefined && b.orderLinkId !== '' && !ORDER_LINK_ID.test(b.orderLinkId)) return err(10001, 'params error: orderLinkId is up to 36 letters, digits, - and _');
    if (b.orderType === 'Limit' && b.price === undefined) return err(10001, 'params error: price is required for a limit order');
    const tif = b.timeInForce ?? (b.orderType === 'Market' ? 'IOC' : 'GTC');
    const ordType: OkxOrdType = b.orderType === 'Market' ? 'market' : tif === 'IOC' ? 'ioc' : tif === 'FOK' ? 'fok' : tif === 'PostOnly' ? 'post_only' : 'limit';
    let qty = b.qty;
    // A spot market buy counts its qty in the quote coin unless marketUnit says baseCoin (Bybit's default).
    if (i.spec.category === 'spot' && b.orderType === 'Market' && (b.marketUnit === 'quoteCoin' || (b.marketUnit === undefined && b.side === 'Buy'))) {
      const px = book.markPx(i.bookId);
      if (px === undefined) return err(170130, 'no market price yet for a market order in the quote coin');
      qty = fromSteps(Math.floor(toLots(qty / px, i.spec.qtyStep)), i.spec.qtyStep);
    }
    if (b.reduceOnly === true && i.spec.category === 'spot') return err(10001, 'params error: reduceOnly is for derivatives');
    const r = book.place({
      instId: i.bookId, side: b.side === 'Buy' ? 'buy' : 'sell', ordType, sz: qty, tdMode: i.spec.category === 'spot' ? 'cash' : accountMargin,
      ...(b.price !== undefined && b.orderType === 'Limit' ? { px: b.price } : {}), ...(b.orderLinkId !== undefined && b.orderLinkId !== '' ? { clOrdId: b.orderLinkId } : {}),
      ...(b.reduceOnly === true ? { reduceOnly: true } : {}),
    });
    if (!r.ok) return refused(i.spec.category, r.sCode, r.sMsg);
    return { ...ok({ orderId: r.value.ordId, orderLinkId: r.value.clOrdId }), delayMs: faults.takeAckDelay() };
  }

  function route(method: string, path: string, url: URL, json: unknown, host: string): Answer {
    const now = clock.now();
    switch (`${method} ${path}`) {
      case 'GET market/time': {
        const t = Date.now();
        return ok({ timeSecond: String(Math.floor(t / 1000)), timeNano: `${t}000000` });
      }
      case 'GET market/instruments-info': {
        const category = q(url, 'category');
        if (category === undefined) return err(10001, 'params error: category is required');
        // No pre-launch instruments; ccxt asks for them besides.
        const list = q(url, 'status') === 'PreLaunch' ? [] : insts.filter((i) => i.spec.category === category && (q(url, 'symbol') === undefined || i.spec.symbol === q(url, 'symbol')))
          .map((i) => instrumentJson(i, book.leverOf(i.bookId), fundingIntervalMs));
        return ok({ category, list });
      }
      case 'GET market/tickers': {
        const category = q(url, 'category') ?? '';
        const list = insts.filter((i) => i.spec.category === category && (q(url, 'symbol') === undefined || i.spec.symbol === q(url, 'symbol')))
          .map((i) => tickerJson(i, tape, fundingRate, nextFunding())).filter((t): t is Row => t !== null);
        return ok({ category, list });
      }
      case 'GET market/kline': {
        const i = byCat(q(url, 'category') ?? 'linear', q(url, 'symbol') ?? '');
        if (i === undefined) return err(10001, 'params error: symbol invalid');
        if ((q(url, 'interval') ?? '1') !== '1') return err(10001, `params error: the fake serves interval 1 (got ${q(url, 'interval')})`);
        const from = Number(q(url, 'start') ?? 0);
        const to = Number(q(url, 'end') ?? Number.POSITIVE_INFINITY);
        const limit = Math.max(1, Math.min(1000, Number(q(url, 'limit') ?? 200)));
        const bars = tape.played(i.bookId).filter((b) => b.ts >= from && b.ts <= to);
        const rows = bars.slice(-limit).reverse().map((b) => [String(b.ts), s(b.open), s(b.high), s(b.low), s(b.close), s(b.volume), s(b.volume * b.close)]);
        return ok({ category: i.spec.category, symbol: i.spec.symbol, list: rows });
      }
      case 'GET market/funding/history': {
        const symbol = q(url, 'symbol') ?? '';
        if (byCat('linear', symbol) === undefined) return err(10001, 'params error: symbol invalid');
        const from = Number(q(url, 'startTime') ?? 0);
        const to = Number(q(url, 'endTime') ?? Number.POSITIVE_INFINITY);
        const limit = Math.max(1, Math.min(200, Number(q(url, 'limit') ?? 200)));
        const list = fundingHistory.filter((f) => f.symbol === symbol && f.ts >= from && f.ts <= to).slice(-limit).reverse()
          .map((f) => ({ symbol, fundingRate: s(f.rate), fundingRateTimestamp: String(f.ts) }));
        return ok({ category: 'linear', list });
      }
      case 'GET asset/coin/query-info': {
        const coins = [...new Set(insts.flatMap((i) => [i.spec.baseCoin, i.spec.quoteCoin]))];
        return ok({ rows: coins.map((coin) => ({ name: coin, coin, remainAmount: '1000000', chains: [{ chainType: coin, confirmation: '1', withdrawFee: '0', depositMin: '0', withdrawMin: '0', chain: coin, chainDeposit: '1', chainWithdraw: '1', minAccuracy: '8', withdrawPercentageFee: '0' }] })) });
      }
      case 'GET user/query-api':
        return ok({
          id: '1', note: 'parity', apiKey: creds.apiKey, readOnly: 0, secret: '', permissions: { ContractTrade: ['Order', 'Position'], Spot: ['SpotTrade'], Wallet: ['AccountTransfer'], Options: [], Derivatives: [], CopyTrading: [], BlockTrade: [], Exchange: [], NFT: [], Affiliate: [] },
          ips: ['*'], type: 1, deadlineDay: 90, expiredAt: '', createdAt: '2026-01-01T00:00:00Z', unified: 0, uta: 1, userID: uid, inviterID: 0, vipLevel: 'No VIP', mktMakerLevel: '0', affiliateID: 0, rsaPublicKey: '', isMaster: true, parentUid: '0', kycLevel: 'LEVEL_1', kycRegion: '',
        });
      case 'GET account/info':
        return ok({ unifiedMarginStatus: 5, marginMode: accountMargin === 'cross' ? 'REGULAR_MARGIN' : 'ISOLATED_MARGIN', isMasterTrader: false, spotHedgingStatus: 'OFF', updatedTime: String(now), dcpStatus: dcpEnabled ? 'ON' : 'OFF', timeWindow: dcp.get('DERIVATIVES')!.window, smpGroup: 0 });
      case 'GET account/query-dcp-info':
        return ok({ dcpInfos: dcpEnabled ? [...dcp].map(([product, st]) => ({ product, dcpStatus: 'ON', timeWindow: String(st.window) })) : [] });
      case 'GET account/wallet-balance': {
        const t = q(url, 'accountType');
        if (t !== 'UNIFIED') return err(10001, `accountType only support UNIFIED (got ${t ?? 'none'}): the account is a unified trading account`);
        return ok({ list: [walletJson(book)] });
      }
      case 'GET account/transaction-log': {
        const category = q(url, 'category');
        const currency = q(url, 'currency');
        const type = q(url, 'type');
        const from = Number(q(url, 'startTime') ?? 0);
        const to = Number(q(url, 'endTime') ?? Number.POSITIVE_INFINITY);
        const orders = new Map(book.allOrders().map((o) => [o.ordId, o]));
        const rows = [...book.bills].reverse().map((b) => {
          const i = byBook.get(b.instId);
          const side = b.type === '2' ? (orders.get(b.ordId)?.side === 'buy' ? 'Buy' : 'Sell') : b.type === '8' ? fundedSide.get(b.billId) ?? '' : b.type === '5' ? (b.subType === '104' ? 'Sell' : 'Buy') : '';
          return transactionJson(b, i, side);
        }).filter((r) => (category === undefined || r.category === category) && (currency === undefined || r.currency === currency) && (type === undefined || r.type === type)
          && Number(r.transactionTime) >= from && Number(r.transactionTime) <= to);
        return ok(page(rows, url));
      }
      case 'GET order/realtime': return ordersOf(url, true);
      case 'GET order/history': return ordersOf(url, false);
      case 'GET execution/list': {
        const category = q(url, 'category');
        const orders = new Map(book.allOrders().map((o) => [o.ordId, o]));
        const from = Number(q(url, 'startTime') ?? 0);
        const to = Number(q(url, 'endTime') ?? Number.POSITIVE_INFINITY);
        const rows = [...book.fills].reverse().filter((f) => {
          const i = byBook.get(f.instId)!;
          return (category === undefined || i.spec.category === category) && (q(url, 'symbol') === undefined || i.spec.symbol === q(url, 'symbol'))
            && (q(url, 'orderId') === undefined || f.ordId === q(url, 'orderId')) && (q(url, 'orderLinkId') === undefined || f.clOrdId === q(url, 'orderLinkId')) && f.ts >= from && f.ts <= to;
        });
        const p = page(rows, url, 100);
        return ok({ category: category ?? '', list: p.list.map((f, k) => executionJson(f, byBook.get(f.instId)!, orders.get(f.ordId), k)), nextPageCursor: p.nextPageCursor });
      }
      case 'GET position/list': {
        // The account has no inverse or option positions (ccxt's position snapshot asks for inverse too).
        if (q(url, 'category') === 'inverse' || q(url, 'category') === 'option') return ok({ category: q(url, 'category'), list: [], nextPageCursor: '' });
        if (q(url, 'category') !== 'linear') return err(10001, 'params error: category is linear, inverse or option');
        const symbol = q(url, 'symbol');
        const settle = q(url, 'settleCoin');
        if (symbol === undefined && settle === undefined) return err(10001, 'params error: symbol or settleCoin is required');
        const list = insts.filter((i) => i.spec.category === 'linear' && (symbol === undefined || i.spec.symbol === symbol) && (settle === undefined || i.spec.quoteCoin === settle))
          // Asked by settle coin, Bybit lists open positions only; asked by symbol, the flat one too.
          .filter((i) => symbol !== undefined || book.position(i.bookId) !== null)
          .map((i) => positionJson(book, i, now));
        return ok({ category: 'linear', list, nextPageCursor: '' });
      }
      case 'POST position/set-leverage': {
        const b = SetLeverageBody.safeParse(json);
        if (!b.success) return bad(b.error);
        const i = byCat('linear', b.data.symbol);
        if (i === undefined) return err(10001, 'params error: symbol invalid');
        if (b.data.buyLeverage !== b.data.sellLeverage) return err(10001, 'params error: buyLeverage must equal sellLeverage in one-way mode');
        if (book.leverOf(i.bookId) === b.data.buyLeverage) return err(110043, 'leverage not modified');
        const r = book.setLeverage(i.bookId, b.data.buyLeverage);
        return r.ok ? ok({}) : refused('linear', r.sCode, r.sMsg);
      }
      case 'POST account/set-margin-mode': {
        const b = SetMarginModeBody.safeParse(json);
        if (!b.success) return bad(b.error);
        if (b.data.setMarginMode === 'PORTFOLIO_MARGIN') return err(3400045, 'portfolio margin is not served by the parity fake');
        const next = b.data.setMarginMode === 'ISOLATED_MARGIN' ? 'isolated' : 'cross';
        const busy = book.allOrders().some((o) => o.state === 'live' || o.state === 'partially_filled') || book.swapPositions().length > 0;
        if (next !== accountMargin && busy) return ok({ reasons: [{ reasonCode: '3400208', reasonMsg: 'You have open positions or orders: the margin mode of the whole account cannot change now.' }] });
        accountMargin = next;
        return ok({ reasons: [] });
      }
      case 'POST order/create': {
        const b = CreateBody.safeParse(json);
        return b.success ? create(b.data) : bad(b.error);
      }
      case 'POST order/amend': {
        const b = AmendBody.safeParse(json);
        if (!b.success) return bad(b.error);
        const i = byCat(b.data.category, b.data.symbol);
        if (i === undefined) return err(10001, 'params error: symbol invalid');
        if (b.data.orderId === undefined && b.data.orderLinkId === undefined) return err(10001, 'params error: orderId or orderLinkId is required');
        const ref = { ...(b.data.orderId !== undefined ? { ordId: b.data.orderId } : {}), ...(b.data.orderLinkId !== undefined ? { clOrdId: b.data.orderLinkId } : {}) };
        const r = book.amend(i.bookId, ref, b.data.qty, b.data.price, '');
        if (!r.ok) return refused(i.spec.category, r.sCode, r.sMsg);
        return { ...ok({ orderId: r.value.ordId, orderLinkId: r.value.clOrdId }), delayMs: faults.takeAckDelay() };
      }
      case 'POST order/cancel': {
        const b = CancelBody.safeParse(json);
        if (!b.success) return bad(b.error);
        const i = byCat(b.data.category, b.data.symbol);
        if (i === undefined) return err(10001, 'params error: symbol invalid');
        if (b.data.orderId === undefined && b.data.orderLinkId === undefined) return err(10001, 'params error: orderId or orderLinkId is required');
        const ref = { ...(b.data.orderId !== undefined ? { ordId: b.data.orderId } : {}), ...(b.data.orderLinkId !== undefined ? { clOrdId: b.data.orderLinkId } : {}) };
        const r = book.cancel(i.bookId, ref);
        if (!r.ok) return refused(i.spec.category, r.sCode, r.sMsg);
        return { ...ok({ orderId: r.value.ordId, orderLinkId: r.value.clOrdId }), delayMs: faults.takeAckDelay() };
      }
      case 'POST order/disconnected-cancel-all': {
        const b = DcpBody.safeParse(json);
        if (!b.success) return bad(b.error);
        // An account without Disconnection Protect (Bybit enables it per account on request) refuses the call.
        if (!dcpEnabled) return err(10001, 'Disconnection Protect is not enabled for this account: ask Bybit to enable DCP for the UID');
        if (b.data.timeWindow < DCP_MIN || b.data.timeWindow > DCP_MAX) return err(10001, `params error: timeWindow must be ${DCP_MIN}-${DCP_MAX} seconds`);
        dcp.get(b.data.product ?? 'OPTIONS')!.window = b.data.timeWindow;
        return { status: 200, body: { retCode: 0, retMsg: 'success' } };
      }
      default:
        return err(10001, `the parity Bybit fake does not serve ${method} /${host}/v5/${path}`, 404);
    }
  }

  const PUBLIC = new Set(['market/time', 'market/instruments-info', 'market/tickers', 'market/kline', 'market/funding/history']);

  async function onApi(req: IncomingMessage, res: ServerResponse, url: URL, raw: string, host: string, path: string): Promise<void> {
    requests++;
    const method = req.method ?? 'GET';
    const fail = faults.takeHttpFailure();
    if (fail !== null) {
      // Bybit: 10006 too many visits (HTTP 200 with the code; 403 for an IP ban), 10016 server error.
      const body = fail.status === 429 ? { retCode: 10006, retMsg: 'Too many visits!', result: {}, retExtInfo: {}, time: Date.now() } : { retCode: 10016, retMsg: 'Internal system error.', result: {}, retExtInfo: {}, time: Date.now() };
      return reply(res, fail.status === 429 ? 200 : 503, body);
    }
    if (!PUBLIC.has(path)) {
      // Keys belong to one environment: a demo key is unknown to the live host, and a live key to the demo one.
      const hostDemo = host.startsWith('api-demo.');
      if (host !== '' && hostDemo !== demo) return reply(res, 401, { retCode: 10003, retMsg: `API key is invalid. (a ${demo ? 'demo trading' : 'live'} key on ${host})`, result: {}, retExtInfo: {}, time: Date.now() });
      const a = checkRestAuth(creds, req.headers, method === 'GET' ? url.search.replace(/^\?/, '') : raw, Date.now());
      if (a !== null) {
        log(`refused ${method} ${url.pathname}: ${a.retCode} ${a.retMsg}`);
        return reply(res, a.retCode === 10003 || a.retCode === 10004 ? 401 : 200, { retCode: a.retCode, retMsg: a.retMsg, result: {}, retExtInfo: {}, time: Date.now() });
      }
    }
    let json: unknown = undefined;
    if (method === 'POST') {
      try {
        json = raw === '' ? {} : JSON.parse(raw);
      } catch {
        return reply(res, 200, { retCode: 10001, retMsg: 'params error: the body is not JSON', result: {}, retExtInfo: {}, time: Date.now() });
      }
    }
    const a = route(method, path, url, json, host);
    if (a.delayMs !== undefined && a.delayMs > 0) await new Promise((r) => setTimeout(r, a.delayMs));
    reply(res, a.status, a.body);
  }

  function reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  // ---------- admin ----------

  function pushBar(b: BybitBarIn): void {
    const m = /^(?:(spot|linear):)?([A-Z0-9]+)$/.exec(b.instId);
    const targets = m === null ? [] : insts.filter((i) => i.spec.symbol === m[2] && (m[1] === undefined || i.spec.category === m[1]));
    if (targets.length === 0) throw new Error(`unknown instId ${b.instId} (known: ${[...new Set(insts.map((i) => i.spec.symbol))].join(', ')}, or category:SYMBOL)`);
    if (b.ts === undefined) clock.advance(1);
    else if (b.ts > clock.now()) clock.advance(b.ts - clock.now());
    tick();
    for (const i of targets) playBar({ kind: 'bar', symbol: i.bookId, ts: b.ts ?? clock.now(), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume ?? 0 });
  }

  const admin: BybitAdmin = {
    now: () => clock.now(),
    advance: (ms) => {
      clock.advance(ms);
      tick();
    },
    setTimeScale: (scale) => clock.setScale(scale),
    pushBar,
    fundNow: (symbol, rate) => fundAll(symbol, rate ?? fundingRate, clock.now()),
    inject: (fault: OkxFaultIn) => {
      const f = parseOkxFault(fault);
      if (!f.ok) throw new Error(`fault: ${f.message}`);
      faults.add(f.value);
      if (f.value.dropPrivate === true) live.dropPrivate();
      log(`fault injected: ${JSON.stringify(f.value)}`);
    },
    state: (): BybitStateDump => {
      const up = live.dcpSockets();
      return {
        now: clock.now(), timeScale: clock.timeScale, cash: book.usdtCash(),
        orders: book.allOrders().map((o) => {
          const i = instOfOrder(o);
          return { orderId: o.ordId, orderLinkId: o.clOrdId, category: i.spec.category, symbol: i.spec.symbol, orderStatus: orderStatus(o, i.spec.category), qty: s(o.sz), cumExecQty: s(o.accFillSz) };
        }),
        positions: book.swapPositions().map((p) => ({ symbol: byBook.get(p.inst.spec.instId)!.spec.symbol, size: Math.abs(p.view.qty), side: p.view.qty > 0 ? 'Buy' as const : 'Sell' as const, avgPrice: p.view.avgPrice })),
        transactions: book.bills.length,
        dcp: [...dcp].map(([product, st]) => ({ product, timeWindow: st.window, sockets: up.get(product) ?? 0, firesAt: st.lostAt === null || !dcpEnabled ? null : Date.now() + (st.lostAt + st.window * 1000 - clock.elapsed()) })),
        requests,
      };
    },
  };

  const onAdmin = (method: string, path: string, raw: string): Answer => routeAdmin(admin, { fundKey: 'transactionIds' }, method, path, raw);

  // ---------- the server ----------

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname.startsWith('/admin/')) {
        const a = onAdmin(req.method ?? 'GET', url.pathname.slice('/admin/'.length), raw);
        return reply(res, a.status, a.body);
      }
      const m = /^(?:\/([^/]+))?\/v5\/(.+)$/.exec(url.pathname);
      if (m !== null) {
        onApi(req, res, url, raw, m[1] ?? '', m[2]!).catch((e: unknown) => reply(res, 500, { retCode: 10016, retMsg: `Internal system error: ${(e as Error).message}`, result: {}, retExtInfo: {}, time: Date.now() }));
        return;
      }
      reply(res, 404, { retCode: 10001, retMsg: `no such path ${url.pathname}`, result: {}, retExtInfo: {}, time: Date.now() });
    });
  });

  live.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log(`bybit protocol on http://127.0.0.1:${port} (REST /<host>/v5, websocket /<host>/v5/{public/linear,public/spot,private}, admin /admin); ${demo ? 'demo trading' : 'live'} account UID ${uid}, DCP ${dcpEnabled ? 'enabled' : 'not enabled'}`);
  tick();

  return {
    port,
    restUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
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
