/**
 * Bybit unified trading account (v5) through ccxt (ccxt.pro.bybit): spot (BTC/USDT) and USDT
 * linear perpetuals (BTC/USDT:USDT, Bybit symbol BTCUSDT in category linear), amounts in base
 * currency on both. What differs from OKX, as data:
 * - our client id travels as `orderLinkId` (up to 36 of letters, digits, - and _); found by the
 *   open orders, then the order history, of the symbol with {orderLinkId}: fetchOrder on a unified
 *   account sees only the newest 500 orders;
 * - the dead-man switch is Disconnection Protect (ccxt cancelAllOrdersAfter -> order/disconnected-
 *   cancel-all {product DERIVATIVES, timeWindow}): Bybit fires it only when the account has DCP
 *   enabled AND every private websocket subscribed to a dcp topic has been gone for the window, so
 *   the session keeps one subscribed (dcp-subscription.ts); ccxt hands back Bybit's raw answer,
 *   {retCode: 0, retMsg: 'success'}, and throws on any other retCode;
 * - the margin mode is the unified account's, account-wide (account/set-margin-mode), not per
 *   symbol or per order: no margin-mode param on orders, and `leverage.marginModeScope` says so;
 * - Bybit's own limit of 10 orders/s per UID (create, amend, cancel together) is below ccxt's pace;
 * - positions are asked one symbol at a time (ccxt's fetchPositions takes one symbol on Bybit);
 * - venue-booked cash comes from the transaction log: SETTLEMENT is funding, LIQUIDATION / ADL
 *   close a position at the venue's price; its rows name the symbol AND the category, as spot
 *   and linear share symbols (BTCUSDT);
 * - the balance's walletBalance is cash; `equity` adds the perpetuals' unrealized P&L.
 */
import type { CcxtProfile, MarketProfile } from './profiles.ts';
import { CLIENT_ID_RULES } from '../../orders/client-ids.ts';

const BYBIT_SPOT: MarketProfile = {
  orderTypes: ['market', 'limit'],
  timeInForce: ['gtc', 'ioc', 'fok'],
  // order/amend serves spot on a unified account.
  replace: true,
  // Reduce-only is a derivatives flag on Bybit: spot refuses it.
  reduceOnly: false,
  postOnly: true,
  shorting: false,
  marginModeParam: null,
};

const BYBIT_LINEAR: MarketProfile = {
  orderTypes: ['market', 'limit'],
  timeInForce: ['gtc', 'ioc', 'fok'],
  replace: true,
  // Native in one-way mode (positionIdx 0, parity's accounts).
  reduceOnly: true,
  postOnly: true,
  shorting: true,
  // The unified account's margin mode is account-wide: an order does not carry one.
  marginModeParam: null,
};

export const BYBIT_PROFILE: CcxtProfile = {
  name: 'bybit',
  ccxtId: 'bybit',
  markets: { spot: BYBIT_SPOT, swap: BYBIT_LINEAR },
  clientId: { param: 'clientOrderId', field: 'orderLinkId', rule: CLIENT_ID_RULES.bybit },
  // An execution row does not carry the order's cumulative filled quantity.
  cumQtyField: null,
  // ccxt reads execQty / execPrice falling back to orderQty / orderPrice when they are "".
  fillFields: { qty: 'execQty', price: 'execPrice' },
  // Spot's part-filled-then-cancelled status, which ccxt files as closed.
  canceledStatuses: { field: 'orderStatus', values: ['PartiallyFilledCanceled'] },
  // execFee is positive when paid (a maker rebate is negative).
  fee: { fields: ['execFee'], paidIsNegative: false },
  leverage: { setLeverage: true, setMarginMode: true, marginModeScope: 'account' },
  deadMan: {
    arm: { kind: 'cancelAllOrdersAfter' },
    // ccxt returns Bybit's answer as it came: {retCode: 0, retMsg: 'success'} (ccxt throws on any other retCode).
    answer: { kind: 'ok', path: 'retCode', value: 0 },
    // ccxt asks for product DERIVATIVES (the linear perpetuals); spot orders are not covered.
    markets: ['swap'],
    // Bybit's timeWindow: 3-300 s.
    minSec: 3, maxSec: 300,
    tag: null,
    costFactor: 1,
    needs: 'Disconnection Protect enabled for the account (Bybit enables it per UID on request) and a private websocket subscribed to dcp (the session keeps one)',
    // dcp.future covers DERIVATIVES, the product ccxt's cancelAllOrdersAfter arms.
    subscription: { topics: ['dcp.future'] },
    // Bybit refuses a timeWindow of 0: an orderly end unsubscribes from dcp instead.
    offBy: 'subscription',
  },
  ws: { watchOHLCV: true, watchTicker: true, watchOrders: true, watchMyTrades: true, watchPositions: true },
  // Bybit: 10 orders/s per UID across create / amend / cancel on the unified account, counted as they
  // arrive: ccxt's throttle and the network can bunch orders the window let go apart (a hostile Bybit
  // saw 13 creates in one second with a 1000 ms window), so the window keeps a fifth to spare.
  orderRate: { orders: 10, windowMs: 1200, perInstrument: false },
  bills: {
    // account/transaction-log types: SETTLEMENT funding, LIQUIDATION, ADL, FEE_REFUND; BONUS and
    // INTEREST move cash we did not cause (unlisted types moving cash are booked as 'other' anyway).
    types: { SETTLEMENT: 'funding', LIQUIDATION: 'liquidation', ADL: 'adl', FEE_REFUND: 'fee_rebate', BONUS: 'other', INTEREST: 'other' },
    subTypes: {},
    // A liquidation / ADL row's side is the side of the trade the venue made on our position.
    tradeSide: { Buy: 'buy', Sell: 'sell' },
    // change = the cash change; cashFlow = the trade's realized P&L (funding and fee apart).
    fields: {
      id: 'id', type: 'type', subType: 'side', cash: 'change', pnl: 'cashFlow', size: 'qty', price: 'tradePrice', ts: 'transactionTime', instrument: 'symbol',
      marketType: { field: 'category', values: { linear: 'swap', spot: 'spot' } },
    },
    pageLimit: 50,
    // One log for the unified account; ccxt sends since as startTime and follows Bybit's cursor.
    query: { scope: 'account', sinceParam: null, page: { kind: 'ccxt' } },
    lateMs: 3600_000,
    // Our trades book themselves as fills; transfers are not equity moves as a trade sees them.
    ours: ['TRADE', 'TRANSFER_IN', 'TRANSFER_OUT'],
  },
  duplicateClientIdCodes: ['110072'],
  ask: { trades: 'type', openOrders: 'type', balance: 'account', positions: 'symbol' },
  orderLookup: { kind: 'openThenClosed', param: 'orderLinkId' },
  orderEntry: 'ccxt',
  // user/query-api's userID is the UID the web UI shows.
  accountId: { kind: 'implicit', method: 'privateGetV5UserQueryApi', path: 'result.userID' },
  env: { apiKey: 'BYBIT_API_KEY', secret: 'BYBIT_SECRET', password: null, restUrl: 'BYBIT_BASE_URL', wsUrl: 'BYBIT_WS_URL' },
  endpoints: {
    venue: 'Bybit',
    // stream.bybit.com carries the live private socket as well as the public ones: live.
    live: ['api.bybit.com', 'stream.bybit.com', 'api.bytick.com', 'stream.bytick.com'],
    paper: ['api-demo.bybit.com', 'stream-demo.bybit.com', 'api-testnet.bybit.com', 'stream-testnet.bybit.com'],
  },
  paperBy: 'demoTrading',
  paperKeys: 'under Demo Trading on bybit.com',
  // Unified account declared (ccxt would otherwise ask user/query-api and account/info first),
  // spot and linear markets only.
  ccxtOptions: { enableUnifiedAccount: true, enableUnifiedMargin: false, fetchMarkets: { types: ['spot', 'linear'] } },
  // ccxt keeps spot / futures / private hosts and five websocket hosts under urls.api, with {hostname}.
  urlOverride: { kind: 'origins' },
  accountIdName: 'UID',
  // wallet-balance's UNIFIED row: coin[].walletBalance is cash, totalEquity adds the open P&L.
  balanceCash: { list: 'result.list.0.coin', currency: 'coin', cash: 'walletBalance', equity: 'result.list.0.totalEquity' },
  // Not verified against its fake for features' side inputs (test/venues/ccxt/okx-side-inputs.test.ts is the OKX check): the files serve them.
  sideInputs: { funding: false, index: false },
};
