/**
 * Bybit v5 JSON shapes (numbers as strings, as Bybit sends them) from the book's orders, fills,
 * positions and bills. ccxt tells a contract row from a spot one by its fields: an order with
 * `tpslMode` is a contract's, a trade with `createType` (or `category`), a ticker with
 * `openInterestValue` (REST) and without `usdIndexPrice` (websocket); so spot rows leave them out.
 */
import type { OkxBill, OkxBook, OkxFill, OkxOrder } from '../okx/book.ts';
import { s } from '../okx/shapes.ts';
import type { MarketTape } from '../okx/market.ts';
import type { BybitCategory, BybitInstrumentSpec } from './types.ts';

/** One instrument as the fake keeps it: Bybit's (category, symbol) and the book's instId. */
export interface BybitInst {
  readonly spec: BybitInstrumentSpec;
  readonly bookId: string;
}

export type Row = Record<string, unknown>;

const DAY_MS = 86_400_000;

export function instrumentJson(i: BybitInst, leverage: number, fundingIntervalMs: number): Row {
  const { spec } = i;
  if (spec.category === 'spot') {
    return {
      symbol: spec.symbol, baseCoin: spec.baseCoin, quoteCoin: spec.quoteCoin, innovation: '0', status: 'Trading', marginTrading: 'utaOnly', stTag: '0',
      lotSizeFilter: { basePrecision: s(spec.qtyStep), quotePrecision: '0.00000001', minOrderQty: s(spec.minOrderQty), maxOrderQty: '1000000', minOrderAmt: '1', maxOrderAmt: '4000000' },
      priceFilter: { tickSize: s(spec.tickSize) }, riskParameters: { priceLimitRatioX: '0.05', priceLimitRatioY: '0.05' },
    };
  }
  return {
    symbol: spec.symbol, contractType: 'LinearPerpetual', status: 'Trading', baseCoin: spec.baseCoin, quoteCoin: spec.quoteCoin, launchTime: '1585526400000',
    deliveryTime: '0', deliveryFeeRate: '', priceScale: String(Math.max(0, -Math.floor(Math.log10(spec.tickSize)))),
    leverageFilter: { minLeverage: '1', maxLeverage: s(Math.max(100, leverage)), leverageStep: '0.01' },
    priceFilter: { minPrice: s(spec.tickSize), maxPrice: '1999999.8', tickSize: s(spec.tickSize) },
    lotSizeFilter: { maxOrderQty: '1190', minOrderQty: s(spec.minOrderQty), qtyStep: s(spec.qtyStep), postOnlyMaxOrderQty: '1190', maxMktOrderQty: '500', minNotionalValue: '5' },
    unifiedMarginTrade: true, fundingInterval: fundingIntervalMs / 60_000, settleCoin: spec.quoteCoin, copyTrading: 'both', upperFundingRate: '0.00375', lowerFundingRate: '-0.00375', isPreListing: false,
  };
}

export function tickerJson(i: BybitInst, tape: MarketTape, fundingRate: number, nextFunding: number): Row | null {
  const bars = tape.played(i.bookId);
  const last = bars[bars.length - 1];
  if (last === undefined) return null;
  const day = bars.filter((b) => b.ts > last.ts - DAY_MS);
  const prev = day[0]?.open ?? last.open;
  const vol = day.reduce((a, b) => a + b.volume, 0);
  const common = {
    symbol: i.spec.symbol, lastPrice: s(last.close), prevPrice24h: s(prev), price24hPcnt: s(prev > 0 ? last.close / prev - 1 : 0),
    highPrice24h: s(Math.max(...day.map((b) => b.high))), lowPrice24h: s(Math.min(...day.map((b) => b.low))), turnover24h: s(vol * last.close), volume24h: s(vol),
    bid1Price: s(last.close), bid1Size: '1', ask1Price: s(last.close), ask1Size: '1',
  };
  if (i.spec.category === 'spot') return { ...common, usdIndexPrice: s(last.close) };
  return {
    ...common, indexPrice: s(last.close), markPrice: s(last.close), prevPrice1h: s(last.close), openInterest: '0', openInterestValue: '0',
    fundingRate: s(fundingRate), nextFundingTime: String(nextFunding), predictedDeliveryPrice: '', basisRate: '', deliveryFeeRate: '', deliveryTime: '0', basis: '',
  };
}

const STATUS: Readonly<Record<OkxOrder['state'], string>> = { live: 'New', partially_filled: 'PartiallyFilled', filled: 'Filled', canceled: 'Cancelled' };
const CANCEL_TYPE: Readonly<Record<string, string>> = { '1': 'CancelByUser', '20': 'CancelByDCP', '3': 'CancelAllBeforeLiq', '22': 'CancelByReduceOnly' };

export function orderStatus(o: OkxOrder, category: BybitCategory): string {
  if (o.state === 'canceled' && o.accFillSz > 0 && category === 'spot') return 'PartiallyFilledCanceled';
  return STATUS[o.state];
}

export function orderJson(o: OkxOrder, i: BybitInst): Row {
  const avg = o.accFillSz > 0 ? o.fillValue / o.accFillSz : 0;
  const leaves = o.state === 'live' || o.state === 'partially_filled' ? o.sz - o.accFillSz : 0;
  const tif = o.ordType === 'market' || o.ordType === 'ioc' ? 'IOC' : o.ordType === 'fok' ? 'FOK' : o.ordType === 'post_only' ? 'PostOnly' : 'GTC';
  const spot = i.spec.category === 'spot';
  return {
    category: i.spec.category, orderId: o.ordId, orderLinkId: o.clOrdId, blockTradeId: '', symbol: i.spec.symbol, price: o.px === null ? '0' : s(o.px), qty: s(o.sz),
    side: o.side === 'buy' ? 'Buy' : 'Sell', isLeverage: spot ? '0' : '', positionIdx: 0, orderStatus: orderStatus(o, i.spec.category),
    cancelType: o.state === 'canceled' ? CANCEL_TYPE[o.cancelSource] ?? 'UNKNOWN' : 'UNKNOWN', rejectReason: 'EC_NoError', avgPrice: avg > 0 ? s(avg) : spot ? '0' : '',
    leavesQty: s(leaves), leavesValue: s(leaves * (o.px ?? 0)), cumExecQty: s(o.accFillSz), cumExecValue: s(o.fillValue), cumExecFee: s(-o.fee),
    ...(spot ? { marketUnit: o.px === null ? 'baseCoin' : '' } : { tpslMode: 'UNKNOWN' }),
    timeInForce: tif, orderType: o.px === null ? 'Market' : 'Limit', stopOrderType: '', orderIv: '', triggerPrice: '', takeProfit: '', stopLoss: '', tpTriggerBy: '', slTriggerBy: '',
    triggerDirection: 0, triggerBy: '', lastPriceOnCreated: '', reduceOnly: o.reduceOnly, closeOnTrigger: false, smpType: 'None', smpGroup: 0, smpOrderId: '',
    tpLimitPrice: '', slLimitPrice: '', placeType: '', createdTime: String(o.cTime), updatedTime: String(o.uTime),
  };
}

export function executionJson(f: OkxFill, i: BybitInst, o: OkxOrder | undefined, seq: number): Row {
  const spot = i.spec.category === 'spot';
  return {
    category: i.spec.category, symbol: i.spec.symbol, orderId: f.ordId, orderLinkId: f.clOrdId, side: f.side === 'buy' ? 'Buy' : 'Sell', orderPrice: o?.px === null || o === undefined ? '0' : s(o.px),
    orderQty: s(o?.sz ?? f.fillSz), leavesQty: s(o === undefined ? 0 : Math.max(0, o.sz - o.accFillSz)), orderType: o?.px === null ? 'Market' : 'Limit', stopOrderType: 'UNKNOWN',
    execFee: s(-f.fee), execId: f.tradeId, execPrice: s(f.fillPx), execQty: s(f.fillSz), execType: 'Trade', execValue: s(f.fillPx * f.fillSz), execTime: String(f.ts),
    feeCurrency: spot ? i.spec.quoteCoin : '', isMaker: f.maker, feeRate: s(f.fillPx * f.fillSz > 0 ? -f.fee / (f.fillPx * f.fillSz) : 0), tradeIv: '', markIv: '',
    markPrice: s(f.fillPx), indexPrice: '', underlyingPrice: '', blockTradeId: '', closedSize: spot ? '' : '0', seq, ...(spot ? {} : { createType: 'CreateByUser' }),
  };
}

export function positionJson(book: OkxBook, i: BybitInst, now: number): Row {
  const p = book.swapPositions().find((x) => x.inst.spec.instId === i.bookId);
  const lever = book.leverOf(i.bookId);
  const mark = book.markPx(i.bookId) ?? p?.view.avgPrice ?? 0;
  const mode = book.insts.get(i.bookId)?.inst.perp?.marginMode ?? 'cross';
  const base = {
    category: 'linear', symbol: i.spec.symbol, positionIdx: 0, riskId: 1, riskLimitValue: '2000000', tradeMode: mode === 'isolated' ? 1 : 0, autoAddMargin: 0,
    positionStatus: 'Normal', leverage: s(lever), markPrice: s(mark), tpslMode: 'Full', takeProfit: '0', stopLoss: '0', trailingStop: '0', sessionAvgPrice: '',
    adlRankIndicator: 0, isReduceOnly: false, mmrSysUpdatedTime: '', leverageSysUpdatedTime: '', seq: now, updatedTime: String(now),
  };
  if (p === undefined) {
    return { ...base, side: '', size: '0', avgPrice: '0', positionValue: '0', liqPrice: '', bustPrice: '', positionIM: '0', positionMM: '0', positionBalance: '0',
      unrealisedPnl: '0', curRealisedPnl: '0', cumRealisedPnl: '0', createdTime: String(now) };
  }
  const v = p.view;
  const size = Math.abs(v.qty);
  return {
    ...base, side: v.qty > 0 ? 'Buy' : 'Sell', size: s(size), avgPrice: s(v.avgPrice), positionValue: s(size * v.avgPrice),
    liqPrice: v.liquidationPrice === null || v.liquidationPrice === undefined ? '' : s(v.liquidationPrice), bustPrice: '',
    positionIM: s((size * mark) / lever), positionMM: s(size * mark * 0.004), positionBalance: s((size * mark) / lever),
    unrealisedPnl: s(v.unrealizedPnl), curRealisedPnl: s(v.realizedPnl), cumRealisedPnl: s(v.realizedPnl), createdTime: String(now),
  };
}

/** account/wallet-balance's UNIFIED row: walletBalance is cash (no open P&L), equity adds the perpetuals' unrealized P&L. */
export function walletJson(book: OkxBook): Row {
  const { eq, imr, upl } = book.usdtEquity();
  const cash = book.usdtCash();
  const coins: Row[] = [{
    coin: 'USDT', equity: s(eq), usdValue: s(eq), walletBalance: s(cash), locked: '0', spotHedgingQty: '0', borrowAmount: '0', accruedInterest: '0',
    totalOrderIM: '0', totalPositionIM: s(imr), totalPositionMM: s(imr * 0.1), unrealisedPnl: s(upl), cumRealisedPnl: '0', bonus: '0',
    marginCollateral: true, collateralSwitch: true, availableToBorrow: '',
  }];
  for (const [coin, qty] of book.spotBalances()) {
    coins.push({ coin, equity: s(qty), usdValue: '', walletBalance: s(qty), locked: '0', spotHedgingQty: '0', borrowAmount: '0', accruedInterest: '0',
      totalOrderIM: '0', totalPositionIM: '0', totalPositionMM: '0', unrealisedPnl: '0', cumRealisedPnl: '0', bonus: '0', marginCollateral: true, collateralSwitch: true, availableToBorrow: '' });
  }
  return {
    accountType: 'UNIFIED', accountIMRate: s(eq > 0 ? imr / eq : 0), accountMMRate: s(eq > 0 ? (imr * 0.1) / eq : 0), accountLTV: '0',
    totalEquity: s(eq), totalWalletBalance: s(cash), totalMarginBalance: s(eq), totalAvailableBalance: s(eq - imr), totalPerpUPL: s(upl),
    totalInitialMargin: s(imr), totalMaintenanceMargin: s(imr * 0.1), coin: coins,
  };
}

/** The book's bill types (OKX) as Bybit transaction-log types. */
const LOG_TYPE: Readonly<Record<string, string>> = { '2': 'TRADE', '8': 'SETTLEMENT', '5': 'LIQUIDATION', '9': 'ADL' };

/**
 * One transaction-log row. `change` is the cash change (what the profile books), `cashFlow` the
 * trade's cash flow or realized P&L, `fee` positive when paid, `funding` positive when paid
 * (change = cashFlow - funding - fee), `cashBalance` the USDT balance after.
 */
export function transactionJson(b: OkxBill, i: BybitInst | undefined, side: 'Buy' | 'Sell' | ''): Row {
  const type = LOG_TYPE[b.type] ?? 'OTHER';
  const feePaid = -b.fee;
  const funding = type === 'SETTLEMENT' ? -b.balChg : 0;
  const cashFlow = type === 'SETTLEMENT' ? 0 : type === 'LIQUIDATION' || type === 'ADL' ? b.pnl : b.balChg + feePaid;
  return {
    id: b.billId, symbol: i?.spec.symbol ?? '', category: i?.spec.category ?? '', side, transactionTime: String(b.ts), type, transSubType: '',
    qty: s(b.sz), size: type === 'SETTLEMENT' ? s(b.sz) : '', currency: b.ccy, tradePrice: s(b.px), funding: s(funding), fee: s(type === 'SETTLEMENT' ? 0 : feePaid),
    cashFlow: s(cashFlow), change: s(b.balChg), cashBalance: s(b.bal), feeRate: '', bonusChange: '', tradeId: b.tradeId, orderId: b.ordId, orderLinkId: b.clOrdId, extraFees: '',
  };
}
