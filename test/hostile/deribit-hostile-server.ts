/**
 * A small, deliberately hostile Deribit API v2 server (REST for ccxt 4.5's deribit, and the JSON-RPC
 * websocket both ccxt.pro.deribit's streams and parity's DeribitConnection ride) for the hostile
 * review of the ccxt adapter. NOT the project's fake: it keeps raw Deribit rows (orders, trades,
 * transaction-log rows) that a test edits at will, lets any method be answered by a script (over
 * REST or the socket: an error, a different order, a dropped socket, silence), and can skew its
 * clock so a timestamp ours signed looks stale.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export const CREDS = { apiKey: 'DrbHostileClientId77', secret: 'DERIBIT-hostile-SECRET-doNotPrint-31' } as const;
export const INST = 'BTC_USDC-PERPETUAL';
export const SYMBOL = 'BTC/USDC:USDC';

export type Row = Record<string, unknown>;
export interface RpcErr { code: number; message: string; data?: unknown }
/** A scripted answer: a result, an error, 'drop' (terminate the socket without answering), 'hang' (never answer). */
export type Scripted = { result: unknown } | { error: RpcErr } | 'drop' | 'hang';
/** `via` says where the call came: 'rest', or the socket's number. */
export type Script = (method: string, params: Row, via: 'rest' | number) => Scripted | undefined;

export interface DeribitHostile {
  readonly restUrl: string;
  readonly wsUrl: string;
  /** Every call in arrival order: "rest private/get_transaction_log {...}" or "ws2 private/buy {...}". */
  readonly log: string[];
  orders: Row[];
  trades: Row[];
  logs: Row[];
  positions: Row[];
  /** Milliseconds added to the venue's clock (get_time, and the signature timestamp check). */
  skewMs: number;
  /** First script that answers wins. */
  readonly scripts: Script[];
  /** Push a notification to every socket subscribed to a channel starting with `prefix`. */
  push(prefix: string, data: unknown): void;
  /** Sockets that subscribed to user.* channels (ccxt's streams). */
  streamSockets(): number;
  /** Sockets that placed or logged in for orders (authenticated, not streaming). */
  sockets(): number;
  /** Terminate every socket (a network cut). */
  cut(): void;
  /** Terminate the order connection only (the socket that set a heartbeat: parity's, not ccxt's streams). */
  cutOrders(): void;
  close(): Promise<void>;
}

export function orderRow(o: Partial<Row> & { order_id: string; label: string }): Row {
  const t = Date.now();
  return {
    instrument_name: INST, direction: 'buy', amount: 0.01, filled_amount: 0, order_type: 'limit', order_state: 'open', price: 50_000, average_price: 0, commission: 0,
    time_in_force: 'good_til_cancelled', post_only: false, reject_post_only: false, reduce_only: false, creation_timestamp: t, last_update_timestamp: t,
    api: true, web: false, is_liquidation: false, max_show: 0.01, replaced: false, mmp: false, risk_reducing: false, ...o,
  };
}

export function tradeRow(t: Partial<Row> & { trade_id: string; order_id: string; label: string }): Row {
  return {
    trade_seq: 1, instrument_name: INST, direction: 'buy', price: 50_000, amount: 0.01, fee: 0.25, fee_currency: 'USDC', liquidity: 'T', timestamp: Date.now(),
    order_type: 'limit', state: 'filled', mark_price: 50_000, index_price: 50_000, tick_direction: 0, api: true, reduce_only: false, post_only: false, profit_loss: 0, ...t,
  };
}

export function logRow(r: Partial<Row> & { id: number; type: string; change: number; timestamp: number }): Row {
  return {
    user_seq: r.id, user_id: 4242, username: 'hostile', currency: 'USDC', cashflow: r.change, balance: 10_000, equity: 10_000, instrument_name: INST, position: 0.01,
    price: 50_000, mark_price: 50_000, index_price: 50_000, interest_pl: r.change, total_interest_pl: r.change, commission: 0, side: '-', amount: 0, order_id: '', trade_id: '',
    price_currency: 'USDC', profit_as_cashflow: false, session_rpl: 0, session_upl: 0, info: {}, ...r,
  };
}

const instrument = {
  instrument_name: INST, instrument_id: 1, kind: 'future', instrument_type: 'linear', settlement_period: 'perpetual', base_currency: 'BTC', counter_currency: 'USDC',
  quote_currency: 'USDC', settlement_currency: 'USDC', price_index: 'btc_usdc', contract_size: 0.001, min_trade_amount: 0.001, tick_size: 1, is_active: true, state: 'open',
  rfq: false, maker_commission: 0.0002, taker_commission: 0.0005, max_leverage: 50, max_liquidation_commission: 0.0075, block_trade_commission: 0.00025,
  block_trade_min_trade_amount: 1, block_trade_tick_size: 1, creation_timestamp: 1_640_995_200_000, expiration_timestamp: 32_503_680_000_000,
};

const summary = (): Row => ({
  currency: 'USDC', balance: 10_000, equity: 10_000, margin_balance: 10_000, available_funds: 10_000, available_withdrawal_funds: 10_000, initial_margin: 0, maintenance_margin: 0,
  session_upl: 0, session_rpl: 0, total_pl: 0, futures_pl: 0, delta_total: 0, fee_balance: 0, portfolio_margining_enabled: false, cross_collateral_enabled: false,
  margin_model: 'segregated_sm', options_pl: 0, options_value: 0, projected_initial_margin: 0, projected_maintenance_margin: 0, limits: {}, id: 4242, username: 'hostile', type: 'main',
});

export async function startDeribitHostile(): Promise<DeribitHostile> {
  let seq = 0;
  let nextOrder = 700;
  const socks = new Map<WebSocket, { n: number; subs: Set<string>; orders: boolean }>();
  const h: DeribitHostile = {
    restUrl: '', wsUrl: '', log: [], orders: [], trades: [], logs: [], positions: [], skewMs: 0, scripts: [],
    push(prefix, data) {
      for (const [ws, s] of socks) for (const ch of s.subs) if (ch.startsWith(prefix)) ws.send(JSON.stringify({ jsonrpc: '2.0', method: 'subscription', params: { channel: ch, data } }));
    },
    streamSockets: () => [...socks.values()].filter((s) => [...s.subs].some((c) => c.startsWith('user.'))).length,
    sockets: () => socks.size,
    cut() { for (const ws of socks.keys()) ws.terminate(); },
    cutOrders() { for (const [ws, s] of socks) if (s.orders) ws.terminate(); },
    close: async () => {
      for (const ws of socks.keys()) ws.terminate();
      await new Promise<void>((res) => { wss.close(() => res()); });
      server.closeAllConnections();
      await new Promise<void>((res) => { server.close(() => res()); });
    },
  };
  const now = (): number => Date.now() + h.skewMs;
  const stale = (ts: unknown): boolean => typeof ts === 'number' && Math.abs(ts - now()) > 60_000;
  const err = (code: number, message: string, reason?: string): Scripted => ({ error: { code, message, ...(reason !== undefined ? { data: { reason } } : {}) } });
  const mine = (o: Row): boolean => o['order_state'] === 'open' || o['order_state'] === 'untriggered';

  function defaults(method: string, p: Row): Scripted {
    switch (method) {
      case 'public/get_time': return { result: now() };
      case 'public/test': return { result: { version: '1.2.26' } };
      case 'public/auth': return { result: { access_token: `tok${++seq}`, refresh_token: `r${seq}`, expires_in: 31_536_000, scope: 'connection trade:read_write', token_type: 'bearer', enabled_features: [] } };
      case 'public/get_currencies': return { result: [{ currency: 'USDC', currency_long: 'USD Coin', coin_type: 'STABLE', fee_precision: 4, min_confirmations: 1, min_withdrawal_fee: 0, withdrawal_fee: 0, withdrawal_priorities: [], apr: 0 }, { currency: 'BTC', currency_long: 'Bitcoin', coin_type: 'BITCOIN', fee_precision: 4, min_confirmations: 1, min_withdrawal_fee: 0.0001, withdrawal_fee: 0.0001, withdrawal_priorities: [], apr: 0 }] };
      case 'public/get_instruments': return { result: p['currency'] === 'USDC' || p['currency'] === 'any' || p['currency'] === undefined ? [instrument] : [] };
      case 'public/get_tradingview_chart_data': return { result: { status: 'no_data', ticks: [], open: [], high: [], low: [], close: [], volume: [], cost: [] } };
      case 'private/get_account_summaries': return { result: { id: 4242, username: 'hostile', email: 'h@example.invalid', type: 'main', system_name: 'hostile', summaries: [summary()] } };
      case 'private/get_account_summary': return { result: summary() };
      case 'private/get_positions': return { result: h.positions };
      case 'private/get_open_orders_by_currency':
      case 'private/get_open_orders_by_instrument': return { result: h.orders.filter(mine) };
      case 'private/get_order_history_by_currency':
      case 'private/get_order_history_by_instrument': return { result: h.orders.filter((o) => !mine(o)) };
      case 'private/get_order_state_by_label': return { result: h.orders.filter((o) => o['label'] === p['label']) };
      case 'private/get_order_state': {
        const o = h.orders.find((x) => x['order_id'] === p['order_id']);
        return o === undefined ? err(10004, 'order_not_found') : { result: o };
      }
      case 'private/get_user_trades_by_currency':
      case 'private/get_user_trades_by_currency_and_time':
      case 'private/get_user_trades_by_instrument':
      case 'private/get_user_trades_by_instrument_and_time':
        return { result: { trades: h.trades.filter((t) => p['start_timestamp'] === undefined || Number(t['timestamp']) >= Number(p['start_timestamp'])), has_more: false } };
      case 'private/get_transaction_log': {
        const from = Number(p['start_timestamp'] ?? 0);
        const rows = [...h.logs].filter((r) => Number(r['timestamp']) >= from).sort((a, b) => Number(b['id']) - Number(a['id']));
        const cont = p['continuation'] === undefined ? undefined : Number(p['continuation']);
        const left = rows.filter((r) => cont === undefined || Number(r['id']) < cont);
        const count = Number(p['count'] ?? 10);
        const page = left.slice(0, count);
        return { result: { logs: page, continuation: left.length > count ? page[page.length - 1]!['id'] : null } };
      }
      case 'private/buy':
      case 'private/sell': {
        const label = typeof p['label'] === 'string' ? p['label'] : '';
        const o = orderRow({ order_id: `USDC-${nextOrder++}`, label, direction: method === 'private/buy' ? 'buy' : 'sell', amount: Number(p['amount']), price: p['price'] ?? 'market_price', order_type: String(p['type'] ?? 'limit') });
        h.orders.push(o);
        return { result: { order: o, trades: [] } };
      }
      case 'private/edit': {
        const o = h.orders.find((x) => x['order_id'] === p['order_id']);
        if (o === undefined) return err(10004, 'order_not_found');
        Object.assign(o, { amount: p['amount'], ...(p['price'] !== undefined ? { price: p['price'] } : {}), replaced: true, last_update_timestamp: Date.now() });
        return { result: { order: o, trades: [] } };
      }
      case 'private/cancel': {
        const o = h.orders.find((x) => x['order_id'] === p['order_id']);
        if (o === undefined) return err(10004, 'order_not_found');
        Object.assign(o, { order_state: 'cancelled', cancel_reason: 'user_request', last_update_timestamp: Date.now() });
        return { result: o };
      }
      case 'private/enable_cancel_on_disconnect':
      case 'private/disable_cancel_on_disconnect':
      case 'private/logout':
      case 'public/set_heartbeat': return { result: 'ok' };
      default: return err(-32601, 'Method not found', `${method} is not served by the hostile server`);
    }
  }

  const answer = (method: string, params: Row, via: 'rest' | number): Scripted => {
    for (const s of h.scripts) {
      const a = s(method, params, via);
      if (a !== undefined) return a;
    }
    return defaults(method, params);
  };
  const envelope = (id: unknown, a: { result: unknown } | { error: RpcErr }): string => {
    const us = Date.now() * 1000;
    return JSON.stringify({ jsonrpc: '2.0', ...(id !== undefined ? { id } : {}), ...a, usIn: us, usOut: us, usDiff: 0, testnet: true });
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => { raw += c.toString(); });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const method = url.pathname.replace(/^\/api\/v2\//, '');
      const params: Row = {};
      for (const [k, v] of url.searchParams) params[k] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      h.log.push(`rest ${method} ${JSON.stringify(params)}`);
      const auth = req.headers.authorization;
      const ts = typeof auth === 'string' ? /ts=(\d+)/.exec(auth)?.[1] : undefined;
      const a: Scripted = method.startsWith('private/') && ts !== undefined && stale(Number(ts)) ? err(13004, 'invalid_credentials', 'timestamp is too old') : answer(method, params, 'rest');
      if (a === 'hang') return;
      if (a === 'drop') { req.socket.destroy(); return; }
      const status = 'error' in a ? 400 : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(envelope(undefined, a));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => { wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)); });
  wss.on('connection', (ws) => {
    const me = { n: ++seq, subs: new Set<string>(), orders: false };
    socks.set(ws, me);
    ws.on('close', () => socks.delete(ws));
    ws.on('message', (m: Buffer) => {
      let msg: { id?: unknown; method?: string; params?: Row };
      try { msg = JSON.parse(m.toString()) as typeof msg; } catch { return; }
      const method = msg.method ?? '';
      const params = msg.params ?? {};
      h.log.push(`ws${me.n} ${method} ${JSON.stringify(params)}`);
      if (method === 'public/set_heartbeat') me.orders = true;
      if (method === 'public/auth' && stale(params['timestamp'])) { ws.send(envelope(msg.id, err(13004, 'invalid_credentials', 'timestamp is too old') as { error: RpcErr })); return; }
      if (method === 'public/subscribe' || method === 'private/subscribe') {
        const a = h.scripts.map((sc) => sc(method, params, me.n)).find((x) => x !== undefined);
        if (a === 'hang') return;
        if (a !== undefined && a !== 'drop' && 'error' in a) { ws.send(envelope(msg.id, a)); return; }
        const chans = Array.isArray(params['channels']) ? (params['channels'] as unknown[]).filter((c): c is string => typeof c === 'string') : [];
        for (const c of chans) me.subs.add(c);
        ws.send(envelope(msg.id, { result: chans }));
        return;
      }
      const a = answer(method, params, me.n);
      if (a === 'hang') return;
      if (a === 'drop') { ws.terminate(); return; }
      ws.send(envelope(msg.id, a));
    });
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(h, { restUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/ws/api/v2` });
}
