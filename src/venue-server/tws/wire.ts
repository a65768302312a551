/**
 * Messages the TWS fake sends, field for field as @stoqey/ib 1.6.10's decoder reads them at server
 * version 193 (node_modules/@stoqey/ib/dist/core/io/decoder.js and its OrderDecoder). A field too
 * many or too few makes the SDK report error 505 ("unprocessed data left on queue" / underrun), so
 * every layout here is exercised by test/venue-server/tws-*.test.ts against the real SDK.
 */
import type { Field } from './codec.ts';

/** Incoming message ids (server to client). */
export const IN = {
  TICK_PRICE: 1, ORDER_STATUS: 3, ERR_MSG: 4, OPEN_ORDER: 5, NEXT_VALID_ID: 9, CONTRACT_DATA: 10, EXECUTION_DATA: 11,
  MANAGED_ACCTS: 15, HISTORICAL_DATA: 17, CURRENT_TIME: 49, REAL_TIME_BARS: 50, CONTRACT_DATA_END: 52, OPEN_ORDER_END: 53,
  EXECUTION_DATA_END: 55, COMMISSION_REPORT: 59, POSITION: 61, POSITION_END: 62, ACCOUNT_SUMMARY: 63, ACCOUNT_SUMMARY_END: 64,
  COMPLETED_ORDER: 101, COMPLETED_ORDERS_END: 102,
} as const;

/** Outgoing message ids (client to server) this fake understands. */
export const OUT = {
  REQ_MKT_DATA: 1, CANCEL_MKT_DATA: 2, PLACE_ORDER: 3, CANCEL_ORDER: 4, REQ_OPEN_ORDERS: 5, REQ_EXECUTIONS: 7, REQ_IDS: 8,
  REQ_CONTRACT_DATA: 9, REQ_AUTO_OPEN_ORDERS: 15, REQ_ALL_OPEN_ORDERS: 16, REQ_MANAGED_ACCTS: 17, REQ_HISTORICAL_DATA: 20,
  CANCEL_HISTORICAL_DATA: 25, REQ_CURRENT_TIME: 49, REQ_REAL_TIME_BARS: 50, CANCEL_REAL_TIME_BARS: 51, REQ_GLOBAL_CANCEL: 58,
  REQ_MARKET_DATA_TYPE: 59, REQ_POSITIONS: 61, REQ_ACCOUNT_SUMMARY: 62, CANCEL_ACCOUNT_SUMMARY: 63, CANCEL_POSITIONS: 64,
  START_API: 71, REQ_COMPLETED_ORDERS: 99,
} as const;

/** How a parity symbol looks on the TWS wire. */
export interface TwsContract {
  readonly conId: number;
  /** Parity's symbol ("AAPL", "BTC-USD"). */
  readonly paritySymbol: string;
  readonly symbol: string;
  readonly secType: 'STK' | 'CRYPTO';
  /** Where orders are routed: SMART for stocks, PAXOS for crypto. */
  readonly exchange: string;
  readonly primaryExch: string;
  readonly currency: string;
  readonly localSymbol: string;
  readonly tradingClass: string;
  readonly minTick: number;
  readonly sizeIncrement: number;
  readonly longName: string;
}

export type OrderStatusText = 'PreSubmitted' | 'Submitted' | 'Filled' | 'Cancelled' | 'Inactive';

export interface OrderView {
  readonly orderId: number;
  readonly clientId: number;
  readonly permId: number;
  readonly contract: TwsContract;
  readonly action: 'BUY' | 'SELL';
  readonly totalQuantity: number;
  readonly orderType: 'MKT' | 'LMT' | 'STP' | 'STP LMT';
  readonly lmtPrice: number | undefined;
  readonly auxPrice: number | undefined;
  readonly tif: 'DAY' | 'GTC' | 'IOC' | 'OPG';
  readonly orderRef: string;
  readonly account: string;
  readonly outsideRth: boolean;
  readonly status: OrderStatusText;
  readonly filled: number;
  readonly avgFillPrice: number;
  readonly lastFillPrice: number;
}

export interface ExecView {
  readonly execId: string;
  readonly orderId: number;
  readonly clientId: number;
  readonly permId: number;
  readonly contract: TwsContract;
  /** "yyyyMMdd HH:mm:ss UTC" at venue time. */
  readonly time: string;
  readonly account: string;
  readonly side: 'BOT' | 'SLD';
  readonly shares: number;
  readonly price: number;
  readonly cumQty: number;
  readonly avgPrice: number;
  readonly orderRef: string;
}

export interface CommissionView {
  readonly execId: string;
  readonly commission: number;
  readonly currency: string;
  /** Undefined when the fill opened or added to a position (sent as the API's "unset" double). */
  readonly realizedPnl: number | undefined;
}

/** The API's "unset" double (Double.MAX_VALUE); the SDK turns it into undefined. */
const UNSET_DOUBLE = '1.7976931348623157E308';

export const errorMsg = (id: number, code: number, message: string): Field[] => [IN.ERR_MSG, 2, id, code, message, ''];
export const managedAccounts = (accounts: string): Field[] => [IN.MANAGED_ACCTS, 1, accounts];
export const nextValidId = (id: number): Field[] => [IN.NEXT_VALID_ID, 1, id];
export const currentTime = (epochSec: number): Field[] => [IN.CURRENT_TIME, 1, epochSec];
export const openOrderEnd = (): Field[] => [IN.OPEN_ORDER_END, 1];
export const execDetailsEnd = (reqId: number): Field[] => [IN.EXECUTION_DATA_END, 1, reqId];
export const positionEnd = (): Field[] => [IN.POSITION_END, 1];
export const accountSummaryEnd = (reqId: number): Field[] => [IN.ACCOUNT_SUMMARY_END, 1, reqId];
export const contractDataEnd = (reqId: number): Field[] => [IN.CONTRACT_DATA_END, 1, reqId];

/** conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, currency, localSymbol, tradingClass. */
function contractBlock(c: TwsContract, exchange: string): Field[] {
  return [c.conId, c.symbol, c.secType, '', 0, '', '', exchange, c.currency, c.localSymbol, c.tradingClass];
}

export function orderStatus(o: OrderView, mktCapPrice = 0): Field[] {
  return [
    IN.ORDER_STATUS, o.orderId, o.status, o.filled, Math.max(0, o.totalQuantity - o.filled), o.avgFillPrice, o.permId,
    0, o.lastFillPrice, o.clientId, '', mktCapPrice,
  ];
}

/** OPEN_ORDER at server version >= ORDER_CONTAINER: no version field; every OrderDecoder read in order. */
export function openOrder(o: OrderView): Field[] {
  return [
    IN.OPEN_ORDER, o.orderId,
    ...contractBlock(o.contract, o.contract.exchange),
    o.action, o.totalQuantity, o.orderType, o.lmtPrice, o.auxPrice, o.tif,
    '', // ocaGroup
    o.account,
    '', // openClose
    0, // origin (customer)
    o.orderRef, o.clientId, o.permId,
    o.outsideRth, false, // outsideRth, hidden
    0, // discretionaryAmt
    '', // goodAfterTime
    '', // sharesAllocation (skipped by the SDK)
    '', '', '', // faGroup, faMethod, faPercentage (no faProfile from FA_PROFILE_DESUPPORT)
    '', // modelCode
    '', // goodTillDate
    '', // rule80A
    '', // percentOffset
    '', // settlingFirm
    0, '', -1, // shortSaleSlot, designatedLocation, exemptCode
    0, // auctionStrategy
    '', '', '', // startingPrice, stockRefPrice, delta
    '', '', // stockRangeLower, stockRangeUpper
    '', // displaySize
    false, false, false, // blockOrder, sweepToFill, allOrNone
    '', // minQty
    0, // ocaType
    false, false, // eTradeOnly, firmQuoteOnly
    '', // nbboPriceCap
    0, 0, // parentId, triggerMethod
    '', 0, '', '', // volatility, volatilityType, deltaNeutralOrderType (empty: nothing more), deltaNeutralAuxPrice
    0, 0, // continuousUpdate, referencePriceType
    '', '', // trailStopPrice, trailingPercent
    '', '', // basisPoints, basisPointsType
    '', 0, 0, // comboLegsDescription, comboLegs count, orderComboLegs count
    0, // smartComboRoutingParams count
    '', '', '', // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement (empty: no more scale fields)
    '', // hedgeType (empty: no hedgeParam)
    false, // optOutSmartRouting
    '', '', // clearingAccount, clearingIntent
    false, // notHeld
    false, // deltaNeutralContract present
    '', // algoStrategy (empty: no params)
    false, // solicited
    false, o.status, // whatIf, orderState.status
    '', '', '', '', '', '', // initMarginBefore .. equityWithLoanChange (WHAT_IF_EXT_FIELDS)
    '', '', '', // initMarginAfter, maintMarginAfter, equityWithLoanAfter
    '', '', '', '', '', // commission, minCommission, maxCommission, commissionCurrency, warningText
    false, false, // randomizeSize, randomizePrice
    0, // conditions count (no PEG BENCH fields for these order types)
    '', '', '', '', '', '', '', 0, // adjustedOrderType, triggerPrice, trailStopPrice, lmtPriceOffset, adjustedStopPrice, adjustedStopLimitPrice, adjustedTrailingAmount, adjustableTrailingUnit
    '', '', '', // softDollarTier name, value, displayName
    '', // cashQty
    false, false, false, false, // dontUseAutoPriceForHedge, isOmsContainer, discretionaryUpToLimitPrice, usePriceMgmtAlgo
    '', '', // duration, postToAts
    false, // autoCancelParent
    '', '', '', '', '', // minTradeQty, minCompeteSize, competeAgainstBestOffset, midOffsetAtWhole, midOffsetAtHalf
    '', false, '', false, // customerAccount, professionalCustomer, bondAccruedInterest, includeOvernight
    '', '', // extOperator, manualOrderIndicator
  ];
}

/**
 * COMPLETED_ORDER (no order id, no version): the SDK's decodeMsg_COMPLETED_ORDER, every OrderDecoder
 * read in its order, which is not OPEN_ORDER's (no clientId, sharesAllocation, auctionStrategy,
 * blockOrder, eTradeOnly, firmQuoteOnly, nbboPriceCap, parentId, basisPoints, optOutSmartRouting,
 * what-if block; the status alone; then the completed-order fields).
 */
export function completedOrder(o: OrderView, completedTime: string, completedStatus: string): Field[] {
  return [
    IN.COMPLETED_ORDER,
    ...contractBlock(o.contract, o.contract.exchange),
    o.action, o.totalQuantity, o.orderType, o.lmtPrice, o.auxPrice, o.tif,
    '', // ocaGroup
    o.account,
    '', // openClose
    0, // origin (customer)
    o.orderRef, o.permId,
    o.outsideRth, false, // outsideRth, hidden
    0, // discretionaryAmt
    '', // goodAfterTime
    '', '', '', // faGroup, faMethod, faPercentage
    '', // modelCode
    '', // goodTillDate
    '', // rule80A
    '', // percentOffset
    '', // settlingFirm
    0, '', -1, // shortSaleSlot, designatedLocation, exemptCode
    '', '', '', // startingPrice, stockRefPrice, delta
    '', '', // stockRangeLower, stockRangeUpper
    '', // displaySize
    false, false, // sweepToFill, allOrNone
    '', // minQty
    0, // ocaType
    0, // triggerMethod
    '', 0, '', '', // volatility, volatilityType, deltaNeutralOrderType (empty: nothing more), deltaNeutralAuxPrice
    0, 0, // continuousUpdate, referencePriceType
    '', '', // trailStopPrice, trailingPercent
    '', 0, 0, // comboLegsDescription, comboLegs count, orderComboLegs count
    0, // smartComboRoutingParams count
    '', '', '', // scaleInitLevelSize, scaleSubsLevelSize, scalePriceIncrement (empty: no more scale fields)
    '', // hedgeType (empty: no hedgeParam)
    '', '', // clearingAccount, clearingIntent
    false, // notHeld
    false, // deltaNeutralContract present
    '', // algoStrategy (empty: no params)
    false, // solicited
    o.status, // orderState.status
    false, false, // randomizeSize, randomizePrice
    0, // conditions count (no PEG BENCH fields for these order types)
    '', '', // trailStopPrice, lmtPriceOffset
    '', // cashQty
    false, false, // dontUseAutoPriceForHedge, isOmsContainer
    '', // autoCancelDate
    o.filled, // filledQuantity
    0, // refFuturesConId
    false, // autoCancelParent
    '', // shareholder
    false, false, // imbalanceOnly, routeMarketableToBbo
    0, // parentPermId
    completedTime, completedStatus,
    '', '', '', '', '', // minTradeQty, minCompeteSize, competeAgainstBestOffset, midOffsetAtWhole, midOffsetAtHalf
    '', false, // customerAccount, professionalCustomer
  ];
}

export const completedOrdersEnd = (): Field[] => [IN.COMPLETED_ORDERS_END];

/** EXECUTION_DATA at server version >= LAST_LIQUIDITY: no version field. */
export function execDetails(reqId: number, e: ExecView): Field[] {
  return [
    IN.EXECUTION_DATA, reqId, e.orderId,
    ...contractBlock(e.contract, e.contract.primaryExch),
    e.execId, e.time, e.account, e.contract.primaryExch, e.side, e.shares, e.price, e.permId, e.clientId,
    0, // liquidation
    e.cumQty, e.avgPrice, e.orderRef,
    '', '', // evRule, evMultiplier
    '', // modelCode
    2, // lastLiquidity: 2 = removed liquidity
    false, // pendingPriceRevision
  ];
}

export function commissionReport(c: CommissionView): Field[] {
  return [IN.COMMISSION_REPORT, 1, c.execId, c.commission, c.currency, c.realizedPnl === undefined ? UNSET_DOUBLE : c.realizedPnl, UNSET_DOUBLE, ''];
}

export function position(account: string, c: TwsContract, pos: number, avgCost: number): Field[] {
  return [IN.POSITION, 3, account, ...contractBlock(c, c.primaryExch), pos, avgCost];
}

export const accountSummary = (reqId: number, account: string, tag: string, value: string, currency: string): Field[] =>
  [IN.ACCOUNT_SUMMARY, 1, reqId, account, tag, value, currency];

/** CONTRACT_DATA at server version 193 (SIZE_RULES .. INELIGIBILITY_REASONS; not a FUND). */
export function contractData(reqId: number, c: TwsContract): Field[] {
  const stock = c.secType === 'STK';
  return [
    IN.CONTRACT_DATA, reqId, c.symbol, c.secType,
    '', '', // lastTradeDateOrContractMonth, lastTradeDate
    0, '', // strike, right
    c.exchange, c.currency, c.localSymbol,
    stock ? 'NMS' : c.symbol, // marketName
    c.tradingClass, c.conId, c.minTick,
    '', // multiplier
    stock ? 'ACTIVETIM,AD,ADJUST,ALERT,ALLOC,LMT,MKT,STP,STPLMT,GTC,DAY,IOC,OPG' : 'LMT,MKT,STP,STPLMT,DAY,IOC,GTC',
    stock ? `SMART,${c.primaryExch}` : c.exchange, // validExchanges
    1, 0, // priceMagnifier, underConId
    c.longName, c.primaryExch,
    '', // contractMonth
    stock ? 'Technology' : '', stock ? 'Computers' : '', stock ? 'Computers' : '', // industry, category, subcategory
    stock ? 'US/Eastern' : 'UTC', // timeZoneId
    '', '', // tradingHours, liquidHours
    '', '', // evRule, evMultiplier
    0, // secIdList count
    1, // aggGroup
    '', '', // underSymbol, underSecType
    '26', // marketRuleIds
    '', // realExpirationDate
    stock ? 'COMMON' : '', // stockType
    c.sizeIncrement, c.sizeIncrement, c.sizeIncrement, // minSize, sizeIncrement, suggestedSizeIncrement
    0, // ineligibilityReasons count
  ];
}

export const realtimeBar = (reqId: number, timeSec: number, o: number, h: number, l: number, c: number, volume: number, wap: number, count: number): Field[] =>
  [IN.REAL_TIME_BARS, 3, reqId, timeSec, o, h, l, c, volume, wap, count];

export interface HistBar { readonly date: string; readonly open: number; readonly high: number; readonly low: number; readonly close: number; readonly volume: number; readonly wap: number; readonly count: number }

/** HISTORICAL_DATA at server version >= SYNT_REALTIME_BARS: no version, no hasGaps. */
export function historicalData(reqId: number, start: string, end: string, bars: readonly HistBar[]): Field[] {
  const out: Field[] = [IN.HISTORICAL_DATA, reqId, start, end, bars.length];
  for (const b of bars) out.push(b.date, b.open, b.high, b.low, b.close, b.volume, b.wap, b.count);
  return out;
}

/** "yyyyMMdd HH:mm:ss UTC": the handshake's, the executions' and the historical bars' time format. */
export function twsTime(ms: number, zone = true): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  const s = `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
  return zone ? `${s} UTC` : s;
}
