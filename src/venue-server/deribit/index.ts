/**
 * The Deribit fake: the simulated venue's matching core (OkxBook over SimVenue) behind Deribit's API
 * v2 on 127.0.0.1 — JSON-RPC over HTTP (what ccxt's REST sends) and over the websocket
 * /ws/api/v2 (what ccxt.pro.deribit subscribes on, and parity's own order connection,
 * src/venues/ccxt/jsonrpc-connection.ts) — so the real ccxt 4.5 trades against it with no account
 * and no network. `parity venue --protocol deribit --port N` runs it as a process; tests start it
 * in-process:
 *
 *   import { startDeribitFake } from '../venue-server/deribit/index.ts';
 *   const fake = await startDeribitFake({ port: 0, startTime: T0, speed: 0 });
 *   const ex = new ccxt.pro.deribit({ apiKey: fake.credentials.apiKey, secret: fake.credentials.secret, enableRateLimit: false });
 *   ex.setSandboxMode(true);                                   // test.deribit.com: then the overrides
 *   ex.urls.api = { rest: fake.restUrl, ws: fake.wsUrl };
 *   await ex.loadHttpProxyAgent();                             // before the first watch*: ccxt refuses ws:// otherwise
 *   fake.admin.pushBar({ instId: 'BTC_USDC-PERPETUAL', open, high, low, close });
 *   await fake.close();
 *
 * Defaults: BTC_USDC-PERPETUAL as Deribit lists it (tick 1, min/step 0.001 BTC, contract_size 0.001)
 * and ETH_USDC-PERPETUAL (0.1, 0.01, 0.01: the fake's choice), linear, USDC-settled, amounts in the
 * base currency whatever contract_size says (as Deribit's); 100,000 USDC;
 * cross margin checked at 3x; fees maker 2 / taker 5 bps of notional in USDC (trade `fee` positive
 * when paid); funding 0.0001 per 8 h; client id parity-deribit-id / secret parity-deribit-secret;
 * user id 1001 (get_account_summaries `id`); answers `testnet: true`. Deribit has spot pairs too;
 * the fake serves perpetuals only (parity trades Deribit's perpetuals).
 *
 * Venue clock (okx/clock.ts): `speed` venue ms per wall ms from startTime; admin.advance jumps it;
 * bars from `data` play when the clock passes them (a file's symbol BTC-USD feeds BTC_USDC-PERPETUAL).
 * Order, trade and log times are venue times; public/get_time and the auth checks use this
 * machine's clock (ccxt signs with it).
 *
 * Authentication (signing.ts): REST `Authorization: deri-hmac-sha256 id=..,ts=..,sig=..,nonce=..`,
 * sig = hex HMAC-SHA256(secret, ts\nnonce\nMETHOD\npath?query\nbody\n); websocket public/auth
 * client_signature (hex HMAC of timestamp\nnonce\ndata) or client_credentials. Refusals: 13009
 * unauthorized (no or malformed header, a private call on a socket not logged in), 13004
 * invalid_credentials (unknown id, bad signature, timestamp more than 60 s off). Orders: 10009
 * not_enough_funds, 10004 order_not_found, 11044 not_open_order, 10021 invalid_amount, 10023
 * invalid_price, 11098 reduce-only would increase, -32602 invalid params, 10028 too_many_requests
 * (the rateLimit fault), -32601 an unserved method (errors.ts).
 *
 * Methods (venue.ts): public/ get_time, test, status, get_currencies, get_instruments,
 * get_instrument, ticker, get_tradingview_chart_data (resolution 1); private/ buy, sell (label,
 * reduce_only, post_only, time_in_force), edit, cancel, cancel_all*, get_order_state,
 * get_order_state_by_label, get_open_orders(_by_currency|_by_instrument),
 * get_order_history_by_*, get_user_trades_by_{currency,instrument}(_and_time), get_user_trades_by_order,
 * get_positions, get_position, get_account_summary, get_account_summaries (id, username,
 * summaries: balance = cash, equity = cash + open P&L), get_subaccounts, get_transaction_log
 * (newest first, `continuation`; `trade` rows, and `settlement` rows whose change and interest_pl
 * are the funding: Deribit accrues funding continuously and settles it into cash; the fake pays
 * it once per 8 h at the mark), enable/disable/get_cancel_on_disconnect, logout.
 *
 * Websocket only (streams.ts): public/auth, public/set_heartbeat (test_request, public/test),
 * subscriptions chart.trades.<inst>.1, ticker.<inst>.<interval>, user.orders.*, user.trades.*,
 * user.portfolio.usdc. Cancel-on-disconnect: scope connection (this socket) or account (every
 * new socket starts with it on); when such a socket closes, every working order placed ON IT is
 * cancelled (cancel_reason cancel_on_disconnect), REST orders and other sockets' orders are not;
 * after private/logout nothing is cancelled. Over REST only scope account is accepted.
 *
 * Admin (unsigned, HTTP under /admin or in-process `fake.admin`): GET state; POST advance {ms},
 * time-scale {scale}, bars {bars:[{instId, ts?, open, high, low, close, volume?}]}, fund {instId?,
 * rate?}, faults {reject?, rejectCode? (a Deribit code, default 10009), partialFill?, dropPrivate?
 * (every logged-in socket), dropStreams? (sockets with subscriptions), dropOrderEntry? (sockets
 * that placed orders), stallOrderEntry? (those stay open, the venue silent on them), delayAcks?
 * {count, ms}, serverError?, rateLimit?}. `heartbeatUnitMs` (default 1000) shortens a
 * set_heartbeat second for tests.
 */
export { startDeribitFake, DEFAULT_DERIBIT_INSTRUMENTS } from './server.ts';
export type { DeribitAdmin, DeribitBarIn, DeribitFake, DeribitFakeOptions, DeribitInstrumentSpec, DeribitStateDump } from './types.ts';
export type { DeribitFaultIn } from './faults.ts';
