/**
 * Binance spot and USD-M futures through ccxt's one class (ccxt.pro.binance: spot BTC/USDT on
 * api.binance.com, USDT-margined perpetuals BTC/USDT:USDT on fapi.binance.com, both spelled BTCUSDT
 * at the venue), amounts in base units on both. What differs from OKX, as data:
 * - two wallets (spot and USD-M), asked one market type at a time (balance, and the margin ones'
 *   walletBalance is cash, marginBalance adds the open P&L);
 * - our client id travels as newClientOrderId (^[.A-Z:/a-z0-9_-]{1,36}$), comes back as
 *   clientOrderId (REST) / c (streams; ccxt's clientOrderId); REST trades carry only the order id
 *   (the adapter maps them by the orders it routed); fetchOrder takes {clientOrderId}
 *   (origClientOrderId) and a symbol;
 * - trades and open orders are asked per symbol (fetchMyTrades needs one; open orders without one
 *   cost 40 weight and ccxt warns);
 * - the dead-man switch is USD-M's countdownCancelAll, per symbol (ccxt's implicit
 *   fapiPrivatePostCountdownCancelAll {symbol, countdownTime ms}), which answers the countdown
 *   back; spot has none (the status bar says so);
 * - ccxt's defaultType 'swap' (not the legacy 'future', which makes 'BTC/USDT' resolve to the
 *   perpetual); orders and trades are watched per market type (spot over the WS-API's
 *   userDataStream.subscribe.signature, USD-M over a listen key), positions on USD-M;
 * - venue-booked cash is the USD-M income history (fetchLedger): FUNDING_FEE; INSURANCE_CLEAR is
 *   a liquidation's clearance fee; REALIZED_PNL and COMMISSION are our trades' (their fills book
 *   them) or a forced order's (venueTrades: a liquidation / ADL is the venue's order on our
 *   account, client id autoclose-... / adl_autoclose, whose trade is one account entry).
 */
import type { CcxtProfile, MarketProfile } from './profiles.ts';
import { CLIENT_ID_RULES } from '../../orders/client-ids.ts';

const BINANCE_SPOT: MarketProfile = {
  orderTypes: ['market', 'limit'],
  timeInForce: ['gtc', 'ioc', 'fok'],
  // Spot has order/cancelReplace (a new order id), not an amendment in place: ccxt's editOrder on spot cancels and replaces.
  replace: 'emulated',
  // Spot knows no reduce-only (-1104 for the extra parameter).
  reduceOnly: false,
  postOnly: true,
  shorting: false,
  marginModeParam: null,
};

const BINANCE_USDM: MarketProfile = {
  orderTypes: ['market', 'limit'],
  timeInForce: ['gtc', 'ioc', 'fok'],
  // PUT /fapi/v1/order modifies in place (same orderId).
  replace: true,
  // Native in one-way mode (parity's accounts); hedge mode refuses it.
  reduceOnly: true,
  postOnly: true,
  shorting: true,
  // The margin type is set per symbol (POST /fapi/v1/marginType), not sent with each order.
  marginModeParam: null,
};

export const BINANCE_PROFILE: CcxtProfile = {
  name: 'binance',
  ccxtId: 'binance',
  markets: { spot: BINANCE_SPOT, swap: BINANCE_USDM },
  clientId: { param: 'clientOrderId', field: 'clientOrderId', rule: CLIENT_ID_RULES.binance },
  // ORDER_TRADE_UPDATE's z: the order's cumulative filled quantity after this trade (REST trades have none).
  cumQtyField: 'z',
  // Streams: n (this trade's commission); REST trades: commission. Positive when paid.
  fee: { fields: ['n', 'commission'], paidIsNegative: false },
  leverage: { setLeverage: true, setMarginMode: true, marginModeScope: 'symbol' },
  deadMan: {
    arm: { kind: 'implicit', method: 'fapiPrivatePostCountdownCancelAll', symbolParam: 'symbol', msParam: 'countdownTime' },
    // {symbol, countdownTime: "120000"}: the countdown echoed in ms, "0" = off.
    answer: { kind: 'echo', path: 'countdownTime' },
    markets: ['swap'],
    // Binance states no range; a countdown shorter than two refreshes would fire on one slow answer.
    minSec: 10, maxSec: 600,
    tag: null,
    // Weight 10 per call.
    costFactor: 10,
  },
  // Spot's user data (the WS-API) and USD-M's (a listen key) are two streams: watched per market type.
  ws: { watchOHLCV: true, watchTicker: true, watchOrders: true, watchMyTrades: true, watchPositions: true, perType: true },
  // The stricter of the two: spot 50 orders / 10 s per account (USD-M allows 300 / 10 s, 1200 / min).
  orderRate: { orders: 50, windowMs: 10_000, perInstrument: false },
  bills: {
    // USD-M income types the venue books on its own: funding, a liquidation's clearance fee
    // (INSURANCE_CLEAR: cash we did not cause, apart from the forced trade's own commission), and
    // the rest that moves cash we did not trade for.
    types: { FUNDING_FEE: 'funding', INSURANCE_CLEAR: 'fee', REFERRAL_KICKBACK: 'fee_rebate', COMMISSION_REBATE: 'fee_rebate', WELCOME_BONUS: 'other', API_REBATE: 'fee_rebate' },
    subTypes: {},
    tradeSide: {},
    // Income rows: tranId, incomeType, income (the cash change), time, symbol. No position size or price.
    fields: {
      id: 'tranId', type: 'incomeType', subType: 'info', cash: 'income', pnl: 'income_pnl', size: 'size', price: 'price', ts: 'time', instrument: 'symbol',
      // Every income row is the USD-M wallet's (spot and USD-M share the symbol BTCUSDT): the asset names it.
      marketType: { field: 'asset', values: { USDT: 'swap', USDC: 'swap' } },
    },
    pageLimit: 1000,
    // One income history for the USD-M account (defaultType swap), oldest first from startTime (ccxt's since).
    query: { scope: 'account', sinceParam: null, page: { kind: 'forward' } },
    lateMs: 3600_000,
    // Our trades' realized P&L and commission book themselves as fills, a forced order's as its
    // venueTrades entry (the rows carry its trade id in tradeId); transfers move cash between wallets.
    ours: ['REALIZED_PNL', 'COMMISSION', 'TRANSFER', 'INTERNAL_TRANSFER'],
  },
  // USD-M -4116 "ClientOrderId is duplicated" (ccxt: InvalidOrder). Spot says -2010 "Duplicate
  // order sent.", a code it shares with insufficient balance: not listed.
  duplicateClientIdCodes: ['-4116'],
  ask: { trades: 'symbol', openOrders: 'symbol', balance: 'type', positions: 'symbols' },
  orderLookup: { kind: 'fetchOrder', param: 'clientOrderId' },
  orderEntry: 'ccxt',
  // GET /api/v3/account's uid: the account's UID as Binance shows it.
  accountId: { kind: 'implicit', method: 'privateGetAccount', path: 'uid' },
  env: { apiKey: 'BINANCE_API_KEY', secret: 'BINANCE_SECRET', password: null, restUrl: 'BINANCE_BASE_URL', wsUrl: 'BINANCE_WS_URL' },
  endpoints: {
    venue: 'Binance',
    live: ['api.binance.com', 'fapi.binance.com', 'stream.binance.com', 'fstream.binance.com', 'ws-api.binance.com', 'ws-fapi.binance.com'],
    // ccxt's urls.demo (enableDemoTrading): Binance's demo trading for spot and USD-M.
    paper: ['demo-api.binance.com', 'demo-fapi.binance.com', 'demo-stream.binance.com', 'demo-ws-api.binance.com', 'fstream.binancefuture.com', 'testnet.binancefuture.com'],
  },
  paperBy: 'demoTrading',
  paperKeys: 'on demo.binance.com (Demo Trading)',
  ccxtOptions: { defaultType: 'swap', fetchMarkets: { types: ['spot', 'linear'] }, fetchMargins: false, fetchCurrencies: false },
  // USD-M ORDER_TRADE_UPDATE's c: "starts with autoclose-: liquidation order", "adl_autoclose: ADL
  // auto close order" (Binance's user data stream docs): the venue's orders on our account.
  venueTrades: [{ prefix: 'autoclose-', kind: 'liquidation' }, { prefix: 'adl_autoclose', kind: 'adl' }],
  // ccxt keeps ~40 hosts under urls.api (spot, sapi, fapi, dapi, papi, five websocket families).
  urlOverride: { kind: 'origins' },
  accountIdName: 'UID',
  // USD-M account: assets[].walletBalance is cash, totalMarginBalance adds the open P&L. Spot's
  // answer (balances[] free / locked) has no P&L: ccxt's total is cash there.
  balanceCash: { list: 'assets', currency: 'asset', cash: 'walletBalance', equity: 'totalMarginBalance', types: ['swap'] },
  // Not verified against its fake for features' side inputs (test/venues/ccxt/okx-side-inputs.test.ts is the OKX check): the files serve them.
  sideInputs: { funding: false, index: false },
};
