/**
 * The Bybit fake: the simulated venue's matching core (the OKX fake's OkxBook over SimVenue) behind
 * Bybit's v5 REST and websocket protocol on 127.0.0.1, so the real ccxt 4.5 (`ccxt.pro.bybit`)
 * trades a unified account (spot and USDT linear perpetuals) against it with no account and no
 * network. `parity venue --protocol bybit --port N` runs it as a process; tests start it in-process:
 *
 *   import { startBybitFake } from '../venue-server/bybit/index.ts';
 *   const fake = await startBybitFake({ port: 0, startTime: T0, speed: 0 });
 *   // ccxt as a session builds it: demo trading, then every URL under urls.api rewritten by origin
 *   const ex = await createExchange(BYBIT_PROFILE, { apiKey: fake.credentials.apiKey, secret: fake.credentials.secret,
 *     password: null, live: false, restUrl: fake.restUrl, wsUrl: fake.wsUrl });
 *   fake.admin.pushBar({ instId: 'BTCUSDT', open, high, low, close });   // both BTCUSDT's (or 'linear:BTCUSDT')
 *   fake.admin.advance(30_000);               // venue clock: funding times, DCP windows, replay
 *   await fake.close();
 *
 * Routing: ccxt's URLs arrive as `/<host>/v5/<path>` (the 'origins' override keeps the host as the
 * first segment: api-demo.bybit.com for demo trading, api.bybit.com live; ccxt fills {hostname});
 * a bare `/v5/<path>` is served too. A demo account's key (the default) works on the demo hosts
 * only and a live account's on the live ones (10003 otherwise), as Bybit keeps keys per environment.
 *
 * Defaults: spot BTCUSDT (tick 0.1, step 0.000001) and ETHUSDT, linear BTCUSDT (tick 0.1, step
 * 0.001, min 0.001) and ETHUSDT, quantities in base units; 100,000 USDT; perpetuals at 3x cross;
 * fees maker 2 / taker 5 bps charged in USDT; funding 0.0001 every 8 h (multiples from the epoch,
 * venue clock); credentials parity-bybit-key / parity-bybit-secret; UID 50000001; DCP enabled.
 *
 * REST ({retCode, retMsg, result, retExtInfo, time}); private calls signed: X-BAPI-API-KEY,
 * -TIMESTAMP, -RECV-WINDOW, -SIGN = hex HMAC-SHA256(ts + key + recvWindow + (query | body)).
 * Refusals: 10003 key (or a key of the other environment), 10002 timestamp outside the recv window,
 * 10004 signature, 10001 parameters (zod: the field named), 110072 duplicate orderLinkId (among
 * working orders), 10001 an orderLinkId not 1-36 of letters, digits, - and _, 110007 (spot 170131)
 * funds, 110017 reduce-only with nothing to reduce, 110001 (spot 170213) no such order, 110043
 * leverage not modified; codes.ts translates the book's refusals. Served: market/time,
 * instruments-info (spot, linear; none PreLaunch), tickers (a spot ticker has usdIndexPrice and no
 * openInterestValue: ccxt infers the type from that), kline (interval 1, played bars, newest
 * first), funding/history; order/create (Market / Limit, GTC IOC FOK PostOnly, orderLinkId,
 * reduceOnly, spot marketUnit), order/amend (in place), order/cancel, order/realtime (working
 * orders), order/history (finished; orderStatus filter), execution/list, position/list (by symbol
 * with the flat row, by settleCoin open ones), position/set-leverage, account/set-margin-mode
 * (account-wide), account/wallet-balance (UNIFIED: coin[].walletBalance is cash, equity and
 * totalEquity add the open P&L; spot coins as coins), account/info (unifiedMarginStatus 5, dcpStatus),
 * account/transaction-log (TRADE, SETTLEMENT = funding, LIQUIDATION; change = the cash change,
 * cashFlow = realized P&L, fee and funding positive when paid; category and symbol; cursor paging),
 * user/query-api (userID), asset/coin/query-info, order/disconnected-cancel-all {product, timeWindow 3-300},
 * account/query-dcp-info.
 *
 * Disconnection Protect (DCP): per product (DERIVATIVES = linear, SPOT, OPTIONS) a window (10 s
 * until set). It fires only when the account has DCP enabled (option `dcpEnabled`; when not,
 * disconnected-cancel-all answers 10001 and ccxt throws) and a private websocket had subscribed to
 * the product's topic (dcp.future / dcp.spot / dcp.option, or dcp for all) and every such socket has been gone for
 * the window, on the real-time clock admin.advance moves; then every working order of the product
 * is canceled (cancelType CancelByDCP). A socket back within the window stops it; an unsubscribe
 * of the last one is taken as an orderly end and never fires (Bybit's docs do not say).
 *
 * Websockets /<host>/v5/public/linear and /public/spot (tickers.SYMBOL: a snapshot on subscribe and
 * per bar; kline.1.SYMBOL), /<host>/v5/private (stream-demo.* for a demo account; op auth with
 * [key, expires ms, hex HMAC('GET/realtime' + expires)]; order, execution, position, wallet, their
 * .linear / .spot forms, dcp.*). Answers {success, ret_msg, conn_id, req_id, op}; ping -> pong.
 *
 * Admin (not signed), in-process as `fake.admin` (BybitAdmin) or over HTTP on the same port:
 *   POST /admin/advance {ms} · /admin/time-scale {scale} · /admin/bars {bars:[BybitBarIn]} ·
 *   /admin/fund {instId? (symbol), rate?} -> {transactionIds} · /admin/faults {OkxFaultIn: reject N
 *   (rejectCode a Bybit retCode, default 110007), partialFill N, dropPrivate, delayAcks, serverError N
 *   (10016), rateLimit N (10006)} · GET /admin/state (BybitStateDump).
 *
 * Not modelled: market orders fill on the next bar (the sim's rule); hedge mode, isolated margin
 * per symbol, options, inverse, conditional / TP-SL orders, the order websocket (order.create),
 * order books and public trades; spot TRADE rows only in USDT (Bybit writes one per coin); fees
 * in USDT on spot buys (Bybit takes a spot buy's fee in the base coin); rate limits by count.
 */
export { startBybitFake, DEFAULT_BYBIT_INSTRUMENTS, ORDER_LINK_ID } from './server.ts';
export type { BybitFake, BybitFakeOptions, BybitAdmin, BybitBarIn, BybitStateDump, BybitInstrumentSpec, BybitCategory } from './types.ts';
