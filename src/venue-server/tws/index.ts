/**
 * The TWS fake: the simulated venue's matching core behind the TWS API socket protocol on
 * 127.0.0.1, so the real @stoqey/ib SDK (1.6.10) trades against it with no account and no network.
 * `parity venue --protocol tws --port N` runs it as a process; tests and adapters start it in-process:
 *
 *   import { startTwsFake } from '../venue-server/tws/index.ts';
 *   const fake = await startTwsFake({ port: 0, data: ['data/sample/BTC-USD-1m.csv'], account: 'DU1234567' });
 *   const ib = new IBApi({ host: '127.0.0.1', port: fake.port });   // always pass host and port
 *   ib.connect(1);                                                   // a fixed client id
 *   fake.admin.pushBar({ symbol: 'AAPL', ts, open, high, low, close, volume }); // drive matching by hand
 *   fake.admin.inject({ connectivityLost: true });                   // faults (below)
 *   await fake.close();
 *
 * Options (TwsFakeOptions, all optional): port (0 = free), data (bar files replayed as the
 * market, as the Alpaca fake does; the clock starts at the first reqRealTimeBars or
 * admin.startReplay()), bars (the same in memory), symbols (tradable without data; bars pushed by
 * the admin add theirs), speed (60), account ("DU1234567", a paper account), cash (100000 USD),
 * accountType ("margin"), tz, startTime (venue time before any bar when nothing is replayed;
 * default now), clock ("machine": reqCurrentTime and the handshake's time are this machine's
 * clock; "venue": they are the venue time executions carry, i.e. the replay's data time while it
 * runs, else the last bar played, startTime, or just before the first bar), commission ({ perShare 0.005, min 1.00, maxPct 0.01 }: IBKR Pro fixed),
 * primaryExchanges ({ SYMBOL: "NYSE" }; default NASDAQ), adminPort (an HTTP admin on 127.0.0.1;
 * absent = none), log (one line per event worth knowing: connections, orders, refusals, faults).
 *
 * Protocol: handshake "API\0" + length + "v100..193" answered [193, "yyyyMMdd HH:mm:ss UTC"]; a
 * client range without 193 gets error 506 and a disconnect. START_API [71, 2, clientId, ""] is
 * answered managedAccounts [15, 1, account] and nextValidId [9, 1, id], id above every order id
 * ever placed on this fake (it persists nothing itself: a restarted fake starts from 1). A second
 * connection with a client id already connected gets 326 (id -1, so the SDK's `info`) and is
 * closed. Every layout is @stoqey/ib's decoder at server version 193 (wire.ts).
 *
 * Requests answered: placeOrder (MKT, LMT, STP, STP LMT; TIF DAY, GTC, IOC, OPG (OPG is worked as
 * DAY); orderRef carried to openOrder and execDetails; a placeOrder with a working id is a
 * modification: quantity and prices, same id; another side, type, TIF or contract is 105) ->
 * openOrder + orderStatus Submitted (a stop: PreSubmitted until its price is touched, then
 * Submitted), then per fill execDetails (reqId -1), orderStatus
 * (Submitted while partial, Filled), openOrder Filled, commissionReport. cancelOrder -> error 202
 * "Order Canceled - reason:" + orderStatus Cancelled; 10147 for an id this client never placed;
 * 10148 "... cannot be cancelled, state: Filled." (or Cancelled). An IOC or DAY order that expires
 * gets orderStatus Cancelled without a 202. Refusals: 200 unknown contract ("No security
 * definition"), 201 "Order rejected - reason: ..." (funds, TIF, missing price, account, what-if,
 * parent orders), 387 unsupported order type, 104 modify of a filled order, 103 an id that named an
 * order now cancelled. reqOpenOrders (this
 * client) / reqAllOpenOrders (all) -> openOrder + orderStatus per working order, openOrderEnd.
 * reqCompletedOrders(apiOnly) -> completedOrder per order that ended (Filled, Cancelled, Inactive),
 * every client's, with orderRef, status and filled quantity, then completedOrdersEnd.
 * reqExecutions(reqId, filter) -> every execution of this run matching the filter (clientId,
 * acctCode, time "yyyyMMdd HH:mm:ss[ zone]" against the executions' own venue times (data time
 * when replaying), symbol, secType, exchange, side), each followed by
 * its commissionReport, then execDetailsEnd. reqPositions -> position per open position,
 * positionEnd, then a position message after each fill until cancelPositions. reqAccountSummary
 * -> AccountType, NetLiquidation, TotalCashValue, SettledCash, AccruedCash, BuyingPower,
 * EquityWithLoanValue, GrossPositionValue, InitMarginReq, MaintMarginReq, AvailableFunds,
 * ExcessLiquidity, Cushion, Leverage (or "All"), accountSummaryEnd (cash net of commissions).
 * reqCurrentTime (this machine's clock, or venue time with clock: "venue"), reqIds, reqManagedAccts, reqContractDetails (STK on SMART
 * with primaryExch and USD; crypto pairs "BTC-USD" as CRYPTO on PAXOS; each symbol its own stable
 * conId) + contractDetailsEnd, reqRealTimeBars -> 5-second realtimeBars as TWS sends them, twelve
 * per one-minute data bar played, which fold back into that bar exactly (rt-bars.ts), reqHistoricalData
 * (bars already played only, never the future; sizes of whole minutes, hours or days aggregated
 * from the one-minute data in UTC buckets; formatDate 1 "yyyyMMdd HH:mm:ss UTC" (daily
 * "yyyyMMdd"), 2 epoch seconds; useRTH keeps regular US equity hours; keepUpToDate is 162),
 * reqGlobalCancel, reqAutoOpenOrders / reqMarketDataType (accepted, no effect). Strict: a
 * malformed request (a field missing, extra or of the wrong shape) is error 320 naming the field;
 * an unknown message id, reqMktData (use real-time bars) or a request before START_API is 321;
 * each refusal is also a log line.
 *
 * Faults (admin.inject(body), POST /faults on the admin port with the same JSON, or a script file
 * given to `parity venue --protocol tws --faults FILE`: one body or an array of bodies with
 * `afterMs`): see faults.ts. `drop` (all, or { clientId }) cuts sockets; `refuseConnectionsMs`
 * closes new connections at once for that long (TWS down); `connectivityLost` sends
 * 1100 and goes quiet while orders keep working and filling (fills then only via reqExecutions)
 * until `restore: 1101 | 1102` (1101 also ends real-time bar subscriptions);
 * `holdExecDetails: N` delivers the next N fills' execDetails (and their commission reports) only
 * after the client reconnects; `lateCommission: { count, after: "delay" | "reconnect", delayMs }`;
 * `unsolicited202: { clientId, orderId, cancel }` (the venue cancels, or only a stray 202);
 * `fillOnCancel: N` makes the next N cancels lose the race with a fill (10148 state: Filled);
 * `partialFill: N` fills the next N orders in two parts on two bars; `reject: N` accepts the next N
 * orders, then rejects them (201 and orderStatus Inactive).
 * Admin HTTP also has GET /stats and POST /bars {"bars": [{symbol, ts, open, high, low, close, volume}]}.
 */
export { startTwsFake, type TwsFake, type TwsFakeOptions, type TwsAdmin, type TwsStats, type TwsBarIn } from './server.ts';
export { loadFaultScript, parseFaults, type FaultBodyIn, type FaultBodyT } from './faults.ts';
export { IBKR_PRO_FIXED, type CommissionSchedule } from './book.ts';
export { SERVER_VERSION } from './codec.ts';
