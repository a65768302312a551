/**
 * The OKX fake's wire: OKX v5 REST under /api/v5 (signed private calls), the websocket at
 * /ws/v5/{public,private,business}, and the unsigned admin under /admin, all on one 127.0.0.1 port.
 * The order model is book.ts; signing is signing.ts; index.ts documents the whole.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { z } from 'zod';
import { loadBars } from '../../data/index.ts';
import type { Bar } from '../../domain/market.ts';
import { zodMessage } from '../../util/zod-message.ts';
import { OkxBook, type BookEvent, type OkxOrder, type Refusal } from './book.ts';
import { VenueClock } from './clock.ts';
import { FaultState, parseOkxFault, type OkxFaultIn } from './faults.ts';
import {
  AdminAdvance, AdminBars, AdminFund, AdminScale, AmendBody, CancelAllAfterBody, CancelBody, LoginArg, PlaceBody, SetLeverageBody, WsMessage,
  type PlaceBodyT,
} from './requests.ts';
import { balanceJson, billJson, fillJson, instrumentJson, orderJson, positionJson, s } from './shapes.ts';
import { checkRestAuth, checkWsLogin, type Credentials } from './signing.ts';
import type { OkxAdmin, OkxBarIn, OkxFake, OkxFakeOptions, OkxInstrumentSpec, OkxStateDump } from './types.ts';

export const DEFAULT_OKX_INSTRUMENTS: readonly OkxInstrumentSpec[] = [
  { instId: 'BTC-USDT', tickSz: 0.1, lotSz: 0.00000001, minSz: 0.00001 },
  { instId: 'ETH-USDT', tickSz: 0.01, lotSz: 0.000001, minSz: 0.0001 },
  { instId: 'BTC-USDT-SWAP', tickSz: 0.1, lotSz: 0.01, minSz: 0.01, ctVal: 0.01 },
  { instId: 'ETH-USDT-SWAP', tickSz: 0.01, lotSz: 0.01, minSz: 0.01, ctVal: 0.1 },
];
const EIGHT_HOURS = 8 * 3_600_000;
const MAX_BARS_KEPT = 10_000;

interface Conn {
  readonly ws: WebSocket;
  readonly kind: 'public' | 'private' | 'business';
  readonly connId: string;
  authed: boolean;
  readonly subs: Map<string, Record<string, unknown>>;
}

type Answer = { status: number; body: unknown; delayMs?: number };
const ok = (data: unknown[]): Answer => ({ status: 200, body: { code: '0', msg: '', data } });
const err = (code: string, msg: string, status = 200): Answer => ({ status, body: { code, msg, data: [] } });
const bad = (e: z.ZodError): Answer => err('51000', `Parameter error: ${zodMessage(e)}`, 400);

export async function startOkxFake(opts: OkxFakeOptions = {}): Promise<OkxFake> {
  const log = opts.log ?? (() => {});
  const creds: Credentials = { apiKey: opts.apiKey ?? 'parity-okx-key', secret: opts.secret ?? 'parity-okx-secret', passphrase: opts.passphrase ?? 'Parity-Pass1' };
  const liveAccount = opts.liveAccount === true;
  const uid = opts.uid ?? 'parity-okx-1';
  const fundingIntervalMs = opts.fundingIntervalMs ?? EIGHT_HOURS;
  const fundingRate = opts.fundingRate ?? 0.0001;
  const instruments = opts.instruments ?? DEFAULT_OKX_INSTRUMENTS;
  const faults = new FaultState();

  // The market from files: a file's symbol feeds every instrument of its base currency (spot and swap).
  const replay: Bar[] = [];
  for (const f of opts.data ?? []) {
    for (const series of loadBars(f, { tz: opts.tz })) {
      const baseCcy = series.symbol.toUpperCase().split(/[-/]/)[0] ?? '';
      const targets = instruments.filter((i) => i.instId.split('-')[0] === baseCcy).map((i) => i.instId);
      if (targets.length === 0) throw new Error(`--data ${f}: symbol ${series.symbol} matches no instrument (${instruments.map((i) => i.instId).join(', ')})`);
      for (let k = 0; k < series.length; k++) {
        for (const instId of targets) {
          replay.push({ kind: 'bar', symbol: instId, ts: series.ts[k]!, open: series.open[k]!, high: series.high[k]!, low: series.low[k]!, close: series.close[k]!, volume: series.volume[k]! });
        }
      }
    }
  }
  replay.sort((a, b) => a.ts - b.ts);
  let nextBar = 0;
  const start = opts.startTime ?? (replay[0] !== undefined ? replay[0].ts - 1 : Date.now());
  const clock = new VenueClock(start, opts.speed ?? 1);

  const conns = new Set<Conn>();
  const fees = opts.fees ?? { makerBps: 2, takerBps: 5 };
  const book: OkxBook = new OkxBook({ instruments, cash: opts.cash ?? 100_000, leverage: opts.leverage ?? 3, fundingIntervalMs, fundingRate, fees, now: () => clock.now(), faults, emit: (ev) => onBookEvent(ev) });
  const candles = new Map<string, Bar[]>();
  const deadMan = new Map<string, number>();
  let fundedSlot = Math.floor(start / fundingIntervalMs);
  let requests = 0;

  // ---------- time: bars due, countdowns, funding ----------

  function playBar(b: Bar): void {
    const list = candles.get(b.symbol) ?? [];
    const last = list[list.length - 1];
    if (last !== undefined && b.ts < last.ts) throw new Error(`bar for ${b.symbol} at ${new Date(b.ts).toISOString()} is older than the last one played`);
    list.push(b);
    if (list.length > MAX_BARS_KEPT) list.splice(0, list.length - MAX_BARS_KEPT);
    candles.set(b.symbol, list);
    book.onBar(b);
    publishMarket(b);
  }

  function tick(): void {
    const now = clock.now();
    while (nextBar < replay.length && replay[nextBar]!.ts <= now) playBar(replay[nextBar++]!);
    for (const [tag, at] of [...deadMan]) {
      if (at > now) continue;
      deadMan.delete(tag);
      const canceled = book.cancelAllTagged(tag);
      log(`cancel-all-after${tag !== '' ? ` (tag ${tag})` : ''} lapsed: canceled ${canceled.length} order(s)`);
    }
    const slot = Math.floor(now / fundingIntervalMs);
    if (slot - fundedSlot > 1000) fundedSlot = slot - 1000;
    while (fundedSlot < slot) {
      fundedSlot++;
      fundAll(undefined, fundingRate, fundedSlot * fundingIntervalMs);
    }
  }

  function fundAll(instId: string | undefined, rate: number, ts: number): string[] {
    const out: string[] = [];
    for (const i of book.insts.values()) {
      if (i.instType !== 'SWAP' || (instId !== undefined && i.spec.instId !== instId)) continue;
      const bill = book.fund(i.spec.instId, rate, ts);
      if (bill !== null) {
        out.push(bill.billId);
        log(`funding ${i.spec.instId} rate ${rate}: ${bill.balChg.toFixed(6)} ${bill.ccy}`);
      }
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

  // ---------- websocket pushes ----------

  const send = (c: Conn, msg: unknown): void => {
    if (c.ws.readyState === c.ws.OPEN) c.ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  };

  function subscribed(kind: Conn['kind'], channel: string, match: (arg: Record<string, unknown>) => boolean, push: (c: Conn, arg: Record<string, unknown>) => void): void {
    for (const c of conns) {
      // Candles (business) need no login; the private channels do.
      if (c.kind !== kind || (kind !== 'public' && channel !== 'candle1m' && !c.authed)) continue;
      for (const arg of c.subs.values()) if (arg.channel === channel && match(arg)) push(c, arg);
    }
  }

  const typeMatches = (arg: Record<string, unknown>, instType: string, instId: string): boolean =>
    (arg.instType === undefined || arg.instType === 'ANY' || arg.instType === instType) && (arg.instId === undefined || arg.instId === instId);

  function onBookEvent(ev: BookEvent): void {
    const now = clock.now();
    if (ev.kind === 'order') {
      const o = ev.order;
      subscribed('private', 'orders', (a) => typeMatches(a, o.instType, o.instId), (c, a) => send(c, { arg: { ...a, uid }, data: [orderJson(o)] }));
      return;
    }
    const positions = book.swapPositions();
    const touched = new Set(ev.instIds);
    const pos: Record<string, unknown>[] = positions.filter((p) => touched.has(p.inst.spec.instId)).map((p) => positionJson(p, now));
    // A position closed by the event is pushed flat (pos "0"), as OKX does.
    for (const id of touched) {
      if (!pos.some((p) => p.instId === id) && book.insts.get(id)?.instType === 'SWAP') pos.push({ ...flatPosition(id), uTime: String(now) });
    }
    if (pos.length > 0) subscribed('private', 'positions', (a) => a.instType === undefined || a.instType === 'ANY' || a.instType === 'SWAP', (c, a) => send(c, { arg: { ...a, uid }, data: pos }));
    const bal = balanceJson(book, now);
    subscribed('private', 'account', () => true, (c, a) => send(c, { arg: { ...a, uid }, data: [bal] }));
    subscribed('private', 'balance_and_position', () => true, (c, a) => send(c, {
      arg: { ...a, uid },
      data: [{ pTime: String(now), eventType: 'filled', balData: bal.details.map((d) => ({ ccy: d.ccy, cashBal: d.cashBal, uTime: String(now) })), posData: pos, trades: [] }],
    }));
  }

  function flatPosition(instId: string) {
    return { instType: 'SWAP', instId, mgnMode: 'cross', posSide: 'net', pos: '0', avgPx: '', markPx: s(book.markPx(instId)), liqPx: '', lever: s(book.leverOf(instId)), upl: '0', imr: '0', mmr: '0', notionalUsd: '0', ccy: 'USDT', cTime: '', uTime: '' };
  }

  function tickerJson(instId: string) {
    const bars = candles.get(instId) ?? [];
    const last = bars[bars.length - 1];
    const inst = book.insts.get(instId);
    if (last === undefined || inst === undefined) return null;
    const day = bars.filter((b) => b.ts > last.ts - 86_400_000);
    const open24h = day[0]?.open ?? last.open;
    const vol = day.reduce((a, b) => a + b.volume, 0);
    return {
      instType: inst.instType, instId, last: s(last.close), lastSz: '0', askPx: s(last.close), askSz: '1', bidPx: s(last.close), bidSz: '1', open24h: s(open24h),
      high24h: s(Math.max(...day.map((b) => b.high))), low24h: s(Math.min(...day.map((b) => b.low))), volCcy24h: s(vol * last.close), vol24h: s(vol),
      sodUtc0: s(open24h), sodUtc8: s(open24h), ts: String(last.ts),
    };
  }

  const candleRow = (b: Bar, confirm: boolean) => [String(b.ts), s(b.open), s(b.high), s(b.low), s(b.close), s(b.volume), s(b.volume * b.close), s(b.volume * b.close), confirm ? '1' : '0'];

  function publishMarket(b: Bar): void {
    const t = tickerJson(b.symbol);
    if (t !== null) subscribed('public', 'tickers', (a) => a.instId === b.symbol, (c, a) => send(c, { arg: a, data: [t] }));
    subscribed('public', 'mark-price', (a) => a.instId === b.symbol, (c, a) => send(c, { arg: a, data: [{ instType: t?.instType ?? '', instId: b.symbol, markPx: s(b.close), ts: String(b.ts) }] }));
    subscribed('business', 'candle1m', (a) => a.instId === b.symbol, (c, a) => send(c, { arg: a, data: [candleRow(b, true)] }));
  }

  // ---------- REST ----------

  const q = (url: URL, k: string): string | undefined => url.searchParams.get(k) ?? undefined;

  function instsOf(url: URL) {
    const type = q(url, 'instType');
    const id = q(url, 'instId');
    return [...book.insts.values()].filter((i) => (type === undefined || i.instType === type) && (id === undefined || i.spec.instId === id));
  }

  function placeOne(body: PlaceBodyT): { row: Record<string, string>; ok: boolean } {
    const r = book.place({
      instId: body.instId, side: body.side, ordType: body.ordType, sz: body.sz, tdMode: body.tdMode,
      ...(body.px !== undefined ? { px: body.px } : {}), ...(body.clOrdId !== undefined ? { clOrdId: body.clOrdId } : {}),
      ...(body.tag !== undefined ? { tag: body.tag } : {}), ...(body.reduceOnly !== undefined ? { reduceOnly: body.reduceOnly } : {}),
    });
    const ts = String(clock.now());
    if (r.ok) return { ok: true, row: { ordId: r.value.ordId, clOrdId: r.value.clOrdId, tag: r.value.tag, ts, sCode: '0', sMsg: 'Order placed' } };
    log(`order refused ${r.sCode}: ${r.sMsg}`);
    return { ok: false, row: { ordId: '', clOrdId: body.clOrdId ?? '', tag: body.tag ?? '', ts, sCode: r.sCode, sMsg: r.sMsg } };
  }

  /** OKX's envelope for trade calls: code 0, 1 (all failed) or 2 (some failed), each row its sCode. */
  function tradeAnswer(rows: { row: Record<string, string>; ok: boolean }[]): Answer {
    const failed = rows.filter((r) => !r.ok).length;
    const code = failed === 0 ? '0' : failed === rows.length ? '1' : '2';
    const msg = code === '0' ? '' : code === '1' ? 'All operations failed' : 'Bulk operation partially succeeded';
    return { status: 200, body: { code, msg, data: rows.map((r) => r.row), inTime: String(Date.now() * 1000), outTime: String(Date.now() * 1000) }, delayMs: faults.takeAckDelay() };
  }

  const refusedRow = (o: OkxOrder | null, r: Refusal, ref: { ordId?: string | undefined; clOrdId?: string | undefined }) =>
    ({ ordId: o?.ordId ?? ref.ordId ?? '', clOrdId: o?.clOrdId ?? ref.clOrdId ?? '', ts: String(clock.now()), sCode: r.sCode, sMsg: r.sMsg });

  function orderList(url: URL, open: boolean): Answer {
    const type = q(url, 'instType');
    const id = q(url, 'instId');
    const limit = Math.min(100, Number(q(url, 'limit') ?? 100));
    if (!open && type === undefined) return err('50014', 'Parameter instType can not be empty.');
    const list = book.allOrders().filter((o) => ((o.state === 'live' || o.state === 'partially_filled') === open)
      && (type === undefined || o.instType === type) && (id === undefined || o.instId === id)
      && (q(url, 'state') === undefined || o.state === q(url, 'state')));
    return ok(list.reverse().slice(0, limit).map(orderJson));
  }

  function paged<T>(rows: readonly T[], url: URL, idOf: (r: T) => string, tsOf: (r: T) => number): T[] {
    const after = q(url, 'after');
    const before = q(url, 'before');
    const begin = q(url, 'begin');
    const end = q(url, 'end');
    const limit = Math.min(100, Number(q(url, 'limit') ?? 100));
    return [...rows].reverse().filter((r) => (after === undefined || BigInt(idOf(r)) < BigInt(after)) && (before === undefined || BigInt(idOf(r)) > BigInt(before))
      && (begin === undefined || tsOf(r) >= Number(begin)) && (end === undefined || tsOf(r) <= Number(end))).slice(0, limit);
  }

  function route(method: string, path: string, url: URL, json: unknown): Answer {
    const now = clock.now();
    const key = `${method} ${path}`;
    switch (key) {
      // This machine's clock, as OKX's own: ccxt's adjustForTimeDifference then signs with times the auth check accepts.
      case 'GET public/time': return ok([{ ts: String(Date.now()) }]);
      case 'GET public/instruments': {
        if (q(url, 'instType') === undefined) return err('50014', 'Parameter instType can not be empty.');
        return ok(instsOf(url).map((i) => instrumentJson(i, book.leverOf(i.spec.instId))));
      }
      case 'GET market/ticker': {
        const t = tickerJson(q(url, 'instId') ?? '');
        return t === null ? err('51001', 'Instrument ID does not exist.') : ok([t]);
      }
      case 'GET market/tickers': return ok(instsOf(url).map((i) => tickerJson(i.spec.instId)).filter((t) => t !== null));
      case 'GET market/candles':
      case 'GET market/history-candles': {
        const instId = q(url, 'instId') ?? '';
        if (!book.insts.has(instId)) return err('51001', 'Instrument ID does not exist.');
        const barSz = q(url, 'bar') ?? '1m';
        if (barSz !== '1m') return err('51000', `Parameter bar error: the fake serves 1m candles (got ${barSz})`);
        const after = q(url, 'after');
        const before = q(url, 'before');
        const limit = Math.min(path === 'market/candles' ? 300 : 100, Number(q(url, 'limit') ?? 100));
        const rows = [...(candles.get(instId) ?? [])].reverse()
          .filter((b) => (after === undefined || b.ts < Number(after)) && (before === undefined || b.ts > Number(before))).slice(0, limit);
        return ok(rows.map((b) => candleRow(b, true)));
      }
      case 'GET public/funding-rate': {
        const i = book.insts.get(q(url, 'instId') ?? '');
        if (i === undefined || i.instType !== 'SWAP') return err('51001', 'Instrument ID does not exist.');
        const next = (Math.floor(now / fundingIntervalMs) + 1) * fundingIntervalMs;
        return ok([{ instType: 'SWAP', instId: i.spec.instId, fundingRate: s(fundingRate), nextFundingRate: '', fundingTime: String(next), nextFundingTime: String(next + fundingIntervalMs), method: 'current_period', maxFundingRate: '0.00375', minFundingRate: '-0.00375', settState: 'settled', settFundingRate: s(fundingRate), ts: String(now) }]);
      }
      case 'GET public/mark-price': return ok(instsOf(url).filter((i) => i.instType !== 'SPOT' || q(url, 'instType') === 'MARGIN').map((i) => ({ instType: i.instType, instId: i.spec.instId, markPx: s(book.markPx(i.spec.instId)), ts: String(now) })));
      case 'GET asset/currencies': {
        const ccys = new Set<string>();
        for (const i of book.insts.values()) { ccys.add(i.base); ccys.add(i.quote); }
        return ok([...ccys].map((ccy) => ({ ccy, chain: `${ccy}-${ccy}`, name: ccy, canDep: true, canWd: true, canInternal: true, minWd: '0.0001', maxFee: '0', minFee: '0', wdTickSz: '8', mainNet: true })));
      }
      case 'GET account/config': return ok([{ uid, mainUid: uid, acctLv: '2', posMode: 'net_mode', autoLoan: false, greeksType: 'PA', level: 'Lv1', levelTmp: '', ctIsoMode: 'automatic', mgnIsoMode: 'automatic', label: 'parity', perm: 'read_only,trade', ip: '', roleType: '0', spotRoleType: '0', opAuth: '0', kycLv: '2', type: '0' }]);
      case 'GET account/balance': return ok([balanceJson(book, now)]);
      case 'GET account/positions': {
        const id = q(url, 'instId');
        const type = q(url, 'instType');
        return ok(book.swapPositions().filter((p) => (id === undefined || id.split(',').includes(p.inst.spec.instId)) && (type === undefined || type === 'SWAP')).map((p) => positionJson(p, now)));
      }
      case 'GET account/bills':
      case 'GET account/bills-archive': {
        const rows = book.bills.filter((b) => (q(url, 'ccy') === undefined || b.ccy === q(url, 'ccy')) && (q(url, 'instType') === undefined || b.instType === q(url, 'instType'))
          && (q(url, 'type') === undefined || b.type === q(url, 'type')) && (q(url, 'instId') === undefined || b.instId === q(url, 'instId')));
        return ok(paged(rows, url, (b) => b.billId, (b) => b.ts).map(billJson));
      }
      case 'GET account/leverage-info': {
        const ids = (q(url, 'instId') ?? '').split(',').filter((x) => x !== '');
        for (const id of ids) if (!book.insts.has(id)) return err('51001', 'Instrument ID does not exist.');
        return ok(ids.map((id) => ({ instId: id, mgnMode: q(url, 'mgnMode') ?? 'cross', posSide: 'net', lever: s(book.leverOf(id)) })));
      }
      case 'POST account/set-leverage': {
        const b = SetLeverageBody.safeParse(json);
        if (!b.success) return bad(b.error);
        const r = book.setLeverage(b.data.instId, b.data.lever);
        return r.ok ? ok([{ lever: s(r.value), mgnMode: b.data.mgnMode, instId: b.data.instId, posSide: 'net' }]) : err(r.sCode, r.sMsg);
      }
      case 'POST trade/order': {
        const b = PlaceBody.safeParse(json);
        if (!b.success) return bad(b.error);
        return tradeAnswer([placeOne(b.data)]);
      }
      case 'POST trade/batch-orders': {
        if (!Array.isArray(json) || json.length === 0 || json.length > 20) return err('51000', 'Parameter error: batch-orders takes an array of 1-20 orders', 400);
        const rows = json.map((raw) => {
          const b = PlaceBody.safeParse(raw);
          return b.success ? placeOne(b.data) : { ok: false, row: { ordId: '', clOrdId: '', tag: '', ts: String(now), sCode: '51000', sMsg: `Parameter error: ${zodMessage(b.error)}` } };
        });
        return tradeAnswer(rows);
      }
      case 'GET trade/order': {
        const instId = q(url, 'instId');
        if (instId === undefined) return err('50014', 'Parameter instId can not be empty.');
        const ordId = q(url, 'ordId');
        const clOrdId = q(url, 'clOrdId');
        if (ordId === undefined && clOrdId === undefined) return err('51003', 'Either client order ID or order ID is required.');
        const o = book.find(instId, { ...(ordId !== undefined ? { ordId } : {}), ...(clOrdId !== undefined ? { clOrdId } : {}) });
        return o === undefined ? err('51603', 'Order does not exist') : ok([orderJson(o)]);
      }
      case 'POST trade/cancel-order': {
        const b = CancelBody.safeParse(json);
        if (!b.success) return bad(b.error);
        const ref = { ordId: b.data.ordId, clOrdId: b.data.clOrdId };
        const r = book.cancel(b.data.instId, ref);
        return tradeAnswer([r.ok ? { ok: true, row: { ordId: r.value.ordId, clOrdId: r.value.clOrdId, ts: String(now), sCode: '0', sMsg: '' } } : { ok: false, row: refusedRow(null, r, ref) }]);
      }
      case 'POST trade/amend-order': {
        const b = AmendBody.safeParse(json);
        if (!b.success) return bad(b.error);
        const ref = { ordId: b.data.ordId, clOrdId: b.data.clOrdId };
        const r = book.amend(b.data.instId, ref, b.data.newSz, b.data.newPx, b.data.reqId ?? '');
        const reqId = b.data.reqId ?? '';
        if (!r.ok && b.data.cxlOnFail === true) book.cancel(b.data.instId, ref);
        return tradeAnswer([r.ok ? { ok: true, row: { ordId: r.value.ordId, clOrdId: r.value.clOrdId, reqId, ts: String(now), sCode: '0', sMsg: '' } } : { ok: false, row: { ...refusedRow(null, r, ref), reqId } }]);
      }
      case 'GET trade/orders-pending': return orderList(url, true);
      case 'GET trade/orders-history':
      case 'GET trade/orders-history-archive': return orderList(url, false);
      case 'GET trade/fills':
      case 'GET trade/fills-history': {
        if (path === 'trade/fills-history' && q(url, 'instType') === undefined) return err('50014', 'Parameter instType can not be empty.');
        const rows = book.fills.filter((f) => (q(url, 'instType') === undefined || f.instType === q(url, 'instType')) && (q(url, 'instId') === undefined || f.instId === q(url, 'instId'))
          && (q(url, 'ordId') === undefined || f.ordId === q(url, 'ordId')));
        return ok(paged(rows, url, (f) => f.billId, (f) => f.ts).map(fillJson));
      }
      case 'POST trade/cancel-all-after': {
        const b = CancelAllAfterBody.safeParse(json);
        if (!b.success) return bad(b.error);
        const t = b.data.timeOut;
        const tag = b.data.tag ?? '';
        if (tag !== '' && !/^[A-Za-z0-9]{1,16}$/.test(tag)) return err('51000', 'Parameter tag error');
        if (!(t === 0 || (Number.isInteger(t) && t >= 10 && t <= 120))) return err('51000', 'Parameter timeOut error: 0, or 10 to 120 seconds');
        if (t === 0) deadMan.delete(tag);
        else deadMan.set(tag, now + t * 1000);
        // Times in ms (the docs' example looks like seconds; the demo venue answers ms).
        return ok([{ triggerTime: t === 0 ? '0' : String(now + t * 1000), tag, ts: String(now) }]);
      }
      default: return err('50115', `Invalid request method or path: ${method} /api/v5/${path} is not served by the parity OKX fake`, 404);
    }
  }

  const PUBLIC = new Set(['public/time', 'public/instruments', 'market/ticker', 'market/tickers', 'market/candles', 'market/history-candles', 'public/funding-rate', 'public/mark-price']);

  async function onApi(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): Promise<void> {
    requests++;
    const method = req.method ?? 'GET';
    const path = url.pathname.slice('/api/v5/'.length);
    const fail = faults.takeHttpFailure();
    if (fail !== null) return reply(res, fail.status, { code: fail.code, msg: fail.msg, data: [] });
    if (!PUBLIC.has(path)) {
      const a = checkRestAuth(creds, liveAccount, req.headers, method, url.pathname + url.search, method === 'GET' ? '' : raw, Date.now());
      if (a !== null) {
        log(`refused ${method} ${url.pathname}: ${a.code} ${a.msg}`);
        return reply(res, a.status, { code: a.code, msg: a.msg, data: [] });
      }
    }
    let json: unknown = undefined;
    if (method === 'POST') {
      try {
        json = raw === '' ? {} : JSON.parse(raw);
      } catch {
        return reply(res, 400, { code: '50002', msg: 'JSON syntax error', data: [] });
      }
    }
    const a = route(method, path, url, json);
    if (a.delayMs !== undefined && a.delayMs > 0) await new Promise((r) => setTimeout(r, a.delayMs));
    reply(res, a.status, a.body);
  }

  function reply(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  // ---------- admin ----------

  function pushBar(b: OkxBarIn): void {
    if (!book.insts.has(b.instId)) throw new Error(`unknown instId ${b.instId} (known: ${[...book.insts.keys()].join(', ')})`);
    // A bar stands after every order already placed (the sim fills on bars later than the order).
    if (b.ts === undefined) clock.advance(1);
    else if (b.ts > clock.now()) clock.advance(b.ts - clock.now());
    tick();
    playBar({ kind: 'bar', symbol: b.instId, ts: b.ts ?? clock.now(), open: b.open, high: b.high, low: b.low, close: b.close, volume: b.volume ?? 0 });
  }

  const admin: OkxAdmin = {
    now: () => clock.now(),
    advance: (ms) => {
      clock.advance(ms);
      tick();
    },
    setTimeScale: (scale) => clock.setScale(scale),
    pushBar,
    fundNow: (instId, rate) => fundAll(instId, rate ?? fundingRate, clock.now()),
    inject: (fault: OkxFaultIn) => {
      const f = parseOkxFault(fault);
      if (!f.ok) throw new Error(`fault: ${f.message}`);
      faults.add(f.value);
      if (f.value.dropPrivate === true) for (const c of conns) if (c.kind !== 'public') c.ws.terminate();
      log(`fault injected: ${JSON.stringify(f.value)}`);
    },
    state: (): OkxStateDump => ({
      now: clock.now(), timeScale: clock.timeScale, cash: book.usdtCash(),
      orders: book.allOrders().map((o) => ({ ordId: o.ordId, clOrdId: o.clOrdId, tag: o.tag, instId: o.instId, state: o.state, sz: s(o.sz), accFillSz: s(o.accFillSz) })),
      positions: book.swapPositions().map((p) => ({ instId: p.inst.spec.instId, pos: p.view.qty, avgPx: p.view.avgPrice })),
      bills: book.bills.length,
      deadMan: [...deadMan].map(([tag, triggerTime]) => ({ tag, triggerTime })),
      requests,
    }),
  };

  function onAdmin(method: string, path: string, raw: string): Answer {
    let json: unknown = {};
    try {
      json = raw === '' ? {} : JSON.parse(raw);
    } catch {
      return { status: 400, body: { error: 'body is not JSON' } };
    }
    const parse = <T>(schema: z.ZodType<T>): T | Answer => {
      const r = schema.safeParse(json);
      return r.success ? r.data : { status: 400, body: { error: zodMessage(r.error) } };
    };
    const isAnswer = (v: unknown): v is Answer => typeof v === 'object' && v !== null && 'status' in v && 'body' in v;
    try {
      if (method === 'GET' && path === 'state') return { status: 200, body: admin.state() };
      if (method !== 'POST') return { status: 404, body: { error: `no admin route ${method} /admin/${path}` } };
      switch (path) {
        case 'advance': { const b = parse(AdminAdvance); if (isAnswer(b)) return b; admin.advance(b.ms); return { status: 200, body: { now: clock.now() } }; }
        case 'time-scale': { const b = parse(AdminScale); if (isAnswer(b)) return b; admin.setTimeScale(b.scale); return { status: 200, body: { now: clock.now(), scale: b.scale } }; }
        case 'bars': { const b = parse(AdminBars); if (isAnswer(b)) return b; for (const bar of b.bars) pushBar(bar); return { status: 200, body: { played: b.bars.length } }; }
        case 'fund': { const b = parse(AdminFund); if (isAnswer(b)) return b; return { status: 200, body: { billIds: admin.fundNow(b.instId, b.rate) } }; }
        case 'faults': admin.inject(json as OkxFaultIn); return { status: 200, body: { ok: true } };
        default: return { status: 404, body: { error: `no admin route POST /admin/${path}` } };
      }
    } catch (e) {
      return { status: 400, body: { error: (e as Error).message } };
    }
  }

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
      if (url.pathname.startsWith('/api/v5/')) {
        onApi(req, res, url, raw).catch((e: unknown) => reply(res, 500, { code: '50026', msg: `System error: ${(e as Error).message}`, data: [] }));
        return;
      }
      reply(res, 404, { code: '50115', msg: `no such path ${url.pathname}`, data: [] });
    });
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const m = /^\/ws\/v5\/(public|private|business)$/.exec(url.pathname);
    if (m === null) {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, m[1] as Conn['kind']));
  });

  function onConnection(ws: WebSocket, kind: Conn['kind']): void {
    const c: Conn = { ws, kind, connId: randomUUID().slice(0, 8), authed: false, subs: new Map() };
    conns.add(c);
    ws.on('close', () => conns.delete(c));
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
      onWsOp(c, m.data.op, m.data.args, m.data.id);
    });
  }

  const PRIVATE_CHANNELS = new Set(['orders', 'positions', 'account', 'balance_and_position']);
  const PUBLIC_CHANNELS = new Set(['tickers', 'mark-price', 'funding-rate']);

  function onWsOp(c: Conn, op: string, args: Record<string, unknown>[], id: string | undefined): void {
    const idPart = id !== undefined ? { id } : {};
    if (op === 'login') {
      if (c.kind === 'public') return send(c, { ...idPart, event: 'error', code: '60008', msg: 'The public channel does not support login.', connId: c.connId });
      const a = LoginArg.safeParse(args[0]);
      if (!a.success) return send(c, { ...idPart, event: 'error', code: '60009', msg: 'Login failed.', connId: c.connId });
      const e = checkWsLogin(creds, a.data, Date.now());
      if (e !== null) {
        log(`websocket login refused: ${e.code} ${e.msg}`);
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
      if (where !== 'public' && !c.authed && channel !== 'candle1m') {
        send(c, { ...idPart, event: 'error', code: '60011', msg: 'Please log in', connId: c.connId });
        continue;
      }
      const key = JSON.stringify(arg);
      if (op === 'subscribe') c.subs.set(key, arg);
      else c.subs.delete(key);
      send(c, { ...idPart, event: op, arg, connId: c.connId });
      if (op === 'subscribe') snapshotOnSubscribe(c, arg);
    }
  }

  /** OKX answers a subscription to positions / account with a snapshot, and a ticker with the current one. */
  function snapshotOnSubscribe(c: Conn, arg: Record<string, unknown>): void {
    const now = clock.now();
    if (arg.channel === 'positions') send(c, { arg: { ...arg, uid }, eventType: 'snapshot', data: book.swapPositions().map((p) => positionJson(p, now)) });
    else if (arg.channel === 'account') send(c, { arg: { ...arg, uid }, eventType: 'snapshot', data: [balanceJson(book, now)] });
    else if (arg.channel === 'tickers' && typeof arg.instId === 'string') {
      const t = tickerJson(arg.instId);
      if (t !== null) send(c, { arg, data: [t] });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log(`okx protocol on http://127.0.0.1:${port} (websocket /ws/v5/{public,private,business}, admin /admin); ${liveAccount ? 'live' : 'demo'} account ${uid}`);
  tick();

  return {
    port,
    restUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws/v5`,
    adminUrl: `http://127.0.0.1:${port}/admin`,
    credentials: creds,
    admin,
    close: async () => {
      clearInterval(timer);
      for (const c of conns) c.ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
