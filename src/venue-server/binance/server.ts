/**
 * The Binance fake's wire: spot REST (/api/v3) and USD-M REST (/fapi/v1, v2, v3) behind the host
 * segment ccxt's rewritten origins put first (hosts.ts), the unsigned admin under /admin, the
 * websockets (streams.ts) on the same port, and the venue clock's work (bars due, countdowns,
 * funding). Two OKX books, as Binance keeps two wallets: spot and USD-M. index.ts documents the whole.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { loadReplay } from '../crypto-replay.ts';
import type { Bar } from '../../domain/market.ts';
import { routeAdmin } from '../crypto-admin.ts';
import { OkxBook, type OkxOrder, type OkxOrdType } from '../okx/book.ts';
import { VenueClock } from '../okx/clock.ts';
import { FaultState } from '../okx/faults.ts';
import { MarketTape } from '../okx/market.ts';
import type { OkxInstrumentSpec } from '../okx/types.ts';
import { binanceRefusal, ERR, type BinanceError, type Market } from './codes.ts';
import { binanceHttpFailure, parseBinanceFault, type BinanceFaultIn } from './faults.ts';
import { CLEARANCE_RATE, ForcedOrders, forcedOrderJson, forcedTradeJson } from './forced.ts';
import { splitHost } from './hosts.ts';
import { decimal } from './requests.ts';
import {
  flatPositionRisk, incomeRows, klineRow, positionRiskJson, s, spotOrderJson, spotSymbolJson, spotTradeJson, usdmAccountJson, usdmOrderJson,
  usdmSymbolJson, usdmTradeJson, type IncomeRow,
} from './shapes.ts';
import { checkApiKey, checkSigned, type Credentials } from './signing.ts';
import { BinanceStreams } from './streams.ts';
import type { BinanceAdmin, BinanceBarIn, BinanceFake, BinanceFakeOptions, BinanceInstrumentSpec, BinanceStateDump } from './types.ts';

export const DEFAULT_BINANCE_INSTRUMENTS: readonly BinanceInstrumentSpec[] = [
  { symbol: 'BTCUSDT', market: 'spot', base: 'BTC', quote: 'USDT', tickSize: 0.01, stepSize: 0.00001, minQty: 0.00001, minNotional: 5 },
  { symbol: 'ETHUSDT', market: 'spot', base: 'ETH', quote: 'USDT', tickSize: 0.01, stepSize: 0.0001, minQty: 0.0001, minNotional: 5 },
  { symbol: 'BTCUSDT', market: 'usdm', base: 'BTC', quote: 'USDT', tickSize: 0.1, stepSize: 0.001, minQty: 0.001, minNotional: 100 },
  { symbol: 'ETHUSDT', market: 'usdm', base: 'ETH', quote: 'USDT', tickSize: 0.01, stepSize: 0.001, minQty: 0.001, minNotional: 20 },
];
const EIGHT_HOURS = 8 * 3_600_000;
/** Binance's client order id rule (spot newClientOrderId and USD-M alike). */
export const BINANCE_CLIENT_ID = /^[.A-Z:/a-z0-9_-]{1,36}$/;

type Answer = { status: number; body: unknown; delayMs?: number };
const ok = (body: unknown): Answer => ({ status: 200, body });
const fail = (e: BinanceError): Answer => ({ status: e.status, body: { code: e.code, msg: e.msg } });

const instIdOf = (x: BinanceInstrumentSpec): string => (x.market === 'spot' ? `${x.base}-${x.quote}` : `${x.base}-${x.quote}-SWAP`);

export async function startBinanceFake(opts: BinanceFakeOptions = {}): Promise<BinanceFake> {
  const log = opts.log ?? (() => {});
  const creds: Credentials = { apiKey: opts.apiKey ?? 'parity-binance-key', secret: opts.secret ?? 'parity-binance-secret' };
  const demo = opts.liveAccount !== true;
  const uid = opts.uid ?? 100_000_001;
  const fundingIntervalMs = opts.fundingIntervalMs ?? EIGHT_HOURS;
  const fundingRate = opts.fundingRate ?? 0.0001;
  const specs = opts.instruments ?? DEFAULT_BINANCE_INSTRUMENTS;
  const faults = new FaultState();
  const fees = opts.fees ?? { makerBps: 2, takerBps: 5 };

  const byKey = new Map<string, BinanceInstrumentSpec & { instId: string }>();
  const byInst = new Map<string, BinanceInstrumentSpec & { instId: string }>();
  for (const x of specs) {
    const v = { ...x, instId: instIdOf(x) };
    byKey.set(`${x.market}:${x.symbol}`, v);
    byInst.set(v.instId, v);
  }
  const symbolOf = (instId: string): string => byInst.get(instId)?.symbol ?? instId;
  const okxSpecs = (m: Market): OkxInstrumentSpec[] => specs.filter((x) => x.market === m)
    .map((x) => ({ instId: instIdOf(x), tickSz: x.tickSize, lotSz: x.stepSize, minSz: x.minQty, ...(m === 'usdm' ? { ctVal: 1 } : {}) }));

  // The market from files: a file's symbol feeds every instrument of its base currency (spot and USD-M).
  const replay = loadReplay(opts.data ?? [], opts.tz, { idsOf: (b) => specs.filter((x) => x.base === b).map(instIdOf), names: specs.map((x) => x.symbol) });
  let nextBar = 0;
  const start = opts.startTime ?? (replay[0] !== undefined ? replay[0].ts - 1 : Date.now());
  const clock = new VenueClock(start, opts.speed ?? 1);

  let streams: BinanceStreams | null = null;
  let eventTs: number | null = null;
  const venueNow = (): number => eventTs ?? clock.now();
  // A USD-M liquidation is the venue's forced order (forced.ts): told on the stream before the position update that follows it.
  const forced = new ForcedOrders(fees.takerBps, symbolOf);
  const syncForced = (): void => {
    for (const f of forced.take(books.usdm.bills)) {
      streams?.forcedOrder(f);
      log(`liquidation ${f.symbol}: forced order ${f.clientOrderId} ${f.side} ${f.qty} at ${f.price}`);
    }
  };
  const bookOf = (m: Market, cash: number): OkxBook => new OkxBook({
    instruments: okxSpecs(m), cash, leverage: opts.leverage ?? 3, fundingIntervalMs, fundingRate, fees, now: venueNow, faults,
    emit: (ev) => {
      if (m === 'usdm' && ev.kind === 'account') syncForced();
      streams?.onBookEvent(m, ev);
    },
    clientIdPattern: BINANCE_CLIENT_ID,
    // The sim charges one liquidation fee: Binance's taker commission on the forced trade plus its clearance fee.
    ...(m === 'usdm' ? { liquidationFeeRate: fees.takerBps / 10_000 + CLEARANCE_RATE } : {}),
  });
  const books: Record<Market, OkxBook> = { spot: bookOf('spot', opts.spotCash ?? 100_000), usdm: bookOf('usdm', opts.cash ?? 100_000) };
  const marketOfInst = (instId: string): Market => (instId.endsWith('-SWAP') ? 'usdm' : 'spot');
  const tape = new MarketTape();
  const listenKeys: Record<Market, Set<string>> = { spot: new Set(), usdm: new Set() };
  const live = new BinanceStreams({ books, creds, demo, listenKeyValid: (m, k) => listenKeys[m].has(k), symbolOf, now: venueNow, log });
  streams = live;
  /** countdownCancelAll: symbol -> when it lapses on the real-time clock (clock.elapsed). */
  const deadMan = new Map<string, number>();
  const marginType = new Map<string, 'cross' | 'isolated'>();
  const fundings: { symbol: string; rate: number; ts: number; mark: number }[] = [];
  let fundedSlot = Math.floor(start / fundingIntervalMs);
  let requests = 0;

  // ---------- time: bars due, countdowns, funding ----------

  function playBar(b: Bar): void {
    tape.record(b);
    const m = marketOfInst(b.symbol);
    books[m].onBar(b);
    live.publishMarket(m, b);
  }

  /** Everything due by now, in time order; at one instant funding and countdowns before the bar (as the OKX fake). */
  function tick(): void {
    const now = clock.now();
    const elapsed = clock.elapsed();
    const slot = Math.floor(now / fundingIntervalMs);
    if (slot - fundedSlot > 1000) fundedSlot = slot - 1000;
    try {
      for (;;) {
        const barAt = nextBar < replay.length ? replay[nextBar]!.ts : Number.POSITIVE_INFINITY;
        let lapseSym: string | null = null;
        let lapseAt = Number.POSITIVE_INFINITY;
        for (const [sym, at] of deadMan) {
          if (at > elapsed) continue;
          const venueAt = Math.min(now, now - (elapsed - at));
          if (venueAt < lapseAt) { lapseAt = venueAt; lapseSym = sym; }
        }
        const fundAt = (fundedSlot + 1) * fundingIntervalMs;
        const at = Math.min(barAt, lapseAt, fundAt);
        if (at > now) break;
        eventTs = at;
        if (at === fundAt) {
          fundedSlot++;
          fundAll(undefined, fundingRate, fundAt);
        } else if (lapseSym !== null && at === lapseAt) {
          deadMan.delete(lapseSym);
          const instId = byKey.get(`usdm:${lapseSym}`)?.instId ?? '';
          const canceled = books.usdm.cancelWhere((o) => o.instId === instId);
          log(`countdownCancelAll ${lapseSym} lapsed: canceled ${canceled.length} order(s)`);
        } else playBar(replay[nextBar++]!);
      }
    } finally {
      eventTs = null;
    }
  }

  function fundAll(instId: string | undefined, rate: number, ts: number): string[] {
    const out: string[] = [];
    for (const i of books.usdm.insts.values()) {
      if (instId !== undefined && i.spec.instId !== instId && symbolOf(i.spec.instId) !== instId) continue;
      const bill = books.usdm.fund(i.spec.instId, rate, ts);
      if (bill === null) continue;
      fundings.push({ symbol: symbolOf(i.spec.instId), rate, ts, mark: bill.px });
      for (const r of incomeRows(bill, symbolOf(i.spec.instId))) out.push(String(r.tranId));
      log(`funding ${symbolOf(i.spec.instId)} rate ${rate}: ${bill.balChg.toFixed(6)} ${bill.ccy}`);
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

  const working = (o: OkxOrder): boolean => o.state === 'live' || o.state === 'partially_filled';
  const instOf = (m: Market, p: URLSearchParams) => byKey.get(`${m}:${p.get('symbol') ?? ''}`);
  const orderJson = (m: Market, o: OkxOrder) => (m === 'spot' ? spotOrderJson(o, symbolOf(o.instId)) : usdmOrderJson(o, symbolOf(o.instId)));

  function ticker24(m: Market, symbol: string, instId: string) {
    const bars = tape.played(instId);
    const last = bars[bars.length - 1];
    const day = last === undefined ? [] : bars.filter((b) => b.ts > last.ts - 86_400_000);
    const open = day[0]?.open ?? 0;
    const close = last?.close ?? 0;
    const vol = day.reduce((a, b) => a + b.volume, 0);
    return {
      symbol, priceChange: s(close - open), priceChangePercent: s(open > 0 ? ((close - open) / open) * 100 : 0), weightedAvgPrice: s(close), lastPrice: s(close),
      lastQty: '0', openPrice: s(open), highPrice: s(day.length > 0 ? Math.max(...day.map((b) => b.high)) : 0), lowPrice: s(day.length > 0 ? Math.min(...day.map((b) => b.low)) : 0),
      volume: s(vol), quoteVolume: s(vol * close), openTime: day[0]?.ts ?? 0, closeTime: last !== undefined ? last.ts + 59_999 : 0, firstId: 0, lastId: 0, count: 0,
      ...(m === 'spot' ? { prevClosePrice: s(open), bidPrice: s(close), bidQty: '1', askPrice: s(close), askQty: '1' } : {}),
    };
  }

  function klines(m: Market, p: URLSearchParams): Answer {
    const x = instOf(m, p);
    if (x === undefined) return fail(ERR.badSymbol);
    const interval = p.get('interval');
    if (interval !== '1m') return fail(ERR.badParam(`Invalid interval: the parity Binance fake serves 1m klines (got ${interval ?? 'none'}).`));
    const limit = Math.min(m === 'spot' ? 1000 : 1500, Number(p.get('limit') ?? 500));
    const startTime = decimal(p.get('startTime'));
    const endTime = decimal(p.get('endTime'));
    const rows = tape.played(x.instId).filter((b) => (startTime === undefined || b.ts >= startTime) && (endTime === undefined || b.ts <= endTime));
    return ok((startTime !== undefined ? rows.slice(0, limit) : rows.slice(-limit)).map(klineRow));
  }

  const TYPES: Readonly<Record<string, true>> = { LIMIT: true, MARKET: true, LIMIT_MAKER: true };

  function placeOrder(m: Market, p: URLSearchParams): Answer {
    const x = instOf(m, p);
    if (x === undefined) return fail(ERR.badSymbol);
    const side = p.get('side');
    if (side !== 'BUY' && side !== 'SELL') return fail(ERR.mandatory('side'));
    const type = p.get('type') ?? '';
    if (TYPES[type] !== true || (m === 'usdm' && type === 'LIMIT_MAKER')) return fail({ status: 400, code: -1116, msg: 'Invalid orderType.' });
    if (m === 'spot' && (p.has('reduceOnly') || p.has('positionSide'))) return fail({ status: 400, code: -1104, msg: 'Not all sent parameters were read.' });
    const qty = decimal(p.get('quantity'));
    if (qty === undefined) return fail(ERR.mandatory('quantity'));
    const cid = p.get('newClientOrderId') ?? `parity${randomBytes(8).toString('hex')}`;
    if (!BINANCE_CLIENT_ID.test(cid)) return fail(ERR.illegal('newClientOrderId', m));
    const reduceOnly = p.get('reduceOnly') === 'true';
    let ordType: OkxOrdType = 'market';
    let px: number | undefined;
    if (type !== 'MARKET') {
      px = decimal(p.get('price'));
      if (px === undefined) return fail(ERR.mandatory('price'));
      const tif = type === 'LIMIT_MAKER' ? 'GTX' : p.get('timeInForce');
      if (tif === null) return fail(ERR.mandatory('timeInForce'));
      const t: Record<string, OkxOrdType> = { GTC: 'limit', IOC: 'ioc', FOK: 'fok', GTX: 'post_only' };
      const o = t[tif];
      if (o === undefined) return fail({ status: 400, code: -1115, msg: 'Invalid timeInForce.' });
      ordType = o;
    }
    const ref = px ?? books[m].markPx(x.instId);
    if (ref !== undefined && qty * ref < x.minNotional - 1e-9 && !(m === 'usdm' && reduceOnly)) {
      return fail(m === 'usdm' ? { status: 400, code: -4164, msg: `Order's notional must be no smaller than ${s(x.minNotional)} (unless you choose reduce only).` } : { status: 400, code: -1013, msg: 'Filter failure: NOTIONAL' });
    }
    const r = books[m].place({
      instId: x.instId, side: side === 'BUY' ? 'buy' : 'sell', ordType, sz: qty, ...(px !== undefined ? { px } : {}), clOrdId: cid,
      tdMode: m === 'spot' ? 'cash' : marginType.get(x.symbol) ?? 'cross', ...(reduceOnly ? { reduceOnly: true } : {}),
    });
    if (!r.ok) {
      log(`order refused ${r.sCode}: ${r.sMsg}`);
      return { ...fail(binanceRefusal(m, r.sCode, r.sMsg)), delayMs: faults.takeAckDelay() };
    }
    const now = books[m].find(x.instId, { ordId: r.value.ordId }) ?? r.value;
    const body = m === 'spot' ? { ...spotOrderJson(now, x.symbol), transactTime: now.cTime, fills: [] } : usdmOrderJson(now, x.symbol);
    return { status: 200, body, delayMs: faults.takeAckDelay() };
  }

  function findOrder(m: Market, p: URLSearchParams): { order?: OkxOrder; error?: Answer; instId?: string } {
    const x = instOf(m, p);
    if (x === undefined) return { error: fail(ERR.badSymbol) };
    const orderId = p.get('orderId');
    const cid = p.get('origClientOrderId');
    if (orderId === null && cid === null) return { error: fail(ERR.mandatory('orderId')) };
    const o = books[m].find(x.instId, orderId !== null ? { ordId: orderId } : { clOrdId: cid! });
    return o === undefined ? { instId: x.instId } : { order: o, instId: x.instId };
  }

  function cancelOrder(m: Market, p: URLSearchParams): Answer {
    const f = findOrder(m, p);
    if (f.error !== undefined) return f.error;
    if (f.order === undefined) return { ...fail(ERR.unknownCancel), delayMs: faults.takeAckDelay() };
    const r = books[m].cancel(f.instId!, { ordId: f.order.ordId });
    if (!r.ok) return { ...fail(binanceRefusal(m, r.sCode, r.sMsg)), delayMs: faults.takeAckDelay() };
    const o = books[m].find(f.instId!, { ordId: f.order.ordId })!;
    const body = m === 'spot' ? { ...spotOrderJson(o, symbolOf(o.instId)), origClientOrderId: o.clOrdId, transactTime: o.uTime } : usdmOrderJson(o, symbolOf(o.instId));
    return { status: 200, body, delayMs: faults.takeAckDelay() };
  }

  function modifyOrder(p: URLSearchParams): Answer {
    const f = findOrder('usdm', p);
    if (f.error !== undefined) return f.error;
    if (f.order === undefined) return { ...fail(ERR.noOrder), delayMs: faults.takeAckDelay() };
    const qty = decimal(p.get('quantity'));
    const px = decimal(p.get('price'));
    if (qty === undefined) return fail(ERR.mandatory('quantity'));
    if (px === undefined) return fail(ERR.mandatory('price'));
    const side = p.get('side');
    if (side !== f.order.side.toUpperCase()) return fail({ status: 400, code: -1102, msg: "Mandatory parameter 'side' was not sent, was empty/null, or does not match the order." });
    const r = books.usdm.amend(f.instId!, { ordId: f.order.ordId }, qty === f.order.sz ? undefined : qty, px === f.order.px ? undefined : px, '');
    if (!r.ok) {
      // Nothing changed is Binance's -5027; the book's 51500 says the same.
      if (r.sCode === '51500') return { ...fail({ status: 400, code: -5027, msg: 'No need to modify the order.' }), delayMs: faults.takeAckDelay() };
      return { ...fail(binanceRefusal('usdm', r.sCode, r.sMsg)), delayMs: faults.takeAckDelay() };
    }
    return { status: 200, body: usdmOrderJson(books.usdm.find(f.instId!, { ordId: f.order.ordId })!, symbolOf(f.instId!)), delayMs: faults.takeAckDelay() };
  }

  function orderList(m: Market, p: URLSearchParams, open: boolean): Answer {
    const sym = p.get('symbol');
    const x = sym === null ? undefined : instOf(m, p);
    if (sym !== null && x === undefined) return fail(ERR.badSymbol);
    if (!open && x === undefined) return fail(ERR.mandatory('symbol'));
    const startTime = decimal(p.get('startTime'));
    const endTime = decimal(p.get('endTime'));
    const limit = Math.min(1000, Number(p.get('limit') ?? 500));
    const inWindow = (t: number): boolean => (startTime === undefined || t >= startTime) && (endTime === undefined || t <= endTime);
    const list = books[m].allOrders().filter((o) => (x === undefined || o.instId === x.instId) && (!open || working(o)) && inWindow(o.cTime))
      .map((o) => ({ time: o.cTime, json: orderJson(m, o) as unknown }));
    if (m === 'usdm' && !open) {
      syncForced();
      for (const f of forced.list) if ((x === undefined || f.instId === x.instId) && inWindow(f.ts)) list.push({ time: f.ts, json: forcedOrderJson(f) });
      list.sort((a, b) => a.time - b.time);
    }
    return ok(list.slice(-limit).map((o) => o.json));
  }

  function trades(m: Market, p: URLSearchParams): Answer {
    const x = instOf(m, p);
    if (p.get('symbol') === null) return fail(ERR.mandatory('symbol'));
    if (x === undefined) return fail(ERR.badSymbol);
    const startTime = decimal(p.get('startTime'));
    const endTime = decimal(p.get('endTime'));
    const fromId = decimal(p.get('fromId'));
    const orderId = p.get('orderId');
    const limit = Math.min(1000, Number(p.get('limit') ?? 500));
    const rows = books[m].fills.filter((f) => f.instId === x.instId && (startTime === undefined || f.ts >= startTime) && (endTime === undefined || f.ts <= endTime)
      && (fromId === undefined || Number(f.tradeId) >= fromId) && (orderId === null || f.ordId === orderId));
    const pick = <T>(xs: T[]): T[] => (startTime !== undefined || fromId !== undefined ? xs.slice(0, limit) : xs.slice(-limit));
    if (m === 'spot') return ok(pick(rows).map((f) => spotTradeJson(f, x.symbol, x.quote)));
    syncForced();
    const all: { time: number; json: unknown }[] = rows.map((f) => ({ time: f.ts, json: usdmTradeJson(f, x.symbol, books.usdm.bills.find((b) => b.tradeId === f.tradeId)?.pnl ?? 0) }));
    if (orderId === null || forced.find({ orderId }) !== undefined) {
      for (const f of forced.list) {
        if (f.instId !== x.instId || (startTime !== undefined && f.ts < startTime) || (endTime !== undefined && f.ts > endTime) || (fromId !== undefined && f.tradeId < fromId)) continue;
        if (orderId !== null && String(f.orderId) !== orderId) continue;
        all.push({ time: f.ts, json: forcedTradeJson(f) });
      }
      all.sort((a, b) => a.time - b.time);
    }
    return ok(pick(all).map((t) => t.json));
  }

  function income(p: URLSearchParams): Answer {
    const sym = p.get('symbol');
    const type = p.get('incomeType');
    const startTime = decimal(p.get('startTime'));
    const endTime = decimal(p.get('endTime'));
    const limit = Math.min(1000, Number(p.get('limit') ?? 100));
    const rows: IncomeRow[] = [];
    syncForced();
    for (const b of books.usdm.bills) rows.push(...incomeRows(b, symbolOf(b.instId), forced.ofBill(b.billId)));
    const now = clock.now();
    const from = startTime ?? (endTime === undefined ? now - 7 * 86_400_000 : endTime - 7 * 86_400_000);
    const sel = rows.filter((r) => (sym === null || r.symbol === sym) && (type === null || r.incomeType === type) && r.time >= from && (endTime === undefined || r.time <= endTime));
    // Oldest first; from startTime the first page, else the newest rows.
    return ok(startTime !== undefined ? sel.slice(0, limit) : sel.slice(-limit));
  }

  function positionRisk(p: URLSearchParams, v: string): Answer {
    const sym = p.get('symbol');
    const now = clock.now();
    const out: unknown[] = [];
    for (const x of byKey.values()) {
      if (x.market !== 'usdm' || (sym !== null && x.symbol !== sym)) continue;
      const pos = books.usdm.swapPositions().find((q) => q.inst.spec.instId === x.instId);
      if (pos !== undefined) out.push(positionRiskJson(pos, x.symbol, now));
      else if (v === 'v2') out.push(flatPositionRisk(x.symbol, books.usdm.leverOf(x.instId), marginType.get(x.symbol) ?? 'cross', books.usdm.markPx(x.instId), now));
    }
    return ok(out);
  }

  function spotAccount(): Answer {
    const b = books.spot;
    const locked = new Map<string, number>();
    for (const o of b.allOrders()) {
      if (!working(o)) continue;
      const x = byInst.get(o.instId)!;
      const ccy = o.side === 'buy' ? x.quote : x.base;
      locked.set(ccy, (locked.get(ccy) ?? 0) + (o.side === 'buy' ? (o.sz - o.accFillSz) * (o.px ?? 0) : o.sz - o.accFillSz));
    }
    const totals = new Map<string, number>([['USDT', b.usdtCash()], ...b.spotBalances()]);
    const balances = [...totals].map(([asset, total]) => ({ asset, free: s(total - (locked.get(asset) ?? 0)), locked: s(locked.get(asset) ?? 0) }));
    return ok({
      makerCommission: fees.makerBps, takerCommission: fees.takerBps, buyerCommission: 0, sellerCommission: 0,
      commissionRates: { maker: s(fees.makerBps / 10_000), taker: s(fees.takerBps / 10_000), buyer: '0', seller: '0' },
      canTrade: true, canWithdraw: true, canDeposit: true, brokered: false, requireSelfTradePrevention: false, preventSor: false, updateTime: clock.now(),
      accountType: 'SPOT', balances, permissions: ['SPOT'], uid,
    });
  }

  function usdmBalance(): Answer {
    const a = usdmAccountJson(books.usdm, symbolOf, clock.now());
    return ok(a.assets.map((x) => ({ accountAlias: 'parity', asset: x.asset, balance: x.walletBalance, crossWalletBalance: x.crossWalletBalance, crossUnPnl: x.crossUnPnl, availableBalance: x.availableBalance, maxWithdrawAmount: x.maxWithdrawAmount, marginAvailable: true, updateTime: x.updateTime })));
  }

  function countdown(p: URLSearchParams): Answer {
    const x = instOf('usdm', p);
    if (p.get('symbol') === null) return fail(ERR.mandatory('symbol'));
    if (x === undefined) return fail(ERR.badSymbol);
    const ms = decimal(p.get('countdownTime'));
    if (ms === undefined || !Number.isInteger(ms) || ms < 0) return fail(ERR.mandatory('countdownTime'));
    if (ms === 0) deadMan.delete(x.symbol);
    else deadMan.set(x.symbol, clock.elapsed() + ms);
    return ok({ symbol: x.symbol, countdownTime: String(ms) });
  }

  function setMarginType(p: URLSearchParams): Answer {
    const x = instOf('usdm', p);
    if (x === undefined) return fail(ERR.badSymbol);
    const t = p.get('marginType');
    if (t !== 'ISOLATED' && t !== 'CROSSED') return fail({ status: 400, code: -4044, msg: 'The margin type is invalid.' });
    const want = t === 'ISOLATED' ? 'isolated' : 'cross';
    const has = marginType.get(x.symbol) ?? 'cross';
    if (want === has) return fail({ status: 400, code: -4046, msg: 'No need to change margin type.' });
    const busy = books.usdm.position(x.instId) !== null || books.usdm.allOrders().some((o) => o.instId === x.instId && working(o));
    if (busy) return fail({ status: 400, code: -4048, msg: 'Margin type cannot be changed if there exists position.' });
    marginType.set(x.symbol, want);
    return ok({ code: 200, msg: 'success' });
  }

  function listenKey(m: Market, method: string, p: URLSearchParams): Answer {
    if (method === 'POST') {
      const k = randomBytes(32).toString('base64url');
      listenKeys[m].add(k);
      return ok({ listenKey: k });
    }
    if (m === 'spot') {
      const k = p.get('listenKey');
      if (k === null || !listenKeys.spot.has(k)) return fail(ERR.invalidListenKey);
      if (method === 'DELETE') listenKeys.spot.delete(k);
    }
    return ok({});
  }

  const premium = (x: BinanceInstrumentSpec & { instId: string }) => {
    const mark = books.usdm.markPx(x.instId) ?? 0;
    const now = clock.now();
    return { symbol: x.symbol, markPrice: s(mark), indexPrice: s(mark), estimatedSettlePrice: s(mark), lastFundingRate: s(fundingRate), interestRate: '0.00010000', nextFundingTime: (Math.floor(now / fundingIntervalMs) + 1) * fundingIntervalMs, time: now };
  };

  /** [market, signed: 'none' | 'key' | 'signed', handler] per `METHOD path`. */
  type Route = { market: Market; auth: 'none' | 'key' | 'signed'; run: (p: URLSearchParams, method: string) => Answer };
  const usdmSymbols = () => [...byKey.values()].filter((x) => x.market === 'usdm');
  const spotSymbols = () => [...byKey.values()].filter((x) => x.market === 'spot');
  const R = (market: Market, auth: Route['auth'], run: Route['run']): Route => ({ market, auth, run });
  const time = (): Answer => ok({ serverTime: Date.now() });
  const routes: Readonly<Record<string, Route>> = {
    // Spot. Server time is this machine's clock, as Binance's: ccxt signs with it.
    'GET /api/v3/time': R('spot', 'none', time),
    'GET /api/v3/ping': R('spot', 'none', () => ok({})),
    'GET /api/v3/exchangeInfo': R('spot', 'none', () => ok({ timezone: 'UTC', serverTime: Date.now(), rateLimits: [], exchangeFilters: [], symbols: spotSymbols().map(spotSymbolJson) })),
    'GET /api/v3/ticker/24hr': R('spot', 'none', (p) => (p.get('symbol') === null ? ok(spotSymbols().map((x) => ticker24('spot', x.symbol, x.instId))) : instOf('spot', p) === undefined ? fail(ERR.badSymbol) : ok(ticker24('spot', instOf('spot', p)!.symbol, instOf('spot', p)!.instId)))),
    'GET /api/v3/klines': R('spot', 'none', (p) => klines('spot', p)),
    'POST /api/v3/userDataStream': R('spot', 'key', (p, m) => listenKey('spot', m, p)),
    'PUT /api/v3/userDataStream': R('spot', 'key', (p, m) => listenKey('spot', m, p)),
    'DELETE /api/v3/userDataStream': R('spot', 'key', (p, m) => listenKey('spot', m, p)),
    'POST /api/v3/order': R('spot', 'signed', (p) => placeOrder('spot', p)),
    'GET /api/v3/order': R('spot', 'signed', (p) => { const f = findOrder('spot', p); return f.error ?? (f.order === undefined ? fail(ERR.noOrder) : ok(orderJson('spot', f.order))); }),
    'DELETE /api/v3/order': R('spot', 'signed', (p) => cancelOrder('spot', p)),
    'GET /api/v3/openOrders': R('spot', 'signed', (p) => orderList('spot', p, true)),
    'GET /api/v3/allOrders': R('spot', 'signed', (p) => orderList('spot', p, false)),
    'GET /api/v3/myTrades': R('spot', 'signed', (p) => trades('spot', p)),
    'GET /api/v3/account': R('spot', 'signed', () => spotAccount()),
    // USD-M.
    'GET /fapi/v1/time': R('usdm', 'none', time),
    'GET /fapi/v1/ping': R('usdm', 'none', () => ok({})),
    'GET /fapi/v1/exchangeInfo': R('usdm', 'none', () => ok({ timezone: 'UTC', serverTime: Date.now(), futuresType: 'U_MARGINED', rateLimits: [], exchangeFilters: [], assets: [{ asset: 'USDT', marginAvailable: true, autoAssetExchange: '-10000' }], symbols: usdmSymbols().map(usdmSymbolJson) })),
    'GET /fapi/v1/klines': R('usdm', 'none', (p) => klines('usdm', p)),
    'GET /fapi/v1/premiumIndex': R('usdm', 'none', (p) => (p.get('symbol') === null ? ok(usdmSymbols().map(premium)) : instOf('usdm', p) === undefined ? fail(ERR.badSymbol) : ok(premium(instOf('usdm', p)!)))),
    'GET /fapi/v1/fundingRate': R('usdm', 'none', (p) => ok(fundings.filter((f) => p.get('symbol') === null || f.symbol === p.get('symbol')).map((f) => ({ symbol: f.symbol, fundingRate: s(f.rate), fundingTime: f.ts, markPrice: s(f.mark) })))),
    'GET /fapi/v1/ticker/24hr': R('usdm', 'none', (p) => (p.get('symbol') === null ? ok(usdmSymbols().map((x) => ticker24('usdm', x.symbol, x.instId))) : instOf('usdm', p) === undefined ? fail(ERR.badSymbol) : ok(ticker24('usdm', instOf('usdm', p)!.symbol, instOf('usdm', p)!.instId)))),
    'POST /fapi/v1/listenKey': R('usdm', 'key', (p, m) => listenKey('usdm', m, p)),
    'PUT /fapi/v1/listenKey': R('usdm', 'key', (p, m) => listenKey('usdm', m, p)),
    'DELETE /fapi/v1/listenKey': R('usdm', 'key', (p, m) => listenKey('usdm', m, p)),
    'POST /fapi/v1/order': R('usdm', 'signed', (p) => placeOrder('usdm', p)),
    'GET /fapi/v1/order': R('usdm', 'signed', (p) => {
      const f = findOrder('usdm', p);
      if (f.error !== undefined) return f.error;
      if (f.order !== undefined) return ok(orderJson('usdm', f.order));
      const v = forced.find({ orderId: p.get('orderId'), clientOrderId: p.get('origClientOrderId') });
      return v !== undefined && v.instId === f.instId ? ok(forcedOrderJson(v)) : fail(ERR.noOrder);
    }),
    'DELETE /fapi/v1/order': R('usdm', 'signed', (p) => cancelOrder('usdm', p)),
    'PUT /fapi/v1/order': R('usdm', 'signed', (p) => modifyOrder(p)),
    'GET /fapi/v1/openOrders': R('usdm', 'signed', (p) => orderList('usdm', p, true)),
    'GET /fapi/v1/allOrders': R('usdm', 'signed', (p) => orderList('usdm', p, false)),
    'GET /fapi/v1/userTrades': R('usdm', 'signed', (p) => trades('usdm', p)),
    'GET /fapi/v1/income': R('usdm', 'signed', (p) => income(p)),
    'GET /fapi/v2/positionRisk': R('usdm', 'signed', (p) => positionRisk(p, 'v2')),
    'GET /fapi/v3/positionRisk': R('usdm', 'signed', (p) => positionRisk(p, 'v3')),
    'GET /fapi/v2/account': R('usdm', 'signed', () => ok(usdmAccountJson(books.usdm, symbolOf, clock.now()))),
    'GET /fapi/v3/account': R('usdm', 'signed', () => ok(usdmAccountJson(books.usdm, symbolOf, clock.now()))),
    'GET /fapi/v2/balance': R('usdm', 'signed', () => usdmBalance()),
    'GET /fapi/v3/balance': R('usdm', 'signed', () => usdmBalance()),
    'POST /fapi/v1/leverage': R('usdm', 'signed', (p) => {
      const x = instOf('usdm', p);
      if (x === undefined) return fail(ERR.badSymbol);
      const lev = decimal(p.get('leverage'));
      if (lev === undefined || !Number.isInteger(lev)) return fail(ERR.mandatory('leverage'));
      const r = books.usdm.setLeverage(x.instId, lev);
      if (!r.ok) return fail(r.sCode === '59000' ? { status: 400, code: -4161, msg: 'Leverage cannot be changed while the symbol has a position or open orders (parity fake).' } : { status: 400, code: -4028, msg: `Leverage ${lev} is not valid` });
      return ok({ leverage: lev, maxNotionalValue: '250000', symbol: x.symbol });
    }),
    'POST /fapi/v1/marginType': R('usdm', 'signed', (p) => setMarginType(p)),
    'GET /fapi/v1/leverageBracket': R('usdm', 'signed', (p) => ok(usdmSymbols().filter((x) => p.get('symbol') === null || x.symbol === p.get('symbol')).map((x) => ({ symbol: x.symbol, notionalCoef: 1, brackets: [{ bracket: 1, initialLeverage: 125, notionalCap: 50000000, notionalFloor: 0, maintMarginRatio: 0.004, cum: 0 }] })))),
    'GET /fapi/v1/positionSide/dual': R('usdm', 'signed', () => ok({ dualSidePosition: false })),
    'GET /fapi/v1/multiAssetsMargin': R('usdm', 'signed', () => ok({ multiAssetsMargin: false })),
    'GET /fapi/v1/commissionRate': R('usdm', 'signed', (p) => ok({ symbol: p.get('symbol') ?? '', makerCommissionRate: s(fees.makerBps / 10_000), takerCommissionRate: s(fees.takerBps / 10_000) })),
    'POST /fapi/v1/countdownCancelAll': R('usdm', 'signed', (p) => countdown(p)),
  };

  async function onApi(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): Promise<void> {
    requests++;
    const method = req.method ?? 'GET';
    const { host, info, rest } = splitHost(url.pathname);
    const route = routes[`${method} ${rest}`];
    if (info === undefined || route === undefined || (info.api !== route.market)) return reply(res, 404, { code: -5000, msg: `${method} ${host}${rest} is not served by the parity Binance fake.` });
    const f = faults.takeHttpFailure();
    if (f !== null) return reply(res, f.status, binanceHttpFailure(f.code));
    const rawQuery = url.search.startsWith('?') ? url.search.slice(1) : url.search;
    const params = new URLSearchParams(rawQuery);
    for (const [k, v] of new URLSearchParams(raw)) params.append(k, v);
    if (route.auth !== 'none') {
      // A demo account's key is unknown to the live venue and the other way round.
      const e = info.demo !== demo ? ERR.badKey : route.auth === 'key' ? checkApiKey(creds, req.headers) : checkSigned(creds, req.headers, rawQuery, raw, params, Date.now());
      if (e !== null) {
        log(`refused ${method} ${host}${rest}: ${e.code} ${e.msg}`);
        return reply(res, e.status, { code: e.code, msg: e.msg });
      }
    }
    const a = route.run(params, method);
    if (a.delayMs !== undefined && a.delayMs > 0) await new Promise((r) => setTimeout(r, a.delayMs));
    reply(res, a.status, a.body);
  }

  function reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  // ---------- admin ----------

  /** "BTCUSDT" is the USD-M symbol, "BTCUSDT@spot" the spot one; the book's own ids are taken too. */
  function instIdOfAdmin(id: string): string {
    const spot = /^(.+)@spot$/.exec(id);
    const x = spot !== null ? byKey.get(`spot:${spot[1]!}`) : byKey.get(`usdm:${id}`) ?? byInst.get(id);
    if (x === undefined) throw new Error(`unknown instrument ${id} (known: ${[...byKey.values()].map((v) => (v.market === 'spot' ? `${v.symbol}@spot` : v.symbol)).join(', ')})`);
    return x.instId;
  }

  function pushBar(b: BinanceBarIn): void {
    const instId = instIdOfAdmin(b.instId);
    if (b.ts === undefined) clock.advance(1);
    else if (b.ts > clock.now()) clock.advance(b.ts - clock.now());
    tick();
    playBar({ kind: 'bar', symbol: instId, ts: b.ts ?? clock.now(), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume ?? 0 });
  }

  const admin: BinanceAdmin = {
    now: () => clock.now(),
    advance: (ms) => {
      clock.advance(ms);
      tick();
    },
    setTimeScale: (scale) => clock.setScale(scale),
    pushBar,
    fundNow: (instId, rate) => fundAll(instId === undefined ? undefined : instIdOfAdmin(instId), rate ?? fundingRate, clock.now()),
    inject: (fault: BinanceFaultIn) => {
      const f = parseBinanceFault(fault);
      if (!f.ok) throw new Error(`fault: ${f.message}`);
      faults.add(f.value);
      if (f.value.dropPrivate === true) live.dropPrivate();
      log(`fault injected: ${JSON.stringify(fault)}`);
    },
    state: (): BinanceStateDump => ({
      now: clock.now(), timeScale: clock.timeScale, cash: books.usdm.usdtCash(), spotCash: books.spot.usdtCash(),
      orders: (['spot', 'usdm'] as const).flatMap((m) => books[m].allOrders().map((o) => {
        const j = orderJson(m, o);
        return { market: m, orderId: o.ordId, clientOrderId: o.clOrdId, symbol: symbolOf(o.instId), status: j.status, origQty: j.origQty, executedQty: j.executedQty };
      })).concat(forced.list.map((f) => ({ market: 'usdm' as const, orderId: String(f.orderId), clientOrderId: f.clientOrderId, symbol: f.symbol, status: 'FILLED', origQty: s(f.qty), executedQty: s(f.qty) }))),
      positions: books.usdm.swapPositions().map((p) => ({ symbol: symbolOf(p.inst.spec.instId), positionAmt: p.view.qty, entryPrice: p.view.avgPrice })),
      income: books.usdm.bills.reduce((n, b) => n + incomeRows(b, symbolOf(b.instId), forced.ofBill(b.billId)).length, 0),
      deadMan: [...deadMan].map(([symbol, at]) => ({ symbol, triggerTime: Date.now() + (at - clock.elapsed()) })),
      requests,
    }),
  };

  const onAdmin = (method: string, path: string, raw: string): Answer => routeAdmin(admin, { fundKey: 'tranIds' }, method, path, raw);

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
      onApi(req, res, url, raw).catch((e: unknown) => reply(res, 500, { code: -1000, msg: `An unknown error occurred: ${(e as Error).message}` }));
    });
  });

  live.attach(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log(`binance protocol on http://127.0.0.1:${port}/{host}/... (spot /api/v3, USD-M /fapi; websockets by host; admin /admin); ${demo ? 'demo' : 'live'} account uid ${uid}`);
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
