/**
 * What a venue behind ccxt can do, declared as data (ccxt's `has` is tri-state and differs per
 * market type, so the profile is too). The adapter (execution.ts, feed.ts, dead-man.ts) reads these
 * tables and never asks for a venue's name: a new ccxt venue is a new profile, not a new branch.
 * Issue 14 adds binance / bybit / deribit as more entries of CCXT_PROFILES.
 */
import type { AccountEntryKind, VenueCapabilities } from '../../ports/index.ts';
import type { OrderRequest } from '../../domain/order.ts';
import type { EndpointSet } from '../endpoint-guard.ts';
import { CLIENT_ID_RULES, type ClientIdRule } from '../../orders/client-ids.ts';
import { DERIBIT_PROFILE } from './profile-deribit.ts';
import { BYBIT_PROFILE } from './profile-bybit.ts';
import { BINANCE_PROFILE } from './profile-binance.ts';

/** ccxt's `has` value: supported natively, not at all, or emulated by ccxt on the client side. */
export type Has = true | false | 'emulated';

/** The market types parity trades through ccxt: spot and perpetual swaps. */
export type MarketType = 'spot' | 'swap';

export interface MarketProfile {
  readonly orderTypes: readonly OrderRequest['type'][];
  readonly timeInForce: readonly NonNullable<OrderRequest['tif']>[];
  /** In-place amendment of a working order (ccxt editOrder). */
  readonly replace: Has;
  /** A reduce-only flag the venue enforces. 'emulated' = ccxt drops it (hedge mode): we refuse instead. */
  readonly reduceOnly: Has;
  readonly postOnly: Has;
  /** Selling what the account does not hold (spot: no; a swap: yes). */
  readonly shorting: boolean;
  /** The venue wants the margin mode on every order in this ccxt param (OKX tdMode); null = none. */
  readonly marginModeParam: string | null;
}

/**
 * How the venue's answer to an arming call says the countdown runs: `triggerTime` (OKX
 * data[0].triggerTime, epoch ms, "0" = off), `echo` (Binance countdownTime: the countdown echoed, ms,
 * "0" = off), `ok` (a field equal to a value: Bybit retCode 0, Deribit result "ok").
 */
export type DeadManAnswer =
  | { readonly kind: 'triggerTime'; readonly path: string }
  | { readonly kind: 'echo'; readonly path: string }
  | { readonly kind: 'ok'; readonly path: string; readonly value: string | number };

/**
 * How the switch is armed:
 * - `cancelAllOrdersAfter`: ccxt's unified call (ms); scope by `tag` when the profile has one, else account-wide;
 * - `implicit`: one venue call per traded symbol of the covered market types (Binance USD-M
 *   countdownCancelAll: ccxt's implicit method, params {symbolParam: venue id, msParam: ms});
 * - `connection`: set on the connection that places our orders, which the venue watches (Deribit
 *   enable_cancel_on_disconnect): no countdown, it fires when that connection drops.
 */
export type DeadManArm =
  | { readonly kind: 'cancelAllOrdersAfter' }
  | { readonly kind: 'implicit'; readonly method: string; readonly symbolParam: string; readonly msParam: string }
  | { readonly kind: 'connection' };

export interface DeadManProfile {
  readonly arm: DeadManArm;
  readonly answer: DeadManAnswer;
  /** The market types it covers (Binance: USD-M only; spot has none and the status bar says so). */
  readonly markets: readonly MarketType[];
  readonly minSec: number;
  readonly maxSec: number;
  /** The order field that scopes the switch to our orders (OKX tag), with its rule; null = account-wide (or per symbol / connection). */
  readonly tag: { readonly param: string; readonly rule: ClientIdRule } | null;
  /** How many plain requests one call costs in ccxt's throttle (so it gets its own ccxt instance). */
  readonly costFactor: number;
  /** What the venue needs besides the call, said when arming fails (Bybit: DCP enabled for the account, a private websocket subscribed to dcp). */
  readonly needs?: string;
  /**
   * Websocket topics the venue needs a private socket of the session subscribed to for the switch
   * to fire (Bybit Disconnection Protect: dcp.future), which ccxt never subscribes itself: kept by
   * dcp-subscription.ts on the order instance's private socket.
   */
  readonly subscription?: { readonly topics: readonly string[] };
  /**
   * How an orderly shutdown turns it off: the arming call with 0 (default: OKX timeOut 0, Binance
   * countdownTime 0, Deribit disable), or by stopping the subscription (Bybit: a timeWindow of 0 is
   * refused; without a dcp subscription the venue has nothing to watch).
   */
  readonly offBy?: 'call' | 'subscription';
}

/**
 * Finding an order by our client id:
 * - `fetchOrder`: ccxt fetchOrder(undefined, symbol, {[param]: id}) (OKX clOrdId, Binance origClientOrderId);
 * - `openThenClosed`: fetchOpenOrders, then fetchClosedOrders, then fetchCanceledOrders of the symbol with
 *   {[param]: id} (Bybit orderLinkId: fetchOrder there sees only the newest 500);
 * - `implicit`: a venue call ccxt does not unify (Deribit get_order_state_by_label {label, currency}),
 *   its orders at `resultPath` parsed by ccxt's parseOrder; the newest one with our id is the order.
 */
export type OrderLookup =
  | { readonly kind: 'fetchOrder'; readonly param: string }
  | { readonly kind: 'openThenClosed'; readonly param: string }
  | { readonly kind: 'implicit'; readonly method: string; readonly param: string; readonly currencyParam: string | null; readonly resultPath: string };

/** How a per-account question is asked: once, once per market type ({type}), per symbol, or per settle currency. */
export type AskScope = 'account' | 'type' | 'symbol' | 'currency';

/** Which watch* the venue's ccxt.pro class has: the rest is polled over REST. */
export interface WsProfile {
  readonly watchOHLCV: Has;
  readonly watchTicker: Has;
  readonly watchOrders: Has;
  readonly watchMyTrades: Has;
  readonly watchPositions: Has;
  /**
   * ccxt's watchOrders / watchMyTrades without a symbol cover one market type (its defaultType):
   * watch once per traded market type, with {type} (Binance: spot's WS-API apart from USD-M's listen key).
   */
  readonly perType?: boolean;
}

/**
 * How the venue's ledger (ccxt fetchLedger, whose `info` is the venue's bill) names what the venue
 * booked on its own. `types` keys the venue's bill type (OKX `type`), `subTypes` refines it (a rebate
 * is a sub type of a trade bill); a bill of a type not listed here is ours (a trade, a transfer) and
 * is not an account entry.
 */
export interface BillsProfile {
  readonly types: Readonly<Record<string, AccountEntryKind>>;
  readonly subTypes: Readonly<Record<string, AccountEntryKind>>;
  /** The side of the trade a liquidation / ADL bill made on our position, by sub type. */
  readonly tradeSide: Readonly<Record<string, 'buy' | 'sell'>>;
  /** The bill's fields in `info`: id, type, sub type, cash change, position P&L in it, size and price. */
  readonly fields: {
    readonly id: string; readonly type: string; readonly subType: string; readonly cash: string;
    readonly pnl: string; readonly size: string; readonly price: string; readonly ts: string; readonly instrument: string;
    /** The bill's field that says its instrument's market type, and its values (Bybit `category`: spot and linear share the symbol BTCUSDT). */
    readonly marketType?: { readonly field: string; readonly values: Readonly<Record<string, MarketType>> };
  };
  /** fetchLedger's page size limit (OKX: 100). */
  readonly pageLimit: number;
  /**
   * How the ledger is asked: per market type (OKX instType), once for the account (Bybit unified),
   * or per settle currency (Deribit: fetchLedger's code); `sinceParam` is the venue's own start
   * field besides ccxt's since (OKX begin), null for none. Paging: `olderThanId` (newest first, the
   * next page older than the oldest id: OKX after), `forward` (oldest first: ask again from just
   * after the newest, Binance income), `ccxt` (ccxt's own paginate: true, Bybit's cursor).
   */
  readonly query: {
    readonly scope: AskScope;
    readonly sinceParam: string | null;
    readonly page: { readonly kind: 'olderThanId'; readonly param: string } | { readonly kind: 'forward' } | { readonly kind: 'ccxt' };
    /**
     * A venue call in place of ccxt's fetchLedger, where ccxt has none (Deribit
     * private/get_transaction_log): asked with the settle currency, the start and end times and a
     * page size; its rows at `rowsPath` (read with `fields`), the next page's cursor at
     * `cursorPath` (null: the last page), sent back as `cursorParam`. `page` is then unused.
     */
    readonly implicit?: {
      readonly method: string; readonly currencyParam: string; readonly startParam: string; readonly endParam: string; readonly countParam: string;
      readonly rowsPath: string; readonly cursorPath: string; readonly cursorParam: string;
    };
  };
  /**
   * How far before the newest bill booked a pull looks again: the venue may post a bill after a
   * later one, dated earlier (OKX dates funding at the funding time). Repeats are dropped by bill id.
   */
  readonly lateMs: number;
  /**
   * Bill types that are ours and already booked elsewhere (OKX 2: the trade bill of an order, whose
   * fill books it; 1 transfers move cash between accounts, not in or out of equity as a trade sees it).
   * A bill of a type in neither list nor `types` moves cash we did not cause: it is booked as 'other'.
   */
  readonly ours: readonly string[];
}

/**
 * Where a strategy's side inputs (src/features: the funding rate and the index price at each bar)
 * come from on this venue, by ccxt's unified call: `fetchFundingRateHistory` (settled rates, each in
 * force from its funding time), `fetchIndexOHLCV` (one-minute index candles, the close read); false
 * where the venue (or its fake) is not verified to serve them: the run then needs the files.
 */
export interface SideInputsProfile {
  readonly funding: 'fetchFundingRateHistory' | false;
  readonly index: 'fetchIndexOHLCV' | false;
}

export interface CcxtProfile {
  /** parity's venue name (journal, store folder, status bar). */
  readonly name: string;
  /** The ccxt class (ccxt.pro[ccxtId]). */
  readonly ccxtId: string;
  readonly markets: Readonly<Record<MarketType, MarketProfile>>;
  /** ccxt param our id travels in, the venue's field that carries it back in `info`, and its rule. */
  readonly clientId: { readonly param: string; readonly field: string; readonly rule: ClientIdRule };
  /** The field of a trade's `info` with the order's cumulative filled size after it (null: none). */
  readonly cumQtyField: string | null;
  /**
   * The fields of a trade's `info` that carry this fill's own size and price, where ccxt falls back
   * to the ORDER's when they are empty (Bybit execQty / execPrice "" -> orderQty / orderPrice: a
   * whole order's fill at its limit): read from here, and a trade without them is not booked.
   * Absent: ccxt's amount and price.
   */
  readonly fillFields?: { readonly qty: string; readonly price: string };
  /**
   * The venue's own order statuses (in `info[field]`) that mean the rest of a part-filled order was
   * cancelled, where ccxt files them as closed (Bybit spot PartiallyFilledCanceled): canceled here.
   */
  readonly canceledStatuses?: { readonly field: string; readonly values: readonly string[] };
  /** A trade's fee in `info`: the fields to try in order (the fill's own first), and the venue's sign. */
  readonly fee: { readonly fields: readonly string[]; readonly paidIsNegative: boolean };
  /** `marginModeScope`: what a margin-mode change applies to (Bybit unified: the whole account); absent = per symbol. */
  readonly leverage: { readonly setLeverage: Has; readonly setMarginMode: Has; readonly marginModeScope?: 'symbol' | 'account' };
  readonly deadMan: DeadManProfile | null;
  readonly ws: WsProfile;
  /**
   * How the account-wide questions are asked (ccxt needs a symbol, a market type or a currency on
   * some venues): our trades, open orders, and the balance. Positions: all swap symbols in one call,
   * or one call per symbol (Bybit).
   */
  readonly ask: { readonly trades: AskScope; readonly openOrders: AskScope; readonly balance: AskScope; readonly positions: 'symbols' | 'symbol' };
  readonly orderLookup: OrderLookup;
  /**
   * Where orders go: ccxt's REST calls, or the `connection` the mode opens and the dead-man switch
   * watches (Deribit's cancel-on-disconnect covers only orders made on that websocket).
   */
  readonly orderEntry: 'ccxt' | 'connection';
  /** The account's id as the operator types it for --live: fetchAccounts()[0].id, or a venue call's field (dotted path). */
  readonly accountId: { readonly kind: 'fetchAccounts' } | { readonly kind: 'implicit'; readonly method: string; readonly path: string };
  /** The venue's own order limit (per instrument when `perInstrument`), stricter than ccxt's rateLimit. */
  readonly orderRate: { readonly orders: number; readonly windowMs: number; readonly perInstrument: boolean };
  readonly bills: BillsProfile;
  /**
   * The venue's codes (in ccxt's error text: the venue's answer) that say a client order id is
   * taken: a create that landed earlier. ccxt files OKX 51016 under InvalidOrder, not DuplicateOrderId.
   */
  readonly duplicateClientIdCodes: readonly string[];
  /**
   * Where the balance answer's raw `info` carries cash WITHOUT unrealized P&L, per currency: ccxt's
   * `total` is the venue's equity on some venues (OKX `eq` counts open swaps' P&L), and the ledger's
   * cash settles a perpetual's P&L only when it closes. Null: ccxt's `total` is cash.
   * `list`: the dotted path to the per-currency rows in info; `currency` / `cash`: their fields;
   * `equity`: the dotted path to the account's equity in info (null: cash plus nothing known).
   */
  readonly balanceCash: {
    readonly list: string; readonly currency: string; readonly cash: string; readonly equity: string | null;
    /** Where the balance is asked per market type (ask.balance 'type'), the types whose answer is read this way; the others' total is cash (Binance spot). Default: every answer. */
    readonly types?: readonly MarketType[];
  } | null;
  /** Keys and overrides from the environment (or `.env`). */
  readonly env: { readonly apiKey: string; readonly secret: string; readonly password: string | null; readonly restUrl: string; readonly wsUrl: string };
  /**
   * Hosts for the live-host guard. `paperBy`: 'sandbox' = ccxt's setSandboxMode (OKX: same REST
   * host, a header; Deribit test.deribit.com), 'demoTrading' = ccxt's enableDemoTrading (Binance,
   * Bybit demo accounts).
   */
  readonly endpoints: EndpointSet;
  readonly paperBy: 'sandbox' | 'demoTrading';
  /** Where paper keys are made, for messages ("under Demo Trading", "on test.deribit.com"). */
  readonly paperKeys: string;
  /** ccxt constructor options the adapter needs (OKX: load spot and swap markets only). */
  readonly ccxtOptions: Readonly<Record<string, unknown>>;
  /**
   * Client-id prefixes that mark the venue's own orders on our account (Binance USD-M: a
   * liquidation's forced order `autoclose-...`, an ADL `adl_autoclose`) and what they are. Such an
   * order is none of ours and its trade no fill: the trade is ONE account entry of `kind` (its
   * signed quantity and price, `amount` minus its commission; the P&L follows from the position),
   * its entry id from the trade id. The ledger rows that repeat it (its P&L and commission) belong in
   * `bills.ours`. Absent: the venue's trades on our account arrive as ledger bills only (OKX, Bybit).
   */
  readonly venueTrades?: readonly { readonly prefix: string; readonly kind: 'liquidation' | 'adl' }[];
  /**
   * How a REST / websocket override (a local fake) enters ccxt's `urls`: at dotted paths (OKX
   * api.rest / api.ws, Deribit), or `origins`: every URL under urls.api is rewritten to
   * `${override}/${its host}${its path}` (Binance and Bybit keep ~40 hosts there; the fake routes by
   * the host segment, so spot and futures sockets that share a path stay apart).
   */
  readonly urlOverride: { readonly kind: 'paths'; readonly rest: string; readonly ws: string } | { readonly kind: 'origins' };
  /** What the operator types to confirm a live session: the account's id as the venue shows it. */
  readonly accountIdName: string;
  /**
   * ccxt's amounts on this venue's swaps are in the base currency although its market carries a
   * contractSize (Deribit's linear USDC perpetuals: contract_size 0.001 while amounts, positions and
   * fills are in BTC): the instrument's multiplier is then 1. Default: amounts count contracts of
   * contractSize (OKX ctVal).
   */
  readonly amountsInBase?: boolean;
  /** The side inputs the venue serves for features (venues/ccxt/side-inputs.ts reads them). */
  readonly sideInputs: SideInputsProfile;
}

const OKX_SPOT: MarketProfile = {
  orderTypes: ['market', 'limit'],
  timeInForce: ['gtc', 'ioc', 'fok'],
  replace: true,
  // OKX spot in cash mode has no reduce-only: ccxt passes it and the venue refuses (51000).
  reduceOnly: false,
  postOnly: true,
  shorting: false,
  marginModeParam: null,
};

const OKX_SWAP: MarketProfile = {
  orderTypes: ['market', 'limit'],
  timeInForce: ['gtc', 'ioc', 'fok'],
  replace: true,
  // Native in net mode (parity's accounts); ccxt emulates it in hedge mode, which parity does not use.
  reduceOnly: true,
  postOnly: true,
  shorting: true,
  marginModeParam: 'marginMode',
};

export const OKX_PROFILE: CcxtProfile = {
  name: 'okx',
  ccxtId: 'okx',
  markets: { spot: OKX_SPOT, swap: OKX_SWAP },
  clientId: { param: 'clientOrderId', field: 'clOrdId', rule: CLIENT_ID_RULES.okx },
  cumQtyField: 'accFillSz',
  // Order channel: fillFee is this fill's, fee the order's running total; REST trade/fills: fee.
  fee: { fields: ['fillFee', 'fee'], paidIsNegative: true },
  leverage: { setLeverage: true, setMarginMode: true },
  deadMan: {
    arm: { kind: 'cancelAllOrdersAfter' }, answer: { kind: 'triggerTime', path: 'data.0.triggerTime' },
    markets: ['spot', 'swap'], minSec: 10, maxSec: 120,
    tag: { param: 'tag', rule: { maxLength: 16, pattern: /^[A-Za-z0-9]+$/ } },
    costFactor: 10,
  },
  ws: { watchOHLCV: true, watchTicker: true, watchOrders: true, watchMyTrades: true, watchPositions: true },
  orderRate: { orders: 60, windowMs: 2000, perInstrument: true },
  bills: {
    // OKX bill types (account/bills): 5 liquidation, 8 funding fee, 9 ADL, 10 clawback.
    types: { '5': 'liquidation', '8': 'funding', '9': 'adl', '10': 'other' },
    // Sub types of a trade bill (type 2) the venue pays on its own: fee rebates.
    subTypes: { '27': 'fee_rebate', '28': 'fee_rebate' },
    // 100-107 (partial) liquidation, 125-128 ADL: close long / buy / sell / close short.
    tradeSide: {
      '100': 'sell', '101': 'buy', '102': 'buy', '103': 'sell', '104': 'sell', '105': 'buy', '106': 'buy', '107': 'sell',
      '125': 'sell', '126': 'buy', '127': 'buy', '128': 'sell',
    },
    fields: { id: 'billId', type: 'type', subType: 'subType', cash: 'balChg', pnl: 'pnl', size: 'sz', price: 'px', ts: 'ts', instrument: 'instId' },
    pageLimit: 100,
    query: { scope: 'type', sinceParam: 'begin', page: { kind: 'olderThanId', param: 'after' } },
    // Funding is dated at the funding time and may be posted minutes after a later bill. An hour
    // covers that with room; a whole funding interval (8 h) would re-read every trade bill of 8 h on
    // each pull (100 a page). A bill later still shows as a cash difference at reconciliation.
    lateMs: 3600_000,
    // 1 transfer (parity never booked transfers), 2 trade (our fills book it; its fee-rebate sub
    // types are listed above), 6 margin transfer (between the account and an isolated position's
    // margin: the bill's account-level balChg moves, cashBal, which counts both, does not).
    ours: ['1', '2', '6'],
  },
  duplicateClientIdCodes: ['51016'],
  // ccxt asks OKX one instType per call (without one, spot only).
  ask: { trades: 'type', openOrders: 'account', balance: 'account', positions: 'symbols' },
  orderLookup: { kind: 'fetchOrder', param: 'clientOrderId' },
  orderEntry: 'ccxt',
  accountId: { kind: 'fetchAccounts' },
  env: { apiKey: 'OKX_API_KEY', secret: 'OKX_SECRET', password: 'OKX_PASSPHRASE', restUrl: 'OKX_BASE_URL', wsUrl: 'OKX_WS_URL' },
  endpoints: {
    venue: 'OKX',
    // Demo trading shares the REST host (a header selects it); only the socket hosts differ.
    live: ['ws.okx.com'],
    paper: ['wspap.okx.com'],
    shared: ['www.okx.com', 'okx.com', 'aws.okx.com'],
  },
  paperBy: 'sandbox',
  paperKeys: 'under Demo Trading on okx.com',
  ccxtOptions: { fetchMarkets: { types: ['spot', 'swap'] } },
  urlOverride: { kind: 'paths', rest: 'api.rest', ws: 'api.ws' },
  accountIdName: 'UID',
  // account/balance data[0].details[]: eq = cashBal + upl; cashBal is what the ledger calls cash.
  balanceCash: { list: 'data.0.details', currency: 'ccy', cash: 'cashBal', equity: 'data.0.totalEq' },
  // public/funding-rate-history (ccxt reads realizedRate) and market/(history-)index-candles under
  // the swap's instFamily; the fake serves both from --funding / --index (test/venues/ccxt/okx-side-inputs.test.ts).
  sideInputs: { funding: 'fetchFundingRateHistory', index: 'fetchIndexOHLCV' },
};

export const CCXT_PROFILES: Readonly<Record<string, CcxtProfile>> = { okx: OKX_PROFILE, deribit: DERIBIT_PROFILE, bybit: BYBIT_PROFILE, binance: BINANCE_PROFILE };

/** ccxt's spelling of a market's type from parity's symbol: `BTC/USDT:USDT` is a swap, `BTC/USDT` spot. */
export function marketTypeOf(symbol: string): MarketType {
  return symbol.includes(':') ? 'swap' : 'spot';
}

const yes = (h: Has): boolean => h === true;

/**
 * The session's capabilities over the market types it trades: an order kind is offered when every
 * traded market type has it natively (an emulated reduce-only is not a venue guarantee). The
 * per-market check at submit (refusal) is `marketRefusal`.
 */
export function capabilitiesOf(p: CcxtProfile, types: readonly MarketType[]): VenueCapabilities {
  const ms = (types.length > 0 ? [...new Set(types)] : (['spot', 'swap'] as const)).map((t) => p.markets[t]);
  const all = <T>(pick: (m: MarketProfile) => readonly T[]): T[] => ms.reduce<T[]>((acc, m, i) => (i === 0 ? [...pick(m)] : acc.filter((x) => pick(m).includes(x))), []);
  return {
    orderTypes: all((m) => m.orderTypes),
    timeInForce: all((m) => m.timeInForce),
    replace: ms.every((m) => yes(m.replace)),
    reduceOnly: ms.some((m) => yes(m.reduceOnly)),
    shorting: ms.some((m) => m.shorting),
    clientOrderId: p.clientId.rule,
    simulated: false,
  };
}

/** Why this market type cannot take the request (null: it can). Checked at submit, before anything is sent. */
export function marketRefusal(p: CcxtProfile, r: OrderRequest): string | null {
  const t = marketTypeOf(r.symbol);
  const m = p.markets[t];
  if (!m.orderTypes.includes(r.type)) return `${p.name} ${t}: ${r.type} orders are not supported (${m.orderTypes.join(', ')})`;
  if (r.tif !== undefined && !m.timeInForce.includes(r.tif)) return `${p.name} ${t}: time in force ${r.tif} is not supported (${m.timeInForce.join(', ')})`;
  if (r.reduceOnly === true && !yes(m.reduceOnly)) return `${p.name} ${t}: reduce-only is ${m.reduceOnly === 'emulated' ? 'only emulated by ccxt' : 'not supported'}`;
  return null;
}
