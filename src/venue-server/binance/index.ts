/**
 * The Binance fake: the simulated venue's matching core (two OKX books: Binance keeps a spot wallet
 * and a USD-M wallet apart) behind Binance's spot REST (/api/v3), USD-M REST (/fapi/v1, v2, v3) and
 * websockets on 127.0.0.1, so the real ccxt 4.5 (`ccxt.pro.binance`) trades against it. Every URL
 * ccxt has is rewritten to `${fake}/${its host}${its path}` (rewriteOrigins, the profile's
 * urlOverride 'origins'): the fake routes by the host segment (hosts.ts), live hosts and demo hosts
 * (ccxt's urls.demo, enableDemoTrading) apart.
 *
 *   const fake = await startBinanceFake({ port: 0, startTime: T0, speed: 0 });
 *   const ex = new ccxt.pro.binance({ apiKey: fake.credentials.apiKey, secret: fake.credentials.secret,
 *     options: { fetchMarkets: { types: ['spot', 'linear'] }, fetchMargins: false, fetchCurrencies: false } });
 *   ex.enableDemoTrading(true);                // a demo account (default) answers on the demo hosts only
 *   ex.urls.api = rewriteOrigins(ex.urls.api, fake.restUrl, fake.wsUrl);
 *   await ex.loadHttpProxyAgent();             // before the first watch*: ccxt refuses ws:// otherwise
 *   fake.admin.pushBar({ instId: 'BTCUSDT', open, high, low, close });   // USD-M; 'BTCUSDT@spot' for spot
 *   await closeExchange(ex); await fake.close();
 *
 * Defaults: spot BTCUSDT (tick 0.01, step 0.00001, min notional 5), ETHUSDT; USD-M perpetuals
 * BTCUSDT (tick 0.1, step 0.001, min notional 100), ETHUSDT (tick 0.01, step 0.001, min notional
 * 20); 100,000 USDT in each wallet; USD-M at 3x cross; fees maker 2 / taker 5 bps in USDT; funding
 * 0.0001 every 8 h (venue clock); credentials parity-binance-key / parity-binance-secret; uid
 * 100000001; a demo account. Clock and replay as the OKX fake (okx/index.ts).
 *
 * Signing (signing.ts): X-MBX-APIKEY (-2014 missing, -2015 unknown or the other side's host),
 * timestamp within recvWindow (-1021), hex HMAC-SHA256 `signature` over query + body (-1022).
 * Codes (codes.ts): -1121 symbol, -1013 / -1111 / -4014 filters, -4164 min notional (USD-M), -2010
 * spot insufficient or duplicate client id, -2019 margin, -2022 reduce-only rejected, -4015 / -1100
 * client id not ^[.A-Z:/a-z0-9_-]{1,36}$, -4116 client id duplicated among open orders (USD-M),
 * -2011 cancel unknown, -2013 no such order, -5027 nothing to modify, -4046 / -4048 margin type.
 *
 * REST served. Spot: time, ping, exchangeInfo, ticker/24hr, klines (1m, played bars), order
 * POST/GET/DELETE, openOrders, allOrders, myTrades (symbol required), account (uid, balances
 * free/locked), userDataStream. USD-M: time, ping, exchangeInfo, klines, premiumIndex (mark and
 * funding), fundingRate, ticker/24hr, order POST/GET/DELETE/PUT (modify in place, same orderId),
 * openOrders, allOrders, userTrades, income (FUNDING_FEE, REALIZED_PNL, COMMISSION,
 * INSURANCE_CLEAR; oldest first), v2/v3 positionRisk, account (walletBalance = cash, marginBalance
 * = wallet + unrealized), balance, leverage, marginType, leverageBracket, positionSide/dual,
 * listenKey, countdownCancelAll {symbol, countdownTime ms} -> {symbol, countdownTime} (0 = off;
 * when it lapses every working order of that symbol is canceled).
 *
 * Websockets (streams.ts): market streams (kline_1m, ticker, markPrice), USD-M user data by listen
 * key (ORDER_TRADE_UPDATE, ACCOUNT_UPDATE), spot user data over the WS-API
 * (userDataStream.subscribe.signature: executionReport, outboundAccountPosition).
 *
 * Admin: as the OKX fake's (now, advance, setTimeScale, pushBar, fundNow, inject, state), in-process
 * as `fake.admin` or under /admin on the same port (POST advance, time-scale, bars, fund, faults;
 * GET state). Faults (faults.ts): reject N with a Binance code, partialFill N, dropPrivate,
 * delayAcks, serverError N (503 -1001), rateLimit N (429 -1003).
 *
 * Not modelled: market orders fill on the next bar; hedge mode; order books and trades streams;
 * algo / stop orders; spot fees are charged in the quote currency (Binance takes a buy's in the
 * base asset); ADL (the sim makes none).
 *
 * Liquidation (forced.ts): when the sim liquidates a USD-M position (a bar through its liquidation
 * price: pushBar is the admin way to force one), Binance's forced order appears: client id
 * `autoclose-<n>`, type LIQUIDATION, reduce-only, FILLED at the liquidation price, in allOrders and
 * by orderId; its trade in userTrades (taker, commission 5 bps, realizedPnl); ORDER_TRADE_UPDATE
 * x NEW then x CALCULATED (the liquidation execution) before the ACCOUNT_UPDATE; income REALIZED_PNL
 * and COMMISSION with the trade id in tradeId, and INSURANCE_CLEAR, the clearance fee (0.5% of the
 * notional closed, exchangeInfo's liquidationFee). Forced orders take ids of their own ranges
 * (orderId 799..., trade id 990...), so fromId paging does not order them among our trades.
 */
export { startBinanceFake, DEFAULT_BINANCE_INSTRUMENTS, BINANCE_CLIENT_ID } from './server.ts';
export type { BinanceFake, BinanceFakeOptions, BinanceAdmin, BinanceBarIn, BinanceStateDump, BinanceInstrumentSpec } from './types.ts';
export type { BinanceFaultIn } from './faults.ts';
