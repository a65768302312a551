/**
 * Deribit through ccxt (ccxt.pro.deribit): USDC-margined linear perpetuals (BTC/USDC:USDC, Deribit
 * BTC_USDC-PERPETUAL), amounts in base currency although the market says contract_size 0.001
 * (amountsInBase). What differs from OKX, as data:
 * - orders go over parity's own JSON-RPC websocket (jsonrpc-connection.ts), not ccxt's REST: the
 *   dead-man switch is Deribit's enable_cancel_on_disconnect, which is websocket-only in connection
 *   scope and covers only the orders made on that connection; ccxt places orders over REST and its
 *   websocket client cannot send arbitrary JSON-RPC;
 * - our client id travels as `label` (up to 64), which ccxt does not map: found by
 *   private/get_order_state_by_label {label, currency};
 * - per-currency questions (open orders, trades, the account summary, the transaction log);
 * - positions are polled (ccxt.pro.deribit has no watchPositions); no leverage or margin-mode calls;
 * - funding is settled into cash at Deribit's settlements: transaction-log rows of type
 *   `settlement` whose `change` is the session's funding.
 */
import type { CcxtProfile, MarketProfile } from './profiles.ts';
import { CLIENT_ID_RULES } from '../../orders/client-ids.ts';

// Deribit's spot pairs (BTC_USDC) are not traded through parity: the issue asks for its perpetuals,
// and a spot pair would need its own balance model (Deribit keeps spot holdings as currencies of the
// same account). Declared empty so a spot symbol is refused at submit with this reason.
const DERIBIT_SPOT: MarketProfile = {
  orderTypes: [], timeInForce: [], replace: false, reduceOnly: false, postOnly: false, shorting: false, marginModeParam: null,
};

const DERIBIT_SWAP: MarketProfile = {
  orderTypes: ['market', 'limit'],
  timeInForce: ['gtc', 'ioc', 'fok'],
  replace: true,
  reduceOnly: true,
  postOnly: true,
  shorting: true,
  // Deribit has one cross margin per currency (or portfolio margin): no margin mode per order.
  marginModeParam: null,
};

export const DERIBIT_PROFILE: CcxtProfile = {
  name: 'deribit',
  ccxtId: 'deribit',
  markets: { spot: DERIBIT_SPOT, swap: DERIBIT_SWAP },
  clientId: { param: 'label', field: 'label', rule: CLIENT_ID_RULES.deribit },
  // A Deribit trade does not carry the order's cumulative filled amount.
  cumQtyField: null,
  // Trade `fee` is positive when paid (a maker rebate is negative).
  fee: { fields: ['fee'], paidIsNegative: false },
  leverage: { setLeverage: false, setMarginMode: false },
  deadMan: {
    arm: { kind: 'connection' }, answer: { kind: 'ok', path: 'result', value: 'ok' },
    markets: ['swap'],
    // No countdown: the venue cancels when the connection drops. The refresh re-arms it (a new
    // connection starts without it in connection scope).
    minSec: 1, maxSec: 3600,
    tag: null,
    costFactor: 1,
    needs: 'the order websocket (cancel-on-disconnect is set on the connection that places the orders)',
  },
  ws: { watchOHLCV: true, watchTicker: true, watchOrders: true, watchMyTrades: true, watchPositions: false },
  // Deribit's credit system refills about 20 non-matching requests/s; matching-engine requests
  // (buy, sell, edit, cancel) are held to about 5/s per account, and 10028 (too_many_requests)
  // ends the session: stay under it.
  orderRate: { orders: 5, windowMs: 1000, perInstrument: false },
  bills: {
    // Transaction-log types: `settlement` books the perpetual's session funding into cash (and a
    // future's session P&L); `delivery` is a future's expiry. Trades and transfers are ours.
    types: { settlement: 'funding', delivery: 'other' },
    subTypes: {},
    tradeSide: {},
    fields: { id: 'id', type: 'type', subType: 'sub_type', cash: 'change', pnl: 'session_rpl', size: 'position', price: 'mark_price', ts: 'timestamp', instrument: 'instrument_name' },
    // get_transaction_log takes up to 250 a page.
    pageLimit: 250,
    // ccxt's deribit has no fetchLedger: the transaction log itself, newest first, paged by `continuation`.
    query: {
      scope: 'currency', sinceParam: null, page: { kind: 'forward' },
      implicit: {
        method: 'privateGetGetTransactionLog', currencyParam: 'currency', startParam: 'start_timestamp', endParam: 'end_timestamp', countParam: 'count',
        rowsPath: 'result.logs', cursorPath: 'result.continuation', cursorParam: 'continuation',
      },
    },
    lateMs: 3600_000,
    ours: ['trade', 'transfer', 'deposit', 'withdrawal'],
  },
  duplicateClientIdCodes: [],
  // The balance once for the account (get_account_summaries: one row per currency, cash apart from P&L).
  ask: { trades: 'currency', openOrders: 'currency', balance: 'account', positions: 'symbols' },
  orderLookup: { kind: 'implicit', method: 'privateGetGetOrderStateByLabel', param: 'label', currencyParam: 'currency', resultPath: 'result' },
  orderEntry: 'connection',
  // get_account_summaries' `id` is the account's user id as the web UI shows it.
  accountId: { kind: 'implicit', method: 'privateGetGetAccountSummaries', path: 'result.id' },
  env: { apiKey: 'DERIBIT_API_KEY', secret: 'DERIBIT_SECRET', password: null, restUrl: 'DERIBIT_BASE_URL', wsUrl: 'DERIBIT_WS_URL' },
  endpoints: { venue: 'Deribit', live: ['www.deribit.com', 'deribit.com'], paper: ['test.deribit.com'] },
  paperBy: 'sandbox',
  paperKeys: 'on test.deribit.com',
  ccxtOptions: {},
  urlOverride: { kind: 'paths', rest: 'api.rest', ws: 'api.ws' },
  accountIdName: 'user id',
  // BTC_USDC-PERPETUAL: contract_size 0.001, yet order amounts, positions and trades are in BTC.
  amountsInBase: true,
  // get_account_summaries' summaries[]: `equity` (what ccxt calls total) counts open positions'
  // P&L; `balance` is cash.
  balanceCash: { list: 'summaries', currency: 'currency', cash: 'balance', equity: null },
  // Not verified against its fake for features' side inputs (test/venues/ccxt/okx-side-inputs.test.ts is the OKX check): the files serve them.
  sideInputs: { funding: false, index: false },
};
