/**
 * A small, scriptable, HOSTILE TWS server for adversarial tests of the IBKR adapter. Independent of
 * src/venue-server/tws (the fake the adapter's own tests use) so that the two do not share wrong
 * beliefs: framing, handshake, the request handlers and the simple message layouts are written
 * here from @stoqey/ib's decoder at server version 193. The exceptions are the ~150-field openOrder
 * and the long contractDetails layouts, taken from the fake's wire.ts: the SDK's strict decoder is
 * the referee for them (a wrong field count raises error 505, which the tests assert never happens).
 * reqCompletedOrders is answered 321 (not supported) by default, as an older TWS / Gateway does.
 *
 * Nothing is automatic beyond the handshake: each request type has a default answer that a test
 * can replace (`on.placeOrder = ...`), and `mute` turns the server into a half-open peer (reads,
 * never answers, never closes).
 */
import { createServer, type Server, type Socket } from 'node:net';
import { contractData as contractDataLayout, openOrder as openOrderLayout, type OrderView, type TwsContract } from '../../src/venue-server/tws/wire.ts';

export type F = string | number | boolean | undefined;

export const MSG = {
  ORDER_STATUS: 3, ERR: 4, OPEN_ORDER: 5, NEXT_VALID_ID: 9, EXEC: 11, MANAGED: 15, CURRENT_TIME: 49,
  OPEN_ORDER_END: 53, EXEC_END: 55, COMMISSION: 59, POSITION: 61, POSITION_END: 62, ACCT_SUMMARY: 63, ACCT_SUMMARY_END: 64,
} as const;

export const REQ = {
  PLACE: 3, CANCEL: 4, OPEN_ORDERS: 5, EXECUTIONS: 7, REQ_IDS: 8, ALL_OPEN_ORDERS: 16, CURRENT_TIME: 49,
  CONTRACT_DETAILS: 9, COMPLETED_ORDERS: 99, GLOBAL_CANCEL: 58, POSITIONS: 61, ACCT_SUMMARY: 62, CANCEL_ACCT_SUMMARY: 63, CANCEL_POSITIONS: 64, START_API: 71,
} as const;

function text(v: F): string {
  if (v === undefined) return '';
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

export function encode(fields: readonly F[]): Buffer {
  const body = Buffer.from(fields.map(text).join('\0') + '\0', 'utf8');
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

export interface Conn {
  readonly socket: Socket;
  clientId: number | null;
  send(fields: readonly F[]): void;
}

/** A placed order as the server saw it (placeOrder fields by index, per the notes' layout). */
export interface Placed {
  readonly orderId: number;
  readonly symbol: string;
  readonly action: 'BUY' | 'SELL';
  readonly qty: number;
  readonly orderType: string;
  readonly lmtPrice: string;
  readonly auxPrice: string;
  readonly tif: string;
  readonly account: string;
  readonly orderRef: string;
}

export const contractFor = (symbol: string, conId = 265598): TwsContract => ({
  conId, paritySymbol: symbol, symbol, secType: 'STK', exchange: 'SMART', primaryExch: 'NASDAQ', currency: 'USD',
  localSymbol: symbol, tradingClass: 'NMS', minTick: 0.01, sizeIncrement: 1, longName: symbol,
});

export interface OrderShape {
  orderId: number; orderRef: string; symbol?: string; action?: 'BUY' | 'SELL'; qty?: number; orderType?: 'MKT' | 'LMT' | 'STP' | 'STP LMT';
  lmtPrice?: number; auxPrice?: number; tif?: 'DAY' | 'GTC' | 'IOC'; account?: string; status?: OrderView['status']; filled?: number; avgFillPrice?: number;
  clientId?: number; permId?: number;
}

export function openOrderMsg(o: OrderShape): F[] {
  const v: OrderView = {
    orderId: o.orderId, clientId: o.clientId ?? 7, permId: o.permId ?? 1000 + o.orderId, contract: contractFor(o.symbol ?? 'AAPL'),
    action: o.action ?? 'BUY', totalQuantity: o.qty ?? 10, orderType: o.orderType ?? 'LMT', lmtPrice: o.orderType === 'MKT' ? undefined : o.lmtPrice ?? 100,
    auxPrice: o.auxPrice, tif: o.tif ?? 'DAY', orderRef: o.orderRef, account: o.account ?? 'DU1234567', outsideRth: false,
    status: o.status ?? 'Submitted', filled: o.filled ?? 0, avgFillPrice: o.avgFillPrice ?? 0, lastFillPrice: 0,
  };
  return openOrderLayout(v).map((x) => (x === null ? undefined : x));
}

export function orderStatusMsg(id: number, status: string, filled: F, remaining: F, avg: F = 0, clientId = 7): F[] {
  return [MSG.ORDER_STATUS, id, status, filled, remaining, avg, 1000 + id, 0, avg, clientId, '', 0];
}

export interface ExecShape {
  reqId?: number; orderId: number; execId: string; orderRef: string; symbol?: string; side?: 'BOT' | 'SLD';
  shares: F; price: F; cumQty?: F; avgPrice?: F; account?: string; time?: string; clientId?: number;
}

export function execMsg(e: ExecShape): F[] {
  const c = contractFor(e.symbol ?? 'AAPL');
  return [
    MSG.EXEC, e.reqId ?? -1, e.orderId,
    c.conId, c.symbol, c.secType, '', 0, '', '', 'NASDAQ', c.currency, c.localSymbol, c.tradingClass,
    e.execId, e.time ?? '20260302 14:31:05 UTC', e.account ?? 'DU1234567', 'NASDAQ', e.side ?? 'BOT', e.shares, e.price, 1000 + e.orderId, e.clientId ?? 7,
    0, e.cumQty ?? e.shares, e.avgPrice ?? e.price, e.orderRef, '', '', '', 2, false,
  ];
}

export const commissionMsg = (execId: string, commission: F, ccy = 'USD'): F[] =>
  [MSG.COMMISSION, 1, execId, commission, ccy, '1.7976931348623157E308', '1.7976931348623157E308', ''];

export const errorMsg = (id: number, code: number, message: string): F[] => [MSG.ERR, 2, id, code, message, ''];

export interface HostileOptions {
  accounts?: string;
  nextValidId?: number;
  /** Venue time, epoch seconds. */
  time?: () => number;
  /** The handshake's time string (default "yyyyMMdd HH:mm:ss UTC" of `time`). */
  handshakeTime?: () => string;
}

export class HostileTws {
  readonly conns: Conn[] = [];
  /** Every message clients sent, in order: [connection index, fields]. */
  readonly received: { conn: number; fields: string[] }[] = [];
  readonly placed: Placed[] = [];
  /** Live orders the default reqOpenOrders lists (a test edits them). */
  readonly open = new Map<number, OrderShape>();
  /** Executions the default reqExecutions answers with, and their commissions. */
  readonly execs: ExecShape[] = [];
  readonly commissions = new Map<string, F>();
  /** Half-open: read everything, answer nothing, never close (every connection, new ones too). */
  mute = false;
  /** Half-open for the connections open now only (a new connection is answered). */
  readonly muted = new Set<Conn>();
  /** Refuse the handshake's START_API (no nextValidId): a hung TWS. */
  hangOnStart = false;
  accounts: string;
  /** Symbols reqContractDetails answers 200 for. */
  readonly unknownSymbols = new Set<string>();
  nextValidId: number;
  time: () => number;
  readonly handshakeTime: (() => string) | undefined;
  /** Replaceable per-request behaviour; the defaults answer like a quiet, correct TWS. */
  on: {
    placeOrder: (c: Conn, p: Placed) => void;
    cancelOrder: (c: Conn, id: number) => void;
    reqOpenOrders: (c: Conn) => void;
    reqExecutions: (c: Conn, reqId: number) => void;
    startApi: (c: Conn) => void;
  };

  private constructor(private readonly server: Server, readonly port: number, o: HostileOptions) {
    this.accounts = o.accounts ?? 'DU1234567';
    this.nextValidId = o.nextValidId ?? 1;
    this.time = o.time ?? (() => Math.floor(Date.now() / 1000));
    this.handshakeTime = o.handshakeTime;
    this.on = {
      startApi: (c) => { c.send([MSG.MANAGED, 1, this.accounts]); c.send([MSG.NEXT_VALID_ID, 1, this.nextValidId]); },
      placeOrder: (c, p) => {
        const shape: OrderShape = { orderId: p.orderId, orderRef: p.orderRef, symbol: p.symbol, action: p.action, qty: p.qty, orderType: p.orderType as OrderShape['orderType'], lmtPrice: Number(p.lmtPrice) || undefined, account: p.account, status: 'Submitted' };
        this.open.set(p.orderId, shape);
        c.send(openOrderMsg(shape));
        c.send(orderStatusMsg(p.orderId, 'Submitted', 0, p.qty));
      },
      cancelOrder: (c, id) => {
        const o = this.open.get(id);
        if (o === undefined) { c.send(errorMsg(id, 10147, `OrderId ${id} that needs to be cancelled is not found.`)); return; }
        this.open.delete(id);
        c.send(orderStatusMsg(id, 'Cancelled', 0, o.qty ?? 10));
        c.send(errorMsg(id, 202, 'Order Canceled - reason:'));
      },
      reqOpenOrders: (c) => {
        for (const o of this.open.values()) { c.send(openOrderMsg(o)); c.send(orderStatusMsg(o.orderId, o.status ?? 'Submitted', o.filled ?? 0, (o.qty ?? 10) - (o.filled ?? 0))); }
        c.send([MSG.OPEN_ORDER_END, 1]);
      },
      reqExecutions: (c, reqId) => {
        for (const e of this.execs) {
          c.send(execMsg({ ...e, reqId }));
          const fee = this.commissions.get(e.execId);
          if (fee !== undefined) c.send(commissionMsg(e.execId, fee));
        }
        c.send([MSG.EXEC_END, 1, reqId]);
      },
    };
  }

  static async start(o: HostileOptions = {}): Promise<HostileTws> {
    let self: HostileTws | null = null;
    const server = createServer((s) => self?.accept(s));
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
    const addr = server.address();
    if (addr === null || typeof addr === 'string') throw new Error('no port');
    self = new HostileTws(server, addr.port, o);
    return self;
  }

  /** The newest connection (where scripted messages go by default). */
  get last(): Conn {
    const c = this.conns[this.conns.length - 1];
    if (c === undefined) throw new Error('no client connected');
    return c;
  }

  /** Send to the newest connection. */
  send(fields: readonly F[]): void {
    this.last.send(fields);
  }

  /** Close every socket (a FIN: TWS restarted or the network said so). */
  dropAll(): void {
    for (const c of this.conns) c.socket.destroy();
  }

  /** The connections open now stop answering (no FIN): a half-open socket. */
  muteCurrent(): void {
    for (const c of this.conns) this.muted.add(c);
  }

  liveConns(): Conn[] {
    return this.conns.filter((c) => !c.socket.destroyed);
  }

  count(id: number): number {
    return this.received.filter((r) => Number(r.fields[0]) === id).length;
  }

  async close(): Promise<void> {
    this.dropAll();
    await new Promise<void>((res) => this.server.close(() => res()));
  }

  private accept(socket: Socket): void {
    const index = this.conns.length;
    const conn: Conn = {
      socket, clientId: null,
      send: (fields) => { if (!socket.destroyed) socket.write(encode(fields)); },
    };
    this.conns.push(conn);
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    let greeted = false;
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (!greeted) {
        if (buf.length < 8) return;
        if (buf.subarray(0, 4).toString('latin1') !== 'API\0') { socket.destroy(); return; }
        const len = buf.readUInt32BE(4);
        if (buf.length < 8 + len) return;
        buf = buf.subarray(8 + len);
        greeted = true;
        const t = new Date(this.time() * 1000);
        const stamp = `${t.getUTCFullYear()}${String(t.getUTCMonth() + 1).padStart(2, '0')}${String(t.getUTCDate()).padStart(2, '0')} ${t.toISOString().slice(11, 19)} UTC`;
        conn.send([193, this.handshakeTime?.() ?? stamp]);
      }
      while (buf.length >= 4) {
        const len = buf.readUInt32BE(0);
        if (buf.length < 4 + len) return;
        const fields = buf.subarray(4, 4 + len).toString('utf8').split('\0');
        if (fields[fields.length - 1] === '') fields.pop();
        buf = buf.subarray(4 + len);
        this.received.push({ conn: index, fields });
        this.handle(conn, fields);
      }
    });
  }

  private handle(c: Conn, f: string[]): void {
    const id = Number(f[0]);
    if (id === REQ.START_API) {
      c.clientId = Number(f[2]);
      if (!this.hangOnStart && !this.mute) this.on.startApi(c);
      return;
    }
    if (this.mute || this.muted.has(c)) return;
    switch (id) {
      case REQ.CURRENT_TIME: c.send([MSG.CURRENT_TIME, 1, this.time()]); return;
      case REQ.PLACE: {
        const p: Placed = {
          orderId: Number(f[1]), symbol: f[3] ?? '', action: (f[16] === 'SELL' ? 'SELL' : 'BUY'), qty: Number(f[17]), orderType: f[18] ?? '',
          lmtPrice: f[19] ?? '', auxPrice: f[20] ?? '', tif: f[21] ?? '', account: f[23] ?? '', orderRef: f[26] ?? '',
        };
        this.placed.push(p);
        this.on.placeOrder(c, p);
        return;
      }
      case REQ.CANCEL: this.on.cancelOrder(c, Number(f[1])); return;
      case REQ.OPEN_ORDERS: case REQ.ALL_OPEN_ORDERS: this.on.reqOpenOrders(c); return;
      case REQ.EXECUTIONS: this.on.reqExecutions(c, Number(f[2])); return;
      case REQ.CONTRACT_DETAILS: {
        const reqId = Number(f[2]);
        const symbol = f[4] ?? '';
        if (this.unknownSymbols.has(symbol)) { c.send(errorMsg(reqId, 200, 'No security definition has been found for the request')); return; }
        c.send(contractDataLayout(reqId, contractFor(symbol)).map((x) => (x === null ? undefined : x)));
        c.send([52, 1, reqId]);
        return;
      }
      case REQ.COMPLETED_ORDERS: c.send(errorMsg(-1, 321, 'Error validating request.-\'bB\' : cause - Invalid request: completed orders not supported')); return;
      case REQ.REQ_IDS: c.send([MSG.NEXT_VALID_ID, 1, this.nextValidId]); return;
      case REQ.POSITIONS: c.send([MSG.POSITION_END, 1]); return;
      case REQ.ACCT_SUMMARY: {
        const reqId = Number(f[2]);
        const acct = this.accounts.split(',')[0] ?? '';
        for (const [tag, v] of [['NetLiquidation', '100000'], ['TotalCashValue', '100000'], ['BuyingPower', '400000']] as const) c.send([MSG.ACCT_SUMMARY, 1, reqId, acct, tag, v, 'USD']);
        c.send([MSG.ACCT_SUMMARY_END, 1, reqId]);
        return;
      }
      default: return;
    }
  }
}
