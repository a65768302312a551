/**
 * A small, deliberately hostile Bybit v5 server (REST under /<host>/v5, the private websocket under
 * /<host>/v5/private) for the hostile review of the ccxt adapter. NOT the project's fake: it keeps
 * raw Bybit rows (orders, executions, transaction-log rows) a test edits at will, lets any route be
 * answered by a script, pushes any private frame (twice, out of order, for ids we never issued),
 * refuses logins or single topics (dcp) on purpose, and can skew its clock (10002).
 *
 * Numbers are strings, "" for absent, as Bybit sends them.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const CREDS = { apiKey: 'BybHostileKey0123456', secret: 'BYBIT-hostile-SECRET-neverPrint-88' } as const;
export const SYMBOL = 'BTC/USDT:USDT';

export type Row = Record<string, unknown>;
export interface Req { readonly method: string; readonly path: string; readonly query: URLSearchParams; readonly body: Row | null }
export type Answer = { status: number; body: unknown } | 'hang';
export type Route = (r: Req) => Answer | undefined;

export const ok = (result: unknown): Answer => ({ status: 200, body: { retCode: 0, retMsg: 'OK', result, retExtInfo: {}, time: Date.now() } });
export const bybitErr = (retCode: number, retMsg: string): Answer => ({ status: 200, body: { retCode, retMsg, result: {}, retExtInfo: {}, time: Date.now() } });

export function orderRow(o: Partial<Row> & { orderId: string; orderLinkId: string }): Row {
  const t = String(Date.now());
  return {
    category: 'linear', blockTradeId: '', symbol: 'BTCUSDT', price: '49000', qty: '0.01', side: 'Buy', isLeverage: '', positionIdx: 0, orderStatus: 'New', cancelType: 'UNKNOWN',
    rejectReason: 'EC_NoError', avgPrice: '', leavesQty: '0.01', leavesValue: '490', cumExecQty: '0', cumExecValue: '0', cumExecFee: '0', tpslMode: 'UNKNOWN', timeInForce: 'GTC',
    orderType: 'Limit', stopOrderType: '', orderIv: '', triggerPrice: '', takeProfit: '', stopLoss: '', tpTriggerBy: '', slTriggerBy: '', triggerDirection: 0, triggerBy: '',
    lastPriceOnCreated: '', reduceOnly: false, closeOnTrigger: false, smpType: 'None', smpGroup: 0, smpOrderId: '', tpLimitPrice: '', slLimitPrice: '', placeType: '',
    createdTime: t, updatedTime: t, ...o,
  };
}

export function execRow(e: Partial<Row> & { execId: string; orderId: string; orderLinkId: string }): Row {
  return {
    category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderPrice: '49000', orderQty: '0.01', leavesQty: '0', orderType: 'Limit', stopOrderType: 'UNKNOWN', execFee: '0.245',
    execPrice: '49000', execQty: '0.01', execType: 'Trade', execValue: '490', execTime: String(Date.now()), feeCurrency: '', isMaker: false, feeRate: '0.0005', tradeIv: '',
    markIv: '', markPrice: '49000', indexPrice: '', underlyingPrice: '', blockTradeId: '', closedSize: '0', seq: 1, createType: 'CreateByUser', ...e,
  };
}

export function logRow(r: Partial<Row> & { id: string; type: string; change: string; transactionTime: string }): Row {
  return {
    symbol: 'BTCUSDT', category: 'linear', side: 'Buy', transSubType: '', qty: '0.01', size: '0.01', currency: 'USDT', tradePrice: '49000', funding: '', fee: '0',
    cashFlow: '0', cashBalance: '10000', feeRate: '', bonusChange: '', tradeId: '', orderId: '', orderLinkId: '', extraFees: '', ...r,
  };
}

const linear = {
  symbol: 'BTCUSDT', contractType: 'LinearPerpetual', status: 'Trading', baseCoin: 'BTC', quoteCoin: 'USDT', launchTime: '1585526400000', deliveryTime: '0', deliveryFeeRate: '',
  priceScale: '1', leverageFilter: { minLeverage: '1', maxLeverage: '100', leverageStep: '0.01' }, priceFilter: { minPrice: '0.1', maxPrice: '1999999.8', tickSize: '0.1' },
  lotSizeFilter: { maxOrderQty: '1190', minOrderQty: '0.001', qtyStep: '0.001', postOnlyMaxOrderQty: '1190', maxMktOrderQty: '500', minNotionalValue: '5' },
  unifiedMarginTrade: true, fundingInterval: 480, settleCoin: 'USDT', copyTrading: 'both', upperFundingRate: '0.00375', lowerFundingRate: '-0.00375', isPreListing: false,
};
const spot = {
  symbol: 'BTCUSDT', baseCoin: 'BTC', quoteCoin: 'USDT', innovation: '0', status: 'Trading', marginTrading: 'utaOnly', stTag: '0',
  lotSizeFilter: { basePrecision: '0.000001', quotePrecision: '0.00000001', minOrderQty: '0.000048', maxOrderQty: '1000000', minOrderAmt: '1', maxOrderAmt: '4000000' },
  priceFilter: { tickSize: '0.1' }, riskParameters: { priceLimitRatioX: '0.05', priceLimitRatioY: '0.05' },
};

export interface BybitHostile {
  readonly restUrl: string;
  readonly wsUrl: string;
  /** Every REST request ("GET account/transaction-log?...") and private socket op ("ws auth", "ws subscribe dcp.future"). */
  readonly log: string[];
  orders: Row[];
  executions: Row[];
  logs: Row[];
  skewMs: number;
  readonly routes: Route[];
  /** Private socket behaviour: refuse the login ('echo': with the request, as Bybit does), refuse these topics. */
  wsLogin: 'ok' | 'refuse' | 'echo';
  readonly refuseTopics: Set<string>;
  /** Push one private frame on `topic` (order, execution, position, wallet) to every socket subscribed to it. */
  push(topic: string, data: Row[]): void;
  /** Authenticated private sockets subscribed to `topic`. */
  subscribed(topic: string): number;
  cut(): void;
  close(): Promise<void>;
}

export async function startBybitHostile(): Promise<BybitHostile> {
  let nextOrder = 1000;
  const socks = new Map<WebSocket, { authed: boolean; topics: Set<string> }>();
  const h: BybitHostile = {
    restUrl: '', wsUrl: '', log: [], orders: [], executions: [], logs: [], skewMs: 0, routes: [], wsLogin: 'ok', refuseTopics: new Set(),
    push(topic, data) {
      for (const [ws, s] of socks) if (s.authed && s.topics.has(topic)) ws.send(JSON.stringify({ id: `p${Date.now()}`, topic, creationTime: Date.now(), data }));
    },
    subscribed: (topic) => [...socks.values()].filter((s) => s.authed && s.topics.has(topic)).length,
    cut() { for (const ws of socks.keys()) ws.terminate(); },
    close: async () => {
      for (const ws of socks.keys()) ws.terminate();
      await new Promise<void>((res) => { wss.close(() => res()); });
      server.closeAllConnections();
      await new Promise<void>((res) => { server.close(() => res()); });
    },
  };
  const now = (): number => Date.now() + h.skewMs;
  const working = (o: Row): boolean => o['orderStatus'] === 'New' || o['orderStatus'] === 'PartiallyFilled' || o['orderStatus'] === 'Untriggered';

  function defaults(r: Req): Answer {
    const q = (k: string): string | undefined => r.query.get(k) ?? undefined;
    const cat = q('category');
    const linkOk = (o: Row): boolean => q('orderLinkId') === undefined || o['orderLinkId'] === q('orderLinkId');
    switch (`${r.method} ${r.path}`) {
      case 'GET market/time': { const t = now(); return ok({ timeSecond: String(Math.floor(t / 1000)), timeNano: `${t}000000` }); }
      case 'GET market/instruments-info': return ok({ category: cat, list: cat === 'linear' ? [linear] : cat === 'spot' ? [spot] : [], nextPageCursor: '' });
      case 'GET asset/coin/query-info': return ok({ rows: ['BTC', 'USDT'].map((coin) => ({ name: coin, coin, remainAmount: '1000000', chains: [] })) });
      case 'GET user/query-api': return ok({ id: '1', note: 'h', apiKey: CREDS.apiKey, readOnly: 0, secret: '', permissions: {}, ips: ['*'], type: 1, deadlineDay: 90, expiredAt: '', createdAt: '', unified: 0, uta: 1, userID: 777, inviterID: 0, vipLevel: '', mktMakerLevel: '0', affiliateID: 0, rsaPublicKey: '', isMaster: true, parentUid: '0', kycLevel: '', kycRegion: '' });
      case 'GET account/wallet-balance': return ok({ list: [{ accountType: 'UNIFIED', totalEquity: '10000', totalWalletBalance: '10000', totalMarginBalance: '10000', totalAvailableBalance: '10000', totalPerpUPL: '0', totalInitialMargin: '0', totalMaintenanceMargin: '0', accountIMRate: '0', accountMMRate: '0', accountLTV: '0', coin: [{ coin: 'USDT', equity: '10000', usdValue: '10000', walletBalance: '10000', locked: '0', spotHedgingQty: '0', borrowAmount: '0', accruedInterest: '0', totalOrderIM: '0', totalPositionIM: '0', totalPositionMM: '0', unrealisedPnl: '0', cumRealisedPnl: '0', bonus: '0', marginCollateral: true, collateralSwitch: true, availableToBorrow: '' }] }] });
      case 'GET position/list': return ok({ category: cat, list: [], nextPageCursor: '' });
      case 'GET order/realtime': return ok({ category: cat, list: h.orders.filter((o) => o['category'] === cat && working(o) && linkOk(o)), nextPageCursor: '' });
      case 'GET order/history': return ok({ category: cat, list: h.orders.filter((o) => o['category'] === cat && !working(o) && linkOk(o)), nextPageCursor: '' });
      case 'GET execution/list': return ok({ category: cat, list: h.executions.filter((e) => (cat === undefined || e['category'] === cat) && Number(e['execTime']) >= Number(q('startTime') ?? 0)), nextPageCursor: '' });
      case 'GET account/transaction-log': {
        const from = Number(q('startTime') ?? 0);
        const rows = h.logs.filter((x) => Number(x['transactionTime']) >= from).sort((a, b) => Number(b['transactionTime']) - Number(a['transactionTime']));
        const limit = Number(q('limit') ?? 20);
        const at = Number(q('cursor') ?? 0) || 0;
        return ok({ list: rows.slice(at, at + limit), nextPageCursor: at + limit < rows.length ? String(at + limit) : '' });
      }
      case 'POST order/create': {
        const b = r.body ?? {};
        const o = orderRow({ orderId: `o${nextOrder++}`, orderLinkId: String(b['orderLinkId'] ?? ''), category: String(b['category'] ?? 'linear'), qty: String(b['qty'] ?? ''), price: String(b['price'] ?? '0'), side: String(b['side'] ?? 'Buy') });
        h.orders.push(o);
        return ok({ orderId: o['orderId'], orderLinkId: o['orderLinkId'] });
      }
      case 'POST order/amend': {
        const b = r.body ?? {};
        const o = h.orders.find((x) => x['orderId'] === b['orderId'] || (b['orderLinkId'] !== undefined && x['orderLinkId'] === b['orderLinkId']));
        if (o === undefined) return bybitErr(110001, 'order not exists or too late to replace');
        Object.assign(o, { ...(b['price'] !== undefined ? { price: b['price'] } : {}), ...(b['qty'] !== undefined ? { qty: b['qty'] } : {}), updatedTime: String(Date.now()) });
        return ok({ orderId: o['orderId'], orderLinkId: o['orderLinkId'] });
      }
      case 'POST order/cancel': {
        const b = r.body ?? {};
        const o = h.orders.find((x) => x['orderId'] === b['orderId'] || (b['orderLinkId'] !== undefined && x['orderLinkId'] === b['orderLinkId']));
        if (o === undefined || !working(o)) return bybitErr(110001, 'order not exists or too late to cancel');
        Object.assign(o, { orderStatus: 'Cancelled', cancelType: 'CancelByUser', updatedTime: String(Date.now()) });
        return ok({ orderId: o['orderId'], orderLinkId: o['orderLinkId'] });
      }
      case 'POST order/disconnected-cancel-all': return ok({});
      case 'POST position/set-leverage': return bybitErr(110043, 'leverage not modified');
      default: return bybitErr(10001, `the hostile server has no ${r.method} ${r.path}`);
    }
  }

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c.toString(); });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const path = url.pathname.replace(/^(?:\/[^/]+)?\/v5\//, '');
      let body: Row | null = null;
      try { body = raw === '' ? null : JSON.parse(raw) as Row; } catch { body = null; }
      const r: Req = { method: req.method ?? 'GET', path, query: url.searchParams, body };
      h.log.push(`${r.method} ${path}${url.search}${raw !== '' ? ` ${raw}` : ''}`);
      const ts = req.headers['x-bapi-timestamp'];
      const recv = Number(req.headers['x-bapi-recv-window'] ?? 5000);
      let a: Answer | undefined;
      if (typeof ts === 'string' && !(Number(ts) >= now() - recv && Number(ts) < now() + 1000)) {
        a = bybitErr(10002, `invalid request, please check your server timestamp or recv_window param. req_timestamp[${ts}],server_timestamp[${now()}],recv_window[${recv}]`);
      }
      for (const route of h.routes) { if (a !== undefined) break; a = route(r); }
      a ??= defaults(r);
      if (a === 'hang') return;
      res.writeHead(a.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(a.body));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => { wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)); });
  wss.on('connection', (ws, req) => {
    const me = { authed: false, topics: new Set<string>() };
    const priv = (req.url ?? '').endsWith('/private');
    if (priv) socks.set(ws, me);
    ws.on('close', () => socks.delete(ws));
    ws.on('message', (m: Buffer) => {
      let msg: { op?: string; req_id?: string; args?: unknown[] };
      try { msg = JSON.parse(m.toString()) as typeof msg; } catch { return; }
      const rid = msg.req_id !== undefined ? { req_id: msg.req_id } : {};
      const send = (x: unknown): void => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(x)); };
      if (msg.op === 'ping') { send(priv ? { ...rid, op: 'pong', args: [String(Date.now())], conn_id: 'c' } : { success: true, ret_msg: 'pong', conn_id: 'c', ...rid, op: 'ping' }); return; }
      h.log.push(`ws ${msg.op ?? ''} ${(msg.args ?? []).map(String).join(',')}`);
      if (msg.op === 'auth') {
        if (h.wsLogin === 'ok') { me.authed = true; send({ success: true, ret_msg: '', op: 'auth', conn_id: 'c', ...rid }); return; }
        send({ success: false, ret_msg: h.wsLogin === 'echo' ? `error:sign invalid, request ${m.toString()}` : 'error:USVC1111', op: 'auth', conn_id: 'c', ...rid });
        return;
      }
      if (msg.op === 'subscribe' || msg.op === 'unsubscribe') {
        const topics = (msg.args ?? []).map(String);
        const bad = topics.find((t) => h.refuseTopics.has(t));
        if (bad !== undefined) { send({ success: false, ret_msg: `error:handler not found,topic:${bad}`, conn_id: 'c', ...rid, op: msg.op }); return; }
        for (const t of topics) if (msg.op === 'subscribe') me.topics.add(t); else me.topics.delete(t);
        send({ success: true, ret_msg: '', conn_id: 'c', ...rid, op: msg.op });
      }
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(h, { restUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` });
}
