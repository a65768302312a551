/**
 * The TWS fake's socket front: the TWS API protocol on 127.0.0.1 over the TwsBook (TWS's order
 * model on the venue's matching core), the replayed market, an optional admin HTTP port, and the
 * fault switches. See index.ts for how to start it and what it answers.
 */
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { loadBars } from '../../data/index.ts';
import type { Bar } from '../../domain/market.ts';
import { fnv1a32 } from '../../util/hash.ts';
import { usEquitySession } from '../../domain/market-hours.ts';
import { Replay } from '../replay.ts';
import { FrameReader, MalformedRequest, MIN_CLIENT_VERSION, SERVER_VERSION, frame, type Field } from './codec.ts';
import { IBKR_PRO_FIXED, TwsBook, type BookEvent, type CommissionSchedule, type TwsExec } from './book.ts';
import { parseFaults, type FaultBodyIn, type FaultBodyT } from './faults.ts';
import {
  Unsupported, parseCancelOrder, parseCompletedOrders, parseGlobalCancel, parsePlaceOrder, parseReqAccountSummary, parseReqContractDetails,
  parseReqExecutions, parseReqHistoricalData, parseReqRealTimeBars, parseSimple, parseStartApi, type ContractSpec, type ExecFilter, type HistoricalReq,
} from './requests.ts';
import { fiveSecondBars, type RtBar } from './rt-bars.ts';
import { parseBarSize, parseDuration, parseTwsTime } from './times.ts';
import * as W from './wire.ts';
import { OUT, type HistBar, type TwsContract } from './wire.ts';

/** A bar the fake replays: the engine's bar without its kind (symbol as parity names it: "AAPL", "BTC-USD"). */
export type TwsBarIn = Omit<Bar, 'kind'>;

export interface TwsFakeOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number;
  /** Bar files (CSV, JSONL, Parquet) replayed as the market, as the Alpaca fake replays them. */
  readonly data?: readonly string[];
  /** Bars to replay, given in memory (merged with `data`). */
  readonly bars?: readonly TwsBarIn[];
  /** Symbols tradable without data (bars can be pushed through the admin). */
  readonly symbols?: readonly string[];
  /** Replay pace: x times the pace of the data's timestamps (default 60). */
  readonly speed?: number;
  /** The managed account (default DU1234567: a paper account). */
  readonly account?: string;
  /** Starting cash (default 100000 USD). */
  readonly cash?: number;
  /** Default margin, as an IBKR paper account. */
  readonly accountType?: 'cash' | 'margin';
  /** IANA zone for data files without offsets. */
  readonly tz?: string;
  /** Venue time before any bar when nothing is replayed (default: now). */
  readonly startTime?: number;
  /**
   * What reqCurrentTime and the handshake's time string say: 'venue' (the replay's data time, the
   * last bar played, startTime, or just before the first bar; what executions are stamped with), so
   * market hours judged on reqCurrentTime follow the data, not the hour a test runs; or 'machine'
   * (default: this machine's clock, what a clock-skew gate compares with; a session's gates on a
   * replaying fake fail the skew check otherwise, until the session tells skew from venue time).
   */
  readonly clock?: 'venue' | 'machine';
  /** Commission schedule (default IBKR Pro fixed: 0.005 a share, min 1.00, max 1% of value). */
  readonly commission?: Partial<CommissionSchedule>;
  /** Primary exchange per stock symbol (default NASDAQ; a few well-known NYSE / ARCA names built in). */
  readonly primaryExchanges?: Readonly<Record<string, string>>;
  /** Start the admin HTTP endpoint on this port (0 = a free one); absent = no admin port. */
  readonly adminPort?: number;
  readonly log?: (line: string) => void;
}

export interface TwsAdmin {
  /** Apply a fault (the same body POST /faults takes); throws with the reason when it is not one. */
  inject(f: FaultBodyIn): void;
  /** Play bars now (matching first, then real-time bar subscribers), as the replay does. */
  pushBar(...bars: TwsBarIn[]): void;
  /** Start the replay clock now (it starts by itself on the first reqRealTimeBars). */
  startReplay(): void;
  stats(): TwsStats;
}

export interface TwsStats {
  readonly account: string;
  readonly connections: { readonly clientId: number | null; readonly linkDown: boolean }[];
  readonly orders: number;
  readonly workingOrders: number;
  readonly executions: number;
  readonly linkDown: boolean;
  readonly nextValidId: number;
  readonly venueTime: number;
  readonly replayRemaining: number;
  readonly faults: { holdExecDetails: number; lateCommission: number; fillOnCancel: number; partialFill: number; reject: number };
}

export interface TwsFake {
  readonly port: number;
  /** The admin HTTP port, or null when none was asked for. */
  readonly adminPort: number | null;
  readonly admin: TwsAdmin;
  readonly book: TwsBook;
  close(): Promise<void>;
}

const LOCALHOST = '127.0.0.1';
const KNOWN_PRIMARY: Readonly<Record<string, string>> = { SPY: 'ARCA', IWM: 'ARCA', DIA: 'ARCA', GLD: 'ARCA', IBM: 'NYSE', JPM: 'NYSE', KO: 'NYSE', XOM: 'NYSE', GE: 'NYSE', BA: 'NYSE' };
const ACCOUNT_TAGS = ['AccountType', 'NetLiquidation', 'TotalCashValue', 'SettledCash', 'AccruedCash', 'BuyingPower', 'EquityWithLoanValue', 'GrossPositionValue', 'InitMarginReq', 'MaintMarginReq', 'AvailableFunds', 'ExcessLiquidity', 'Cushion', 'Leverage'] as const;

interface Conn {
  readonly n: number;
  readonly socket: Socket;
  readonly reader: FrameReader;
  greeted: boolean;
  clientId: number | null;
  readonly rtBars: Map<number, number>;
  positions: boolean;
  /** Messages written this tick are corked and leave in one writev when it ends. */
  corked: boolean;
}

/** FNV-1a: a stable conId per symbol, the same on every run. */
function conIdOf(symbol: string): number {
  return 100_000_000 + (fnv1a32(symbol) % 800_000_000);
}

export async function startTwsFake(opts: TwsFakeOptions = {}): Promise<TwsFake> {
  const log = opts.log ?? (() => {});
  const account = opts.account ?? 'DU1234567';
  if (!/^[A-Z0-9]{2,20}$/.test(account)) throw new Error(`account "${account}" must be letters and digits (IBKR paper accounts start with DU)`);
  const commission: CommissionSchedule = { ...IBKR_PRO_FIXED, ...opts.commission };

  // ---------- market ----------
  const bars: Bar[] = [];
  for (const f of opts.data ?? []) {
    for (const s of loadBars(f, { tz: opts.tz })) {
      for (let i = 0; i < s.length; i++) bars.push({ kind: 'bar', symbol: s.symbol, ts: s.ts[i]!, open: s.open[i]!, high: s.high[i]!, low: s.low[i]!, close: s.close[i]!, volume: s.volume[i]! });
    }
  }
  for (const b of opts.bars ?? []) bars.push({ kind: 'bar', ...b });
  bars.sort((a, b) => a.ts - b.ts);
  const played: Bar[] = [];
  let lastBarTs: number | null = null;
  const replay = bars.length > 0 ? new Replay(bars, opts.speed ?? 60, null, (b) => playBar(b)) : null;
  /** Venue time for the book (orders, executions): the last bar played, else as `venueClock()` says. */
  const now = (): number => lastBarTs ?? venueClock();
  /**
   * The venue's clock, as reqCurrentTime and the handshake tell it: the replay's data time while it
   * runs (never behind the last bar played), the last bar pushed, else the configured startTime,
   * else just before the first bar to come; only a fake with no data and no startTime says the
   * machine's clock. Executions are stamped by `now()`, which this never runs behind.
   */
  function venueClock(): number {
    if (replay !== null && replay.started) return Math.max(replay.now(), lastBarTs ?? -Infinity);
    return lastBarTs ?? opts.startTime ?? (replay !== null ? replay.now() : Date.now());
  }
  /** What reqCurrentTime and the handshake say (opts.clock). */
  const clock = (): number => (opts.clock === 'venue' ? venueClock() : Date.now());

  // ---------- contracts ----------
  const contracts = new Map<string, TwsContract>();
  const byConId = new Map<number, TwsContract>();
  const contractOf = (paritySymbol: string): TwsContract => {
    let c = contracts.get(paritySymbol);
    if (c !== undefined) return c;
    const crypto = /^([A-Z0-9]{2,10})-(USD)$/.exec(paritySymbol);
    let conId = conIdOf(paritySymbol);
    while (byConId.has(conId)) conId++;
    if (crypto !== null) {
      c = { conId, paritySymbol, symbol: crypto[1]!, secType: 'CRYPTO', exchange: 'PAXOS', primaryExch: 'PAXOS', currency: 'USD', localSymbol: `${crypto[1]}.USD`, tradingClass: crypto[1]!, minTick: 0.01, sizeIncrement: 0.00001, longName: crypto[1]! };
    } else {
      const primary = opts.primaryExchanges?.[paritySymbol] ?? KNOWN_PRIMARY[paritySymbol] ?? 'NASDAQ';
      c = { conId, paritySymbol, symbol: paritySymbol, secType: 'STK', exchange: 'SMART', primaryExch: primary, currency: 'USD', localSymbol: paritySymbol, tradingClass: primary === 'NASDAQ' ? 'NMS' : paritySymbol, minTick: 0.01, sizeIncrement: 1, longName: `${paritySymbol} (parity simulated)` };
    }
    contracts.set(paritySymbol, c);
    byConId.set(conId, c);
    return c;
  };
  const known = (sym: string): void => { contractOf(sym); };
  for (const s of opts.symbols ?? []) known(s);
  for (const b of bars) if (!contracts.has(b.symbol)) known(b.symbol);

  const resolve = (spec: ContractSpec): TwsContract | null => {
    let c: TwsContract | undefined;
    if (spec.conId !== undefined) {
      c = byConId.get(spec.conId);
      if (c !== undefined && spec.symbol !== '' && spec.symbol.toUpperCase() !== c.symbol) return null;
    } else {
      const sym = spec.symbol.toUpperCase();
      c = [...contracts.values()].find((x) => x.symbol === sym && (spec.secType === '' || spec.secType.toUpperCase() === x.secType)) ??
        [...contracts.values()].find((x) => spec.localSymbol !== '' && x.localSymbol === spec.localSymbol);
    }
    if (c === undefined) return null;
    if (spec.currency !== '' && spec.currency.toUpperCase() !== c.currency) return null;
    const ex = spec.exchange.toUpperCase();
    if (ex !== '' && ex !== 'SMART' && ex !== c.exchange && ex !== c.primaryExch) return null;
    return c;
  };

  // ---------- connections and delivery ----------
  const conns = new Set<Conn>();
  let connSeq = 0;
  let linkDown = false;
  /** Wall time until which new connections are closed at once (refuseConnectionsMs). */
  let refuseUntil = 0;
  /** Messages held for a client id until its next connection is up (delayed past a reconnect). */
  const heldFor = new Map<number, Field[][]>();
  /** Exec ids whose commission report has not been released yet. */
  const commissionHeld = new Set<string>();
  let deferInto: BookEvent[] | null = null;
  const faults = { holdExecDetails: 0, lateCommission: { count: 0, after: 'delay' as 'delay' | 'reconnect', delayMs: 300 }, fillOnCancel: 0 };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
    timers.add(t);
  };

  // What one request or one bar makes a client hear (openOrder + orderStatus, or execDetails,
  // orderStatus, openOrder, commissionReport, position) goes out in one write, not one syscall each.
  const send = (c: Conn, fields: Field[]): void => {
    if (c.socket.destroyed || !c.socket.writable) return;
    if (!c.corked) {
      c.corked = true;
      c.socket.cork();
      process.nextTick(() => { c.corked = false; c.socket.uncork(); });
    }
    c.socket.write(frame(fields));
  };
  /** Out now what this tick wrote (before a socket is destroyed, which would discard it). */
  const flush = (c: Conn): void => {
    c.corked = false;
    while (c.socket.writableCorked > 0) c.socket.uncork();
  };
  const clientConns = (clientId: number): Conn[] => [...conns].filter((c) => c.clientId === clientId);
  /** An order event for a client: dropped while connectivity is "lost" (the books still change). */
  const toClient = (clientId: number, fields: Field[]): void => {
    if (linkDown) return;
    for (const c of clientConns(clientId)) send(c, fields);
  };
  const hold = (clientId: number, fields: Field[]): void => {
    const l = heldFor.get(clientId);
    if (l === undefined) heldFor.set(clientId, [fields]);
    else l.push(fields);
  };
  const releaseCommission = (e: TwsExec): Field[] => {
    commissionHeld.delete(e.execId);
    return W.commissionReport(e.commissionReport);
  };

  const onBook = (ev: BookEvent): void => {
    const o = ev.order;
    if (ev.kind === 'status') {
      if (ev.reason === 'rejected') toClient(o.clientId, W.errorMsg(o.orderId, 201, 'Order rejected - reason: rejected by the venue (fault injection)'));
      if (ev.reason === 'api-cancel' || ev.reason === 'venue-cancel') {
        toClient(o.clientId, W.errorMsg(o.orderId, 202, ev.reason === 'venue-cancel' ? 'Order Canceled - reason: canceled by the venue' : 'Order Canceled - reason:'));
      }
      toClient(o.clientId, W.orderStatus(o));
      return;
    }
    const e = ev.exec;
    const execMsg = W.execDetails(-1, e);
    let commissionLate: 'delay' | 'reconnect' | null = null;
    if (faults.lateCommission.count > 0) {
      faults.lateCommission.count--;
      commissionLate = faults.lateCommission.after;
      commissionHeld.add(e.execId);
    }
    if (faults.holdExecDetails > 0) {
      faults.holdExecDetails--;
      log(`fault: execDetails ${e.execId} (order ${o.orderId}) held until client ${o.clientId} reconnects`);
      hold(o.clientId, execMsg);
      if (commissionLate === null) {
        commissionHeld.add(e.execId);
        commissionLate = 'reconnect';
      }
    } else toClient(o.clientId, execMsg);
    toClient(o.clientId, W.orderStatus(o));
    if (o.status === 'Filled') toClient(o.clientId, W.openOrder(o));
    if (commissionLate === null) toClient(o.clientId, W.commissionReport(e.commissionReport));
    else if (commissionLate === 'reconnect') {
      log(`fault: commission report for ${e.execId} held until client ${o.clientId} reconnects`);
      hold(o.clientId, W.commissionReport(e.commissionReport));
    } else {
      log(`fault: commission report for ${e.execId} delayed ${faults.lateCommission.delayMs} ms`);
      later(faults.lateCommission.delayMs, () => toClient(o.clientId, releaseCommission(e)));
    }
    for (const c of conns) {
      if (c.positions && !linkDown) {
        const p = book.core.snapshot().positions.find((x) => x.symbol === e.contract.paritySymbol);
        send(c, W.position(account, e.contract, p?.qty ?? 0, p?.avgPrice ?? 0));
      }
    }
  };

  const book = new TwsBook({ account, cash: opts.cash ?? 100_000, accountType: opts.accountType ?? 'margin', commission, now, emit: (ev) => bookEmit(ev), log }, contractOf);

  function playBar(b: Bar): void {
    known(b.symbol);
    book.onBar(b);
    lastBarTs = b.ts;
    played.push(b);
    if (linkDown) return;
    const c = contractOf(b.symbol);
    let parts: RtBar[] | null = null;
    for (const conn of conns) {
      for (const [reqId, conId] of conn.rtBars) {
        if (conId !== c.conId) continue;
        parts ??= fiveSecondBars(b);
        for (const p of parts) send(conn, W.realtimeBar(reqId, p.timeSec, p.open, p.high, p.low, p.close, p.volume, p.wap, 1));
      }
    }
  }

  // ---------- requests ----------
  const refuse = (c: Conn, id: number, code: number, message: string): void => {
    log(`client ${c.clientId ?? '?'}: error ${code} for id ${id}: ${message}`);
    send(c, W.errorMsg(id, code, message));
  };

  function handshake(c: Conn, min: number, max: number): void {
    if (!(min <= SERVER_VERSION && max >= SERVER_VERSION && max >= MIN_CLIENT_VERSION)) {
      log(`connection ${c.n}: client versions v${min}..${max} do not include ${SERVER_VERSION}: error 506, disconnecting`);
      send(c, W.errorMsg(-1, 506, `Unsupported version: this server speaks API version ${SERVER_VERSION} only (client offered v${min}..${max})`));
      c.socket.end();
      return;
    }
    c.greeted = true;
    send(c, [SERVER_VERSION, W.twsTime(clock())]);
  }

  function startApi(c: Conn, fields: string[]): void {
    const { clientId } = parseStartApi(fields);
    if (c.clientId !== null) {
      refuse(c, -1, 321, 'Error validating request: START_API was already received on this connection');
      return;
    }
    if (clientConns(clientId).length > 0) {
      log(`connection ${c.n}: client id ${clientId} is in use: error 326, disconnecting`);
      send(c, W.errorMsg(-1, 326, 'Unable to connect as the client id is already in use. Retry with a unique client id.'));
      c.socket.end();
      return;
    }
    c.clientId = clientId;
    log(`connection ${c.n}: client ${clientId} connected`);
    send(c, W.managedAccounts(account));
    send(c, W.nextValidId(book.nextValidId()));
    const held = heldFor.get(clientId);
    if (held !== undefined) {
      heldFor.delete(clientId);
      for (const f of held) {
        if (f[0] === W.IN.COMMISSION_REPORT) commissionHeld.delete(String(f[2]));
        send(c, f);
      }
    }
  }

  function placeOrder(c: Conn, clientId: number, fields: string[]): void {
    const req = parsePlaceOrder(fields);
    const contract = resolve(req.contract);
    if (contract === null) {
      refuse(c, req.orderId, 200, `No security definition has been found for the request (${req.contract.symbol || `conId ${req.contract.conId}`} ${req.contract.secType} on ${req.contract.exchange || '(no exchange)'})`);
      return;
    }
    const deferred: BookEvent[] = [];
    const res = withDeferred(deferred, () => book.place(clientId, req, contract));
    if ('code' in res) {
      refuse(c, req.orderId, res.code, res.message);
      for (const ev of deferred) onBook(ev);
      return;
    }
    const o = book.order(clientId, req.orderId)!;
    log(`client ${clientId}: ${res.modified ? 'modified' : 'placed'} order ${o.orderId} ${o.action} ${o.totalQuantity} ${contract.symbol} ${o.orderType}${o.lmtPrice !== undefined ? ` lmt ${o.lmtPrice}` : ''}${o.auxPrice !== undefined ? ` aux ${o.auxPrice}` : ''} ${o.tif}${o.orderRef !== '' ? ` ref ${o.orderRef}` : ''}`);
    const v = book.view(o);
    // Events raised while the order was being placed (an IOC gone at once) follow the acknowledgement.
    const initial = o.orderType === 'STP' || o.orderType === 'STP LMT' ? 'PreSubmitted' as const : 'Submitted' as const;
    const first = !res.modified && deferred.length > 0 ? { ...v, status: initial, filled: 0, avgFillPrice: 0, lastFillPrice: 0 } : v;
    toClient(clientId, W.openOrder(first));
    toClient(clientId, W.orderStatus(first));
    for (const ev of deferred) onBook(ev);
  }

  /** Book events raised while `fn` runs are held until the answer to the request has gone out. */
  function withDeferred<T>(into: BookEvent[], fn: () => T): T {
    const prev = deferInto;
    deferInto = into;
    try {
      return fn();
    } finally {
      deferInto = prev;
    }
  }
  function bookEmit(ev: BookEvent): void {
    if (deferInto !== null) deferInto.push(ev);
    else onBook(ev);
  }

  function cancelOrder(c: Conn, clientId: number, fields: string[]): void {
    const { orderId } = parseCancelOrder(fields);
    const o = book.order(clientId, orderId);
    if (o !== undefined && faults.fillOnCancel > 0 && (o.status === 'Submitted' || o.status === 'PreSubmitted')) {
      faults.fillOnCancel--;
      const last = [...played].reverse().find((b) => b.symbol === o.contract.paritySymbol)?.close;
      const px = o.orderType === 'LMT' || o.orderType === 'STP LMT' ? o.lmtPrice! : o.orderType === 'STP' ? o.auxPrice! : last;
      if (px !== undefined) {
        log(`fault: cancel of order ${orderId} loses the race with a fill at ${px}`);
        const ts = Math.max(now(), (lastBarTs ?? now()) + 1);
        if (o.orderType === 'STP' || o.orderType === 'STP LMT') book.onBar({ kind: 'bar', symbol: o.contract.paritySymbol, ts, open: px, high: px, low: px, close: px, volume: 0 });
        book.onBar({ kind: 'bar', symbol: o.contract.paritySymbol, ts: ts + 1, open: px, high: px, low: px, close: px, volume: 0 });
        lastBarTs = ts + 1;
      }
    }
    const r = book.cancel(clientId, orderId);
    if (r !== null) refuse(c, orderId, r.code, r.message);
    else log(`client ${clientId}: cancel order ${orderId}`);
  }

  function matchesFilter(e: TwsExec, f: ExecFilter, since: number | null): boolean {
    if (f.clientId !== undefined && e.clientId !== f.clientId) return false;
    if (f.acctCode !== '' && f.acctCode !== e.account) return false;
    if (since !== null && e.ts < since) return false;
    if (f.symbol !== '' && f.symbol.toUpperCase() !== e.contract.symbol) return false;
    if (f.secType !== '' && f.secType.toUpperCase() !== e.contract.secType) return false;
    if (f.exchange !== '' && ![e.contract.exchange, e.contract.primaryExch].includes(f.exchange.toUpperCase())) return false;
    const side = f.side.toUpperCase();
    if (side !== '' && !((side === 'BUY' || side === 'BOT') ? e.side === 'BOT' : (side === 'SELL' || side === 'SLD') ? e.side === 'SLD' : false)) return false;
    return true;
  }

  function reqExecutions(c: Conn, fields: string[]): void {
    const { reqId, filter } = parseReqExecutions(fields);
    let since: number | null = null;
    if (filter.time !== '') {
      const t = parseTwsTime(filter.time);
      if (!t.ok) {
        refuse(c, reqId, 321, `Error validating request: execution filter ${t.message}`);
        return;
      }
      since = t.ms;
    }
    for (const e of book.execs) {
      if (!matchesFilter(e, filter, since)) continue;
      send(c, W.execDetails(reqId, e));
      if (!commissionHeld.has(e.execId)) send(c, W.commissionReport(e.commissionReport));
    }
    send(c, W.execDetailsEnd(reqId));
  }

  function openOrders(c: Conn, clientId: number | null): void {
    for (const o of book.working()) {
      if (clientId !== null && o.clientId !== clientId) continue;
      const v = book.view(o);
      send(c, W.openOrder(v));
      send(c, W.orderStatus(v));
    }
    send(c, W.openOrderEnd());
  }

  /** Every order that ended (Filled, Cancelled, Inactive), of every client: all are API orders here. */
  function completedOrders(c: Conn): void {
    for (const o of book.allOrders()) {
      if (o.status !== 'Filled' && o.status !== 'Cancelled' && o.status !== 'Inactive') continue;
      const v = book.view(o);
      send(c, W.completedOrder(v, W.twsTime(now()), o.status));
    }
    send(c, W.completedOrdersEnd());
  }

  function positions(c: Conn): void {
    for (const p of book.core.snapshot().positions) {
      if (p.qty === 0) continue;
      const ct = contractOf(p.symbol);
      send(c, W.position(account, ct, p.qty, p.avgPrice));
    }
    send(c, W.positionEnd());
  }

  function accountSummary(c: Conn, fields: string[]): void {
    const { reqId, tags } = parseReqAccountSummary(fields);
    const snap = book.core.snapshot();
    const a = snap.account;
    const fees = book.commissions();
    const gross = snap.positions.reduce((s, p) => s + Math.abs(p.qty * p.lastPrice), 0);
    const netLiq = a.equity - fees;
    const money = (x: number): string => x.toFixed(2);
    const values: Record<(typeof ACCOUNT_TAGS)[number], string> = {
      AccountType: 'INDIVIDUAL', NetLiquidation: money(netLiq), TotalCashValue: money(a.cash - fees), SettledCash: money(a.cash - fees),
      AccruedCash: money(0), BuyingPower: money(a.buyingPower - fees), EquityWithLoanValue: money(netLiq), GrossPositionValue: money(gross),
      InitMarginReq: money(a.marginUsed), MaintMarginReq: money(a.marginUsed), AvailableFunds: money(netLiq - a.marginUsed),
      ExcessLiquidity: money(netLiq - a.marginUsed), Cushion: netLiq > 0 ? ((netLiq - a.marginUsed) / netLiq).toFixed(4) : '0', Leverage: netLiq > 0 ? (gross / netLiq).toFixed(4) : '0',
    };
    const wanted = tags.includes('All') ? [...ACCOUNT_TAGS] : tags;
    for (const t of wanted) {
      if (!(t in values)) continue;
      const tag = t as (typeof ACCOUNT_TAGS)[number];
      send(c, W.accountSummary(reqId, account, tag, values[tag], tag === 'AccountType' || tag === 'Cushion' || tag === 'Leverage' ? '' : 'USD'));
    }
    send(c, W.accountSummaryEnd(reqId));
  }

  function historical(c: Conn, req: HistoricalReq): void {
    const hmds = (why: string): void => refuse(c, req.reqId, 162, `Historical Market Data Service error message:${why}`);
    const ct = resolve(req.contract);
    if (ct === null) {
      refuse(c, req.reqId, 200, `No security definition has been found for the request (${req.contract.symbol || `conId ${req.contract.conId}`})`);
      return;
    }
    if (req.keepUpToDate) return hmds('keepUpToDate is not simulated by the parity TWS fake (use reqRealTimeBars for new bars)');
    if (!['TRADES', 'MIDPOINT', 'BID', 'ASK'].includes(req.whatToShow.toUpperCase())) return hmds(`whatToShow ${req.whatToShow || '(empty)'} is not available (TRADES, MIDPOINT, BID, ASK: all the same one-minute bars here)`);
    const size = parseBarSize(req.barSize);
    if (size === null) return hmds(`bar size "${req.barSize}" is not available: the data is one-minute bars (1 min, 5 mins, 1 hour, 1 day ...)`);
    const span = parseDuration(req.duration);
    if (span === null) return hmds(`duration "${req.duration}" is not "N S|D|W|M|Y"`);
    let end = now();
    if (req.endDateTime !== '') {
      const t = parseTwsTime(req.endDateTime);
      if (!t.ok) return hmds(t.message);
      end = Math.min(t.ms, now());
    }
    const start = end - span;
    const buckets = new Map<number, { o: number; h: number; l: number; c: number; v: number; pv: number; n: number }>();
    for (const b of played) {
      if (b.symbol !== ct.paritySymbol || b.ts < start || b.ts > end) continue;
      if (req.useRTH && ct.secType === 'STK' && !isRth(b.ts)) continue;
      const k = Math.floor(b.ts / size) * size;
      const x = buckets.get(k);
      if (x === undefined) buckets.set(k, { o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume, pv: b.close * b.volume, n: 1 });
      else {
        x.h = Math.max(x.h, b.high);
        x.l = Math.min(x.l, b.low);
        x.c = b.close;
        x.v += b.volume;
        x.pv += b.close * b.volume;
        x.n++;
      }
    }
    if (buckets.size === 0) return hmds(`HMDS query returned no data: ${ct.symbol}@${ct.exchange} ${req.whatToShow} (the fake serves bars already played, ${W.twsTime(start)} .. ${W.twsTime(end)})`);
    const daily = size >= 86_400_000;
    const out: HistBar[] = [...buckets.entries()].sort((a, b) => a[0] - b[0]).map(([k, x]) => ({
      date: req.formatDate === 2 ? String(Math.floor(k / 1000)) : daily ? W.twsTime(k, false).slice(0, 8) : W.twsTime(k),
      open: x.o, high: x.h, low: x.l, close: x.c, volume: x.v, wap: x.v > 0 ? Math.round((x.pv / x.v) * 1e6) / 1e6 : x.c, count: x.n,
    }));
    send(c, W.historicalData(req.reqId, W.twsTime(start, false), W.twsTime(end, false), out));
  }

  function dispatch(c: Conn, fields: string[]): void {
    const idText = fields[0] ?? '';
    if (!/^\d+$/.test(idText)) throw new MalformedRequest(`message id "${idText}" is not a number`);
    const id = Number(idText);
    const body = fields.slice(1);
    if (id === OUT.START_API) return startApi(c, body);
    if (c.clientId === null) return refuse(c, -1, 321, `Error validating request: message ${id} before START_API`);
    const clientId = c.clientId;
    switch (id) {
      case OUT.PLACE_ORDER: return placeOrder(c, clientId, body);
      case OUT.CANCEL_ORDER: return cancelOrder(c, clientId, body);
      case OUT.REQ_OPEN_ORDERS: parseSimple(body, 'reqOpenOrders'); return openOrders(c, clientId);
      case OUT.REQ_ALL_OPEN_ORDERS: parseSimple(body, 'reqAllOpenOrders'); return openOrders(c, null);
      case OUT.REQ_COMPLETED_ORDERS: parseCompletedOrders(body); return completedOrders(c);
      case OUT.REQ_AUTO_OPEN_ORDERS: parseSimple(body, 'reqAutoOpenOrders', ['bAutoBind']); return;
      case OUT.REQ_EXECUTIONS: return reqExecutions(c, body);
      case OUT.REQ_IDS: parseSimple(body, 'reqIds', ['numIds']); return send(c, W.nextValidId(book.nextValidId()));
      case OUT.REQ_CURRENT_TIME: parseSimple(body, 'reqCurrentTime'); return send(c, W.currentTime(Math.floor(clock() / 1000)));
      case OUT.REQ_MANAGED_ACCTS: parseSimple(body, 'reqManagedAccts'); return send(c, W.managedAccounts(account));
      case OUT.REQ_POSITIONS: parseSimple(body, 'reqPositions'); c.positions = true; return positions(c);
      case OUT.CANCEL_POSITIONS: parseSimple(body, 'cancelPositions'); c.positions = false; return;
      case OUT.REQ_ACCOUNT_SUMMARY: return accountSummary(c, body);
      case OUT.CANCEL_ACCOUNT_SUMMARY: parseSimple(body, 'cancelAccountSummary', ['reqId']); return;
      case OUT.REQ_MARKET_DATA_TYPE: parseSimple(body, 'reqMarketDataType', ['marketDataType']); return;
      case OUT.REQ_GLOBAL_CANCEL: {
        parseGlobalCancel(body);
        log(`client ${clientId}: global cancel`);
        for (const o of book.working()) book.cancel(o.clientId, o.orderId);
        return;
      }
      case OUT.REQ_CONTRACT_DATA: {
        const { reqId, contract } = parseReqContractDetails(body);
        const ct = resolve(contract);
        if (ct === null) return refuse(c, reqId, 200, `No security definition has been found for the request (${contract.symbol || `conId ${contract.conId}`} ${contract.secType})`);
        send(c, W.contractData(reqId, ct));
        return send(c, W.contractDataEnd(reqId));
      }
      case OUT.REQ_REAL_TIME_BARS: {
        const r = parseReqRealTimeBars(body);
        const ct = resolve(r.contract);
        if (ct === null) return refuse(c, r.reqId, 200, `No security definition has been found for the request (${r.contract.symbol || `conId ${r.contract.conId}`})`);
        if (!['TRADES', 'MIDPOINT', 'BID', 'ASK'].includes(r.whatToShow.toUpperCase())) return refuse(c, r.reqId, 321, `Error validating request: whatToShow ${r.whatToShow || '(empty)'} (TRADES, MIDPOINT, BID, ASK)`);
        c.rtBars.set(r.reqId, ct.conId);
        log(`client ${clientId}: real-time bars ${r.reqId} for ${ct.symbol}`);
        replay?.start();
        return;
      }
      case OUT.CANCEL_REAL_TIME_BARS: {
        const [rid] = parseSimple(body, 'cancelRealTimeBars', ['reqId']);
        c.rtBars.delete(Number(rid));
        return;
      }
      case OUT.REQ_HISTORICAL_DATA: return historical(c, parseReqHistoricalData(body));
      case OUT.CANCEL_HISTORICAL_DATA: parseSimple(body, 'cancelHistoricalData', ['reqId']); return;
      case OUT.REQ_MKT_DATA: {
        const reqId = /^-?\d+$/.test(body[1] ?? '') ? Number(body[1]) : -1;
        return refuse(c, reqId, 321, 'Error validating request: reqMktData is not simulated by the parity TWS fake; use reqRealTimeBars (live bars) or reqHistoricalData');
      }
      default:
        return refuse(c, -1, 321, `Error validating request: message id ${id} is not simulated by the parity TWS fake`);
    }
  }

  function onMessage(c: Conn, fields: string[]): void {
    try {
      dispatch(c, fields);
    } catch (err) {
      const withId = err as { orderId?: number; reqId?: number };
      const id = withId.orderId ?? withId.reqId ?? -1;
      if (err instanceof MalformedRequest) refuse(c, id, 320, `Error reading request: ${err.message}`);
      else if (err instanceof Unsupported) refuse(c, id, err.code, err.message);
      else {
        log(`internal error on message ${fields[0]}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        send(c, W.errorMsg(id, 320, `Error reading request: internal error in the parity TWS fake (${err instanceof Error ? err.message : String(err)})`));
      }
    }
  }

  const server = createServer((socket) => {
    if (Date.now() < refuseUntil) {
      log(`connection refused: connections are refused for ${refuseUntil - Date.now()} ms more (fault)`);
      socket.destroy();
      return;
    }
    const c: Conn = { n: ++connSeq, socket, reader: new FrameReader(), greeted: false, clientId: null, rtBars: new Map(), positions: false, corked: false };
    conns.add(c);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      for (const m of c.reader.push(chunk)) {
        if (m.kind === 'hello') handshake(c, m.min, m.max);
        else if (m.kind === 'bad') {
          log(`connection ${c.n}: ${m.reason}`);
          if (c.greeted) send(c, W.errorMsg(-1, 320, `Error reading request: ${m.reason}`));
          if (!c.greeted || /limit|did not start/.test(m.reason)) { flush(c); socket.destroy(); }
        } else if (c.greeted) onMessage(c, m.fields);
      }
    });
    const gone = (): void => {
      if (!conns.delete(c)) return;
      if (c.clientId !== null) log(`connection ${c.n}: client ${c.clientId} disconnected`);
    };
    // 'end' (the client's FIN) frees the client id at once: a client that disconnects and connects
    // again with the same id must not meet its own old connection (326).
    socket.on('end', gone);
    socket.on('close', gone);
    socket.on('error', gone);
  });

  // ---------- faults ----------
  function applyFault(f: FaultBodyT): void {
    if (f.holdExecDetails !== undefined) faults.holdExecDetails = f.holdExecDetails;
    if (f.lateCommission !== undefined) faults.lateCommission = { ...f.lateCommission };
    if (f.fillOnCancel !== undefined) faults.fillOnCancel = f.fillOnCancel;
    if (f.partialFill !== undefined) book.core.faults.partialFill = f.partialFill;
    if (f.reject !== undefined) book.core.faults.reject = f.reject;
    if (f.connectivityLost === true) {
      log('fault: connectivity lost (1100); orders keep working, clients hear nothing until restore');
      for (const c of conns) if (c.clientId !== null) send(c, W.errorMsg(-1, 1100, 'Connectivity between IB and Trader Workstation has been lost.'));
      linkDown = true;
    }
    if (f.restore !== undefined) {
      linkDown = false;
      log(`fault: connectivity restored (${f.restore})`);
      const msg = f.restore === 1101
        ? 'Connectivity between IB and Trader Workstation has been restored - data lost.'
        : 'Connectivity between IB and Trader Workstation has been restored - data maintained.';
      for (const c of conns) {
        if (c.clientId === null) continue;
        if (f.restore === 1101) c.rtBars.clear();
        send(c, W.errorMsg(-1, f.restore, msg));
      }
    }
    if (f.unsolicited202 !== undefined) {
      const u = f.unsolicited202;
      const o = book.order(u.clientId, u.orderId);
      if (o === undefined) throw new Error(`unsolicited202: client ${u.clientId} has no order ${u.orderId}`);
      if (u.cancel) {
        log(`fault: the venue cancels order ${u.orderId} of client ${u.clientId} (unsolicited 202)`);
        const r = book.cancel(u.clientId, u.orderId, 'venue-cancel');
        if (r !== null) throw new Error(`unsolicited202: ${r.message}`);
      } else {
        log(`fault: a stray 202 for order ${u.orderId} of client ${u.clientId} (the order keeps working)`);
        toClient(u.clientId, W.errorMsg(u.orderId, 202, 'Order Canceled - reason:'));
      }
    }
    if (f.refuseConnectionsMs !== undefined) {
      refuseUntil = Date.now() + f.refuseConnectionsMs;
      log(`fault: new connections refused for ${f.refuseConnectionsMs} ms`);
    }
    if (f.drop !== undefined) {
      const which = f.drop === true ? [...conns] : clientConns(f.drop.clientId);
      log(`fault: dropping ${which.length} connection(s)`);
      for (const c of which) { flush(c); c.socket.destroy(); }
    }
  }

  const admin: TwsAdmin = {
    inject: (raw) => {
      const p = parseFaults(raw);
      if (!p.ok) throw new Error(`not a TWS fault: ${p.message}`);
      applyFault(p.value);
    },
    pushBar: (...bs) => {
      for (const b of bs) playBar({ kind: 'bar', ...b });
    },
    startReplay: () => replay?.start(),
    stats: () => ({
      account, connections: [...conns].map((c) => ({ clientId: c.clientId, linkDown })), orders: book.allOrders().length,
      workingOrders: book.working().length, executions: book.execs.length, linkDown, nextValidId: book.nextValidId(), venueTime: now(),
      replayRemaining: replay?.remaining ?? 0,
      faults: { holdExecDetails: faults.holdExecDetails, lateCommission: faults.lateCommission.count, fillOnCancel: faults.fillOnCancel, partialFill: book.core.faults.partialFill, reject: book.core.faults.reject },
    }),
  };

  // ---------- admin HTTP ----------
  let http: ReturnType<typeof createHttpServer> | null = null;
  let adminPort: number | null = null;
  if (opts.adminPort !== undefined) {
    http = createHttpServer((req, res) => { adminHttp(req, res).catch((err: unknown) => json(res, 500, { error: String(err) })); });
    await new Promise<void>((resolveListen, reject) => {
      http!.once('error', reject);
      http!.listen(opts.adminPort, LOCALHOST, () => resolveListen());
    });
    adminPort = (http.address() as AddressInfo).port;
  }
  function json(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
  async function adminHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const ch of req) chunks.push(ch as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown = {};
    if (text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        return json(res, 400, { error: 'the body is not JSON' });
      }
    }
    const path = new URL(req.url ?? '/', `http://${LOCALHOST}`).pathname;
    if (req.method === 'GET' && path === '/stats') return json(res, 200, admin.stats());
    if (req.method === 'POST' && path === '/faults') {
      try {
        admin.inject(body as FaultBodyIn);
      } catch (err) {
        return json(res, 422, { error: (err as Error).message });
      }
      return json(res, 200, admin.stats());
    }
    if (req.method === 'POST' && path === '/bars') {
      const list = (body as { bars?: unknown }).bars;
      const ok = Array.isArray(list) && list.every((b) => typeof b === 'object' && b !== null && typeof (b as TwsBarIn).symbol === 'string'
        && ['ts', 'open', 'high', 'low', 'close', 'volume'].every((k) => Number.isFinite((b as Record<string, unknown>)[k])));
      if (!ok) return json(res, 422, { error: 'expected {"bars": [{"symbol", "ts", "open", "high", "low", "close", "volume"}]}' });
      admin.pushBar(...(list as TwsBarIn[]));
      return json(res, 200, { played: (list as unknown[]).length, venueTime: now() });
    }
    return json(res, 404, { error: 'admin endpoints: GET /stats, POST /faults, POST /bars' });
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, LOCALHOST, () => resolveListen());
  });
  const port = (server.address() as AddressInfo).port;
  log(`TWS protocol (server version ${SERVER_VERSION}) on ${LOCALHOST}:${port}, account ${account}${adminPort !== null ? `, admin http://${LOCALHOST}:${adminPort}` : ''}`);

  return {
    port, adminPort, admin, book,
    close: async () => {
      replay?.stop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const c of conns) { flush(c); c.socket.destroy(); }
      await new Promise<void>((r) => server.close(() => r()));
      if (http !== null) {
        const h = http;
        h.closeAllConnections();
        await new Promise<void>((r) => h.close(() => r()));
      }
    },
  };
}

/** Regular US equity hours on the exchange calendar (for useRTH on historical bars). */
function isRth(ts: number): boolean {
  return usEquitySession(ts).open;
}
