/**
 * The OKX fake: the simulated venue's matching core (SimVenue) behind OKX's v5 REST and websocket
 * protocol on 127.0.0.1, so the real ccxt 4.5 (`ccxt.pro.okx`) trades against it with no account
 * and no network. `parity venue --protocol okx --port N` runs it as a process; tests and adapters
 * start it in-process:
 *
 *   import { startOkxFake } from '../venue-server/okx/index.ts';
 *   const fake = await startOkxFake({ port: 0, startTime: T0, speed: 0 });   // speed 0: the clock stands still
 *   const ex = new ccxt.pro.okx({ apiKey: fake.credentials.apiKey, secret: fake.credentials.secret,
 *     password: fake.credentials.passphrase, enableRateLimit: false,
 *     headers: { 'x-simulated-trading': '1' },  // a demo account requires it (setSandboxMode would replace urls.api)
 *     urls: { api: { rest: fake.restUrl, ws: fake.wsUrl } }, options: { fetchMarkets: { types: ['spot', 'swap'] } } });
 *   await ex.loadHttpProxyAgent();            // before the first watch*: ccxt refuses ws:// otherwise
 *   fake.admin.pushBar({ instId: 'BTC-USDT-SWAP', open, high, low, close });   // orders match against it
 *   fake.admin.advance(30_000);               // venue clock: dead-man countdowns, funding times, replay
 *   await fake.close();
 *
 * Options: OkxFakeOptions (types.ts). Defaults: instruments BTC-USDT, ETH-USDT (spot) and
 * BTC-USDT-SWAP (ctVal 0.01), ETH-USDT-SWAP (ctVal 0.1), linear, USDT-settled; 100,000 USDT; swaps
 * at 3x cross; maintenance margin 0.4%; fees maker 2 / taker 5 bps on every instrument, charged in
 * the quote currency; funding 0.0001 every 8 h (multiples from the epoch, venue clock), or with
 * `funding` FILE (CSV ts,symbol,rate) the file's rates at the file's instants; credentials
 * parity-okx-key / parity-okx-secret / Parity-Pass1; uid parity-okx-1; a demo account.
 *
 * Venue clock (clock.ts): `speed` venue ms per wall ms from startTime (default: just before the
 * first data bar, else now); admin.advance jumps it. Bars from `data` play when the clock passes
 * their time (a file's symbol, e.g. BTC-USD, feeds every instrument of that base currency); a
 * pushed bar without ts moves the clock 1 ms and stands there (the sim fills on bars after an
 * order). Order and fill times are venue times; public/time and the auth check use this machine's
 * clock (ccxt signs with it).
 *
 * REST (/api/v5, {code, msg, data}); private calls signed: OK-ACCESS-KEY / -SIGN / -TIMESTAMP /
 * -PASSPHRASE, SIGN = base64 HMAC-SHA256(ts + METHOD + path?query + body). Refusals: 50103/50104/
 * 50106/50107 header missing, 50112 bad timestamp, 50102 more than 30 s off, 50111 key, 50101
 * demo/live mismatch (x-simulated-trading: 1 on a live account, or missing on a demo one), 50105
 * passphrase, 50113 signature. Served: public/time, public/instruments (SPOT, SWAP), market/ticker(s),
 * market/candles and history-candles (1m, played bars only, newest first), public/funding-rate,
 * public/funding-rate-history (settled rates at or before now, newest first, fundingRate =
 * realizedRate; from `funding` FILE, else the fixed clock's), market/index-candles and
 * history-index-candles (instId the index id, BTC-USDT; from `index` FILE only, the minutes at or
 * before now, newest first, [ts, o, h, l, c, confirm] with o = h = l = c = the file's price),
 * public/mark-price, asset/currencies, account/config (uid, acctLv 2, posMode net_mode),
 * account/balance, account/positions (the sim's mark, cross liquidation price or "", lever,
 * mgnMode, upl, imr/mmr), account/bills and bills-archive (type 2 trades with subType 1/2 spot,
 * 3-6 open/close long/short; 8 funding, 173 expense / 174 income; 5 liquidation, 104 long / 105
 * short), account/leverage-info, account/set-leverage, trade/order (POST, GET by ordId or
 * clOrdId), trade/batch-orders (code 0 / 1 all failed / 2 some failed, each row its sCode),
 * trade/cancel-order, trade/amend-order (in place: same ordId, orders push with amendResult 0),
 * trade/orders-pending, orders-history (instType required), trade/fills, fills-history (instType
 * required), trade/cancel-all-after (timeOut 0 or 10-120 s, per tag; when it lapses every working
 * order with that tag, or every order for no tag, is canceled with cancelSource 20; triggerTime in ms).
 * sCodes: 51000 parameter (clOrdId not 1-32 letters/digits, tag not 1-16, tdMode, px off the tick),
 * 51001 instrument, 51016 clOrdId pending already, 51121 size off the lot, 51020 below minSz, 51008
 * funds (spot sells beyond the holding too), 51169 reduce-only with nothing to reduce, 51400/51401/51402
 * cancel, 51503/51509/51510/51500/51502 amend, 51603 no such order, 59000 leverage or margin mode
 * changed with a position or working order (the sim takes a position's terms when it opens).
 *
 * Websocket /ws/v5/public (tickers, mark-price; a tickers subscription gets the current ticker),
 * /private (login op: ts seconds + 'GET/users/self/verify', 60005/60006/60007/60024; orders,
 * positions, account (snapshot on subscribe), balance_and_position), /business (candle1m). Text
 * 'ping' -> 'pong'. 60011 private channel before login, 60018 unknown channel, 60008 public login.
 *
 * Admin (not signed), in-process as `fake.admin` (OkxAdmin) or over HTTP on the same port:
 *   POST /admin/advance {ms}            move the venue clock forward (plays bars, fires countdowns, funds)
 *   POST /admin/time-scale {scale}      venue ms per wall ms from now on (0 = clock stands still)
 *   POST /admin/bars {bars:[OkxBarIn]}  play bars now
 *   POST /admin/fund {instId?, rate?}   book funding now on open swap positions -> {billIds}
 *   POST /admin/faults {OkxFaultIn}     reject (N, rejectCode), partialFill N, dropPrivate, delayAcks
 *                                       {count, ms}, serverError N (503, 50013), rateLimit N (429, 50011),
 *                                       stall {path, count} (the next N requests to /api/v5/<path> unanswered)
 *   GET  /admin/state                   OkxStateDump
 * A bad body is 400 naming the field.
 *
 * Not modelled: market orders fill on the next bar (the sim's rule), not at once; a reduce-only
 * order with nothing left to reduce is canceled (cancelSource 22) when its price is reached, not at
 * once; one funding rate for every swap; a liquidation is a bill and a position change, not an order or fill; no order
 * books, trades channel, algo orders, hedge mode, isolated margin transfers, rate limits by count;
 * spot fees in the quote currency (OKX takes a spot buy's fee in the base currency).
 */
export { startOkxFake, DEFAULT_OKX_INSTRUMENTS } from './server.ts';
export type { OkxFake, OkxFakeOptions, OkxAdmin, OkxBarIn, OkxStateDump, OkxInstrumentSpec } from './types.ts';
export type { OkxFaultIn } from './faults.ts';
