/**
 * Requests the TWS fake reads, field for field as @stoqey/ib 1.6.10's encoder writes them at
 * server version 193 (node_modules/@stoqey/ib/dist/core/io/encoder.js). Parsing is strict: a
 * missing field, a value of the wrong shape or a leftover field is a MalformedRequest (error 320);
 * a well-formed request for something the fake does not simulate is an Unsupported (its own code).
 */
import { FieldReader, MalformedRequest } from './codec.ts';

export class Unsupported extends Error {
  constructor(readonly code: number, message: string) {
    super(message);
    this.name = 'Unsupported';
  }
}

export interface ContractSpec {
  readonly conId: number | undefined;
  readonly symbol: string;
  readonly secType: string;
  readonly exchange: string;
  readonly primaryExch: string;
  readonly currency: string;
  readonly localSymbol: string;
}

function contractFields(r: FieldReader, withPrimary: boolean, withSecId: boolean): ContractSpec {
  const conId = r.intOpt('conId');
  const symbol = r.str('symbol');
  const secType = r.str('secType');
  r.skip('lastTradeDateOrContractMonth');
  r.numOpt('strike');
  r.skip('right');
  r.skip('multiplier');
  const exchange = r.str('exchange');
  const primaryExch = withPrimary ? r.str('primaryExch') : '';
  const currency = r.str('currency');
  const localSymbol = r.str('localSymbol');
  r.skip('tradingClass');
  if (withSecId) r.skip('secIdType / secId', 2);
  return { conId: conId === 0 ? undefined : conId, symbol, secType, exchange, primaryExch, currency, localSymbol };
}

export interface PlaceOrderReq {
  readonly orderId: number;
  readonly contract: ContractSpec;
  readonly action: string;
  readonly totalQuantity: number | undefined;
  readonly orderType: string;
  readonly lmtPrice: number | undefined;
  readonly auxPrice: number | undefined;
  readonly tif: string;
  readonly account: string;
  readonly orderRef: string;
  readonly transmit: string;
  readonly outsideRth: boolean;
  readonly parentId: number | undefined;
  readonly whatIf: boolean;
}

export const SUPPORTED_ORDER_TYPES = ['MKT', 'LMT', 'STP', 'STP LMT'] as const;

/** placeOrder: the order id is read first so that every refusal can name it. */
export function parsePlaceOrder(fields: readonly string[]): PlaceOrderReq {
  const r = new FieldReader(fields, 'placeOrder');
  const orderId = r.int('orderId');
  try {
    return placeOrderBody(r, orderId);
  } catch (err) {
    if (err instanceof MalformedRequest || err instanceof Unsupported) Object.assign(err, { orderId });
    throw err;
  }
}

function placeOrderBody(r: FieldReader, orderId: number): PlaceOrderReq {
  const contract = contractFields(r, true, true);
  if (contract.secType.toUpperCase() === 'BAG') throw new Unsupported(201, 'Order rejected - reason: combination (BAG) orders are not simulated by the parity TWS fake');
  const action = r.str('action');
  const totalQuantity = r.numOpt('totalQuantity');
  const orderType = r.str('orderType');
  if (!(SUPPORTED_ORDER_TYPES as readonly string[]).includes(orderType)) {
    throw new Unsupported(387, `Unsupported order type for this exchange and security type: "${orderType}" (the parity TWS fake takes ${SUPPORTED_ORDER_TYPES.join(', ')})`);
  }
  const lmtPrice = r.numOpt('lmtPrice');
  const auxPrice = r.numOpt('auxPrice');
  const tif = r.str('tif');
  r.skip('ocaGroup');
  const account = r.str('account');
  r.skip('openClose');
  r.intOpt('origin');
  const orderRef = r.str('orderRef');
  const transmit = r.str('transmit');
  const parentId = r.intOpt('parentId');
  r.bool('blockOrder');
  r.bool('sweepToFill');
  r.intOpt('displaySize');
  r.intOpt('triggerMethod');
  const outsideRth = r.bool('outsideRth');
  r.bool('hidden');
  r.skip('sharesAllocation');
  r.numOpt('discretionaryAmt');
  r.skip('goodAfterTime');
  r.skip('goodTillDate');
  r.skip('faGroup / faMethod / faPercentage', 3);
  r.skip('modelCode');
  r.intOpt('shortSaleSlot');
  r.skip('designatedLocation');
  r.intOpt('exemptCode');
  r.intOpt('ocaType');
  r.skip('rule80A');
  r.skip('settlingFirm');
  r.bool('allOrNone');
  r.intOpt('minQty');
  r.numOpt('percentOffset');
  r.bool('eTradeOnly');
  r.bool('firmQuoteOnly');
  r.numOpt('nbboPriceCap');
  r.intOpt('auctionStrategy');
  r.numOpt('startingPrice');
  r.numOpt('stockRefPrice');
  r.numOpt('delta');
  r.numOpt('stockRangeLower');
  r.numOpt('stockRangeUpper');
  r.bool('overridePercentageConstraints');
  r.numOpt('volatility');
  r.intOpt('volatilityType');
  const dnType = r.str('deltaNeutralOrderType');
  r.numOpt('deltaNeutralAuxPrice');
  if (dnType !== '') {
    r.skip('deltaNeutralConId / SettlingFirm / ClearingAccount / ClearingIntent', 4);
    r.skip('deltaNeutralOpenClose / ShortSale / ShortSaleSlot / DesignatedLocation', 4);
  }
  r.intOpt('continuousUpdate');
  r.intOpt('referencePriceType');
  r.numOpt('trailStopPrice');
  r.numOpt('trailingPercent');
  r.intOpt('scaleInitLevelSize');
  r.intOpt('scaleSubsLevelSize');
  const scaleInc = r.str('scalePriceIncrement');
  if (scaleInc !== '') r.skip('scale order fields', 7);
  r.skip('scaleTable / activeStartTime / activeStopTime', 3);
  const hedgeType = r.str('hedgeType');
  if (hedgeType !== '') r.skip('hedgeParam');
  r.bool('optOutSmartRouting');
  r.skip('clearingAccount / clearingIntent', 2);
  r.bool('notHeld');
  if (r.bool('deltaNeutralContract')) r.skip('deltaNeutralContract conId / delta / price', 3);
  const algo = r.str('algoStrategy');
  if (algo !== '') {
    const n = r.int('algoParams count');
    r.skip('algoParams', 2 * n);
  }
  r.skip('algoId');
  const whatIf = r.bool('whatIf');
  r.skip('orderMiscOptions');
  r.bool('solicited');
  r.bool('randomizeSize');
  r.bool('randomizePrice');
  const nConditions = r.intOpt('conditions count') ?? 0;
  if (nConditions > 0) throw new Unsupported(201, 'Order rejected - reason: order conditions are not simulated by the parity TWS fake');
  r.skip('adjustedOrderType / triggerPrice / lmtPriceOffset / adjustedStopPrice / adjustedStopLimitPrice / adjustedTrailingAmount / adjustableTrailingUnit', 7);
  r.skip('extOperator');
  r.skip('softDollarTier name / value', 2);
  r.numOpt('cashQty');
  r.skip('mifid2DecisionMaker / mifid2DecisionAlgo / mifid2ExecutionTrader / mifid2ExecutionAlgo', 4);
  r.bool('dontUseAutoPriceForHedge');
  r.bool('isOmsContainer');
  r.bool('discretionaryUpToLimitPrice');
  r.skip('usePriceMgmtAlgo');
  r.intOpt('duration');
  r.intOpt('postToAts');
  r.skip('autoCancelParent');
  r.skip('advancedErrorOverride');
  r.skip('manualOrderTime');
  if (contract.exchange === 'IBKRATS') r.skip('minTradeQty');
  r.skip('customerAccount');
  r.bool('professionalCustomer');
  r.bool('includeOvernight');
  r.intOpt('manualOrderIndicator');
  r.end();
  return { orderId, contract, action, totalQuantity, orderType, lmtPrice, auxPrice, tif, account, orderRef, transmit, outsideRth, parentId, whatIf };
}

export function parseCancelOrder(fields: readonly string[]): { orderId: number } {
  const r = new FieldReader(fields, 'cancelOrder');
  const orderId = r.int('orderId');
  r.skip('manualOrderCancelTime');
  r.skip('extOperator');
  r.intOpt('manualOrderIndicator');
  r.end();
  return { orderId };
}

export interface ExecFilter {
  readonly clientId: number | undefined;
  readonly acctCode: string;
  readonly time: string;
  readonly symbol: string;
  readonly secType: string;
  readonly exchange: string;
  readonly side: string;
}

export function parseReqExecutions(fields: readonly string[]): { reqId: number; filter: ExecFilter } {
  const r = new FieldReader(fields, 'reqExecutions');
  r.int('version');
  const reqId = r.int('reqId');
  const filter: ExecFilter = {
    clientId: r.intOpt('clientId'), acctCode: r.str('acctCode'), time: r.str('time'), symbol: r.str('symbol'),
    secType: r.str('secType'), exchange: r.str('exchange'), side: r.str('side'),
  };
  r.end();
  return { reqId, filter };
}

export function parseReqContractDetails(fields: readonly string[]): { reqId: number; contract: ContractSpec } {
  const r = new FieldReader(fields, 'reqContractDetails');
  r.int('version');
  const reqId = r.int('reqId');
  const contract = contractFields(r, true, false);
  r.bool('includeExpired');
  r.skip('secIdType / secId', 2);
  r.skip('issuerId');
  r.end();
  return { reqId, contract };
}

export interface HistoricalReq {
  readonly reqId: number;
  readonly contract: ContractSpec;
  readonly endDateTime: string;
  readonly barSize: string;
  readonly duration: string;
  readonly useRTH: boolean;
  readonly whatToShow: string;
  readonly formatDate: number;
  readonly keepUpToDate: boolean;
}

export function parseReqHistoricalData(fields: readonly string[]): HistoricalReq {
  const r = new FieldReader(fields, 'reqHistoricalData');
  const reqId = r.int('reqId');
  const contract = contractFields(r, true, false);
  if (contract.secType.toUpperCase() === 'BAG') throw Object.assign(new Unsupported(162, 'Historical Market Data Service error message: combination (BAG) contracts are not simulated'), { reqId });
  r.bool('includeExpired');
  const endDateTime = r.str('endDateTime');
  const barSize = r.str('barSizeSetting');
  const duration = r.str('durationStr');
  const useRTH = r.bool('useRTH');
  const whatToShow = r.str('whatToShow');
  const formatDate = r.intOpt('formatDate') ?? 1;
  const keepUpToDate = r.bool('keepUpToDate');
  r.skip('chartOptions');
  r.end();
  return { reqId, contract, endDateTime, barSize, duration, useRTH, whatToShow, formatDate, keepUpToDate };
}

export function parseReqRealTimeBars(fields: readonly string[]): { reqId: number; contract: ContractSpec; barSize: number | undefined; whatToShow: string; useRTH: boolean } {
  const r = new FieldReader(fields, 'reqRealTimeBars');
  r.int('version');
  const reqId = r.int('reqId');
  const contract = contractFields(r, true, false);
  const barSize = r.intOpt('barSize');
  const whatToShow = r.str('whatToShow');
  const useRTH = r.bool('useRTH');
  r.skip('realTimeBarsOptions');
  r.end();
  return { reqId, contract, barSize, whatToShow, useRTH };
}

export function parseReqAccountSummary(fields: readonly string[]): { reqId: number; group: string; tags: string[] } {
  const r = new FieldReader(fields, 'reqAccountSummary');
  r.int('version');
  const reqId = r.int('reqId');
  const group = r.str('group');
  const tags = r.str('tags').split(',').map((t) => t.trim()).filter((t) => t !== '');
  r.end();
  return { reqId, group, tags };
}

/** A request of only a version (and optionally one more field of `extra`'s names). */
export function parseSimple(fields: readonly string[], what: string, extra: readonly string[] = []): string[] {
  const r = new FieldReader(fields, what);
  r.int('version');
  const out = extra.map((name) => r.str(name));
  r.end();
  return out;
}

/** REQ_COMPLETED_ORDERS [99, apiOnly]: the SDK sends no version field here. */
export function parseCompletedOrders(fields: readonly string[]): { apiOnly: boolean } {
  const r = new FieldReader(fields, 'reqCompletedOrders');
  const apiOnly = r.bool('apiOnly');
  r.end();
  return { apiOnly };
}

export function parseStartApi(fields: readonly string[]): { clientId: number } {
  const r = new FieldReader(fields, 'startApi');
  r.int('version');
  const clientId = r.int('clientId');
  r.skip('optionalCapabilities');
  r.end();
  return { clientId };
}

export function parseGlobalCancel(fields: readonly string[]): void {
  const r = new FieldReader(fields, 'reqGlobalCancel');
  r.skip('extOperator');
  r.intOpt('manualOrderIndicator');
  r.end();
}
