/**
 * The OKX fake's wire: OKX v5 REST under /api/v5 (signed private calls) and the unsigned admin under
 * /admin on one 127.0.0.1 port, with the websocket (streams.ts) on the same port, and the venue
 * clock's work (bars due, dead-man countdowns, funding times). The order model is book.ts; signing
 * is signing.ts; index.ts documents the whole.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { loadReplay } from '../crypto-replay.ts';
import type { Bar } from '../../domain/market.ts';
import { zodMessage } from '../../util/zod-message.ts';
import { routeAdmin } from '../crypto-admin.ts';
import { OkxBook, type OkxOrder, type Refusal } from './book.ts';
import { VenueClock } from './clock.ts';
import { FaultState, parseOkxFault, type OkxFaultIn } from './faults.ts';
import {
  AmendBody, CancelAllAfterBody, CancelBody, PlaceBody, SetLeverageBody, type PlaceBodyT,
} from './requests.ts';
import { candleRow, MarketTape } from './market.ts';
import { clockFundingPage, fundingHistoryRow, indexCandleRow, loadOkxSideFiles, settledPage, type PageQuery } from './side-files.ts';
import { balanceJson, billJson, fillJson, instrumentJson, orderJson, positionJson, s } from './shapes.ts';
import { checkRestAuth, type Credentials } from './signing.ts';
import { OkxStreams } from './streams.ts';
import type { OkxAdmin, OkxBarIn, OkxFake, OkxFakeOptions, OkxInstrumentSpec, OkxStateDump } from './types.ts';

export const DEFAULT_OKX_INSTRUMENTS: readonly OkxInstrumentSpec[] = [
  { instId: 'BTC-USDT', tickSz: 0.1, lotSz: 0.00000001, minSz: 0.00001 },
  { instId: 'ETH-USDT', tickSz: 0.01, lotSz: 0.000001, minSz: 0.0001 },
  { instId: 'BTC-USDT-SWAP', tickSz: 0.1, lotSz: 0.01, minSz: 0.01, ctVal: 0.01 },
  { instId: 'ETH-USDT-SWAP', tickSz: 0.01, lotSz: 0.01, minSz: 0.01, ctVal: 0.1 },
];
const EIGHT_HOURS = 8 * 3_600_000;

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
  const replay = loadReplay(opts.data ?? [], opts.tz, {
    idsOf: (b) => instruments.filter((i) => i.instId.split('-')[0] === b).map((i) => i.instId), names: instruments.map((i) => i.instId),
  });
  // Funding and index from files (the backtest's own): with a funding file, funding is booked at
  // the file's instants with the file's rates instead of the fixed clock.
  const side = loadOkxSideFiles({ funding: opts.funding, index: opts.index }, instruments.filter((i) => i.instId.endsWith('-SWAP')).map((i) => i.instId));
  const fundingFromFile = opts.funding !== undefined;
  let nextBar = 0;
  const start = opts.startTime ?? (replay[0] !== undefined ? replay[0].ts - 1 : Date.now());
  const clock = new VenueClock(start, opts.speed ?? 1);

  const fees = opts.fees ?? { makerBps: 2, takerBps: 5 };
  // The streams need the book and the book pushes to the streams: its events reach them once both exist.
  let streams: OkxStreams | null = null;
  /** While tick() works through what a clock jump passed, the time of the event at hand. */
  let eventTs: number | null = null;
  const venueNow = (): number => eventTs ?? clock.now();
  const book: OkxBook = new OkxBook({ instruments, cash: opts.cash ?? 100_000, leverage: opts.leverage ?? 3, fundingIntervalMs, fundingRate, fees, now: venueNow, faults, emit: (ev) => streams?.onBookEvent(ev) });
  const tape = new MarketTape();
  const live: OkxStreams = new OkxStreams({ book, tape, creds, uid, now: venueNow, log });
  streams = live;
  const deadMan = new Map<string, number>();
  let fundedSlot = Math.floor(start / fundingIntervalMs);
  /** The next file funding event not booked yet (those at or before the start are history). */
  let nextFunding = side.events.findIndex((e) => e.ts > start);
  if (nextFunding < 0) nextFunding = side.events.length;
  let requests = 0;

  // ---------- time: bars due, countdowns, funding ----------

  function playBar(b: Bar): void {
    tape.record(b);
    book.onBar(b);
    live.publishMarket(b);
  }

  /**
   * Everything due by now, in time order (a clock jump over a countdown's lapse and a bar cancels
   * before the bar can fill); at one instant funding and countdowns come before the bar, as funding
   * is paid at the mark before it. Each acts at its own time (the book's clock reads `eventTs`).
   */
  function tick(): void {
    const now = clock.now();
    // Countdowns are kept on the real-time clock (clock.elapsed); each lapse is placed on the venue
    // clock by how long ago it passed (exact across an admin jump, within one tick otherwise).
    const elapsed = clock.elapsed();
    const slot = Math.floor(now / fundingIntervalMs);
    if (slot - fundedSlot > 1000) fundedSlot = slot - 1000;
    try {
      for (;;) {
        const barAt = nextBar < replay.length ? replay[nextBar]!.ts : Number.POSITIVE_INFINITY;
        let lapseTag: string | null = null;
        let lapseAt = Number.POSITIVE_INFINITY;
        for (const [tag, at] of deadMan) {
          if (at > elapsed) continue;
          const venueAt = Math.min(now, now - (elapsed - at));
          if (venueAt < lapseAt) { lapseAt = venueAt; lapseTag = tag; }
        }
        const fundAt = fundingFromFile ? (side.events[nextFunding]?.ts ?? Number.POSITIVE_INFINITY) : (fundedSlot + 1) * fundingIntervalMs;
        const at = Math.min(barAt, lapseAt, fundAt);
        if (at > now) break;
        eventTs = at;
        if (at === fundAt && fundingFromFile) {
          for (let e = side.events[nextFunding]; e !== undefined && e.ts === fundAt; e = side.events[++nextFunding]) fundAll(e.instId, e.rate, fundAt);
        } else if (at === fundAt) {
          fundedSlot++;
          fundAll(undefined, fundingRate, fundAt);
        } else if (lapseTag !== null && at === lapseAt) {
          deadMan.delete(lapseTag);
          const canceled = book.cancelAllTagged(lapseTag);
          log(`cancel-all-after${lapseTag !== '' ? ` (tag ${lapseTag})` : ''} lapsed: canceled ${canceled.length} order(s)`);
        } else playBar(replay[nextBar++]!);
      }
    } finally {
      eventTs = null;
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

  // ---------- REST ----------

  const q = (url: URL, k: string): string | undefined => url.searchParams.get(k) ?? undefined;
  const tickerOf = (instId: string) => {
    const i = book.insts.get(instId);
    return i === undefined ? null : tape.ticker(instId, i.instType);
  };

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

  /** OKX's paging of a history: after (older than), before (newer than), limit (default 100, at most `max`). */
  function pageOf(url: URL, max: number): PageQuery {
    const n = (k: string): number | undefined => { const v = q(url, k); return v === undefined || v === '' ? undefined : Number(v); };
    return { after: n('after'), before: n('before'), limit: Math.max(1, Math.min(max, n('limit') ?? 100)) };
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
        const t = tickerOf(q(url, 'instId') ?? '');
        return t === null ? err('51001', 'Instrument ID does not exist.') : ok([t]);
      }
      case 'GET market/tickers': return ok(instsOf(url).map((i) => tickerOf(i.spec.instId)).filter((t) => t !== null));
      case 'GET market/candles':
      case 'GET market/history-candles': {
        const instId = q(url, 'instId') ?? '';
        if (!book.insts.has(instId)) return err('51001', 'Instrument ID does not exist.');
        const barSz = q(url, 'bar') ?? '1m';
        if (barSz !== '1m') return err('51000', `Parameter bar error: the fake serves 1m candles (got ${barSz})`);
        const after = q(url, 'after');
        const before = q(url, 'before');
        const limit = Math.min(path === 'market/candles' ? 300 : 100, Number(q(url, 'limit') ?? 100));
        const rows = [...tape.played(instId)].reverse()
          .filter((b) => (after === undefined || b.ts < Number(after)) && (before === undefined || b.ts > Number(before))).slice(0, limit);
        return ok(rows.map((b) => candleRow(b, true)));
      }
      case 'GET public/funding-rate': {
        const i = book.insts.get(q(url, 'instId') ?? '');
        if (i === undefined || i.instType !== 'SWAP') return err('51001', 'Instrument ID does not exist.');
        // With a funding file: the file's next instant and rate for this swap (the one it will settle).
        const upcoming = fundingFromFile ? (side.funding.get(i.spec.instId) ?? []).filter((r) => r.ts > now).slice(0, 2) : null;
        const next = upcoming !== null ? (upcoming[0]?.ts ?? Number.NaN) : (Math.floor(now / fundingIntervalMs) + 1) * fundingIntervalMs;
        const rate = upcoming !== null ? (upcoming[0]?.value ?? Number.NaN) : fundingRate;
        const after = upcoming !== null ? (upcoming[1]?.ts ?? Number.NaN) : next + fundingIntervalMs;
        return ok([{ instType: 'SWAP', instId: i.spec.instId, fundingRate: s(rate), nextFundingRate: '', fundingTime: Number.isNaN(next) ? '' : String(next), nextFundingTime: Number.isNaN(after) ? '' : String(after), method: 'current_period', maxFundingRate: '0.00375', minFundingRate: '-0.00375', settState: 'settled', settFundingRate: s(rate), ts: String(now) }]);
      }
      case 'GET public/funding-rate-history': {
        const i = book.insts.get(q(url, 'instId') ?? '');
        if (i === undefined || i.instType !== 'SWAP') return err('51001', 'Instrument ID does not exist.');
        const page = pageOf(url, 400);
        const rows = fundingFromFile ? settledPage(side.funding.get(i.spec.instId) ?? [], now, page) : clockFundingPage(fundingRate, fundingIntervalMs, now, page);
        return ok(rows.map((r) => fundingHistoryRow(i.spec.instId, r)));
      }
      case 'GET market/index-candles':
      case 'GET market/history-index-candles': {
        const id = q(url, 'instId') ?? '';
        const barSz = q(url, 'bar') ?? '1m';
        if (barSz !== '1m') return err('51000', `Parameter bar error: the fake serves 1m index candles (got ${barSz})`);
        const rows = side.index.get(id);
        if (rows === undefined) {
          return err('51001', `Instrument ID does not exist: the parity OKX fake has no index prices for ${id}${opts.index === undefined ? ' (start it with --index FILE, a CSV ts,symbol,price)' : ` in ${opts.index}`}`);
        }
        // Only minutes the replay has reached (a row is stamped at its minute's open).
        return ok(settledPage(rows, now, pageOf(url, 100)).map(indexCandleRow));
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
        else deadMan.set(tag, clock.elapsed() + t * 1000);
        // Times in ms (the docs' example looks like seconds; the demo venue answers ms).
        // On the clock public/time answers (this machine's): the countdown counts real seconds, and a
        // client compares the answer with its own clock, as with OKX's.
        const wallNow = Date.now();
        return ok([{ triggerTime: t === 0 ? '0' : String(wallNow + t * 1000), tag, ts: String(wallNow) }]);
      }
      default: return err('50115', `Invalid request method or path: ${method} /api/v5/${path} is not served by the parity OKX fake`, 404);
    }
  }

  const PUBLIC = new Set(['public/time', 'public/instruments', 'market/ticker', 'market/tickers', 'market/candles', 'market/history-candles', 'public/funding-rate', 'public/mark-price',
    'public/funding-rate-history', 'market/index-candles', 'market/history-index-candles']);

  async function onApi(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): Promise<void> {
    requests++;
    const method = req.method ?? 'GET';
    const path = url.pathname.slice('/api/v5/'.length);
    // A stalled path is never answered (the connection ends when the fake closes).
    if (faults.takeStall(path)) return;
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
      if (f.value.dropPrivate === true) live.dropPrivate();
      log(`fault injected: ${JSON.stringify(f.value)}`);
    },
    state: (): OkxStateDump => ({
      now: clock.now(), timeScale: clock.timeScale, cash: book.usdtCash(),
      orders: book.allOrders().map((o) => ({ ordId: o.ordId, clOrdId: o.clOrdId, tag: o.tag, instId: o.instId, state: o.state, sz: s(o.sz), accFillSz: s(o.accFillSz) })),
      positions: book.swapPositions().map((p) => ({ instId: p.inst.spec.instId, pos: p.view.qty, avgPx: p.view.avgPrice })),
      bills: book.bills.length,
      deadMan: [...deadMan].map(([tag, at]) => ({ tag, triggerTime: Date.now() + (at - clock.elapsed()) })),
      requests,
    }),
  };

  const onAdmin = (method: string, path: string, raw: string): Answer => routeAdmin(admin, { fundKey: 'billIds' }, method, path, raw);

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

  live.attach(server);
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
      live.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
