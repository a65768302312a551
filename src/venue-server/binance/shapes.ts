/**
 * Binance JSON shapes (numbers as strings, as Binance sends them) for the fake's answers and pushes:
 * spot (/api/v3) and USD-M (/fapi) apart, from the OKX book's orders, fills and bills.
 */
import { initialMargin, maintenanceMargin } from '../../domain/perp.ts';
import type { Bar } from '../../domain/market.ts';
import type { OkxBill, OkxBook, OkxFill, OkxOrder } from '../okx/book.ts';
import { s } from '../okx/shapes.ts';
import type { ForcedOrder } from './forced.ts';
import type { BinanceInstrumentSpec } from './types.ts';

export { s };

const decimals = (step: number): number => {
  const t = s(step);
  const i = t.indexOf('.');
  return i < 0 ? 0 : t.length - i - 1;
};

export function spotSymbolJson(x: BinanceInstrumentSpec) {
  return {
    symbol: x.symbol, status: 'TRADING', baseAsset: x.base, baseAssetPrecision: 8, quoteAsset: x.quote, quotePrecision: 8, quoteAssetPrecision: 8,
    baseCommissionPrecision: 8, quoteCommissionPrecision: 8, orderTypes: ['LIMIT', 'LIMIT_MAKER', 'MARKET'], icebergAllowed: false, ocoAllowed: false,
    otoAllowed: false, quoteOrderQtyMarketAllowed: false, allowTrailingStop: false, cancelReplaceAllowed: false, amendAllowed: false,
    isSpotTradingAllowed: true, isMarginTradingAllowed: false,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: s(x.tickSize), maxPrice: '1000000.00000000', tickSize: s(x.tickSize) },
      { filterType: 'LOT_SIZE', minQty: s(x.minQty), maxQty: '9000.00000000', stepSize: s(x.stepSize) },
      { filterType: 'MARKET_LOT_SIZE', minQty: '0', maxQty: '100.00000000', stepSize: '0' },
      { filterType: 'NOTIONAL', minNotional: s(x.minNotional), applyMinToMarket: true, maxNotional: '9000000.00000000', applyMaxToMarket: false, avgPriceMins: 5 },
    ],
    permissions: [], permissionSets: [['SPOT']], defaultSelfTradePreventionMode: 'EXPIRE_MAKER', allowedSelfTradePreventionModes: ['NONE', 'EXPIRE_TAKER', 'EXPIRE_MAKER', 'EXPIRE_BOTH'],
  };
}

export function usdmSymbolJson(x: BinanceInstrumentSpec) {
  return {
    symbol: x.symbol, pair: x.symbol, contractType: 'PERPETUAL', deliveryDate: 4133404800000, onboardDate: 1569398400000, status: 'TRADING',
    maintMarginPercent: '2.5000', requiredMarginPercent: '5.0000', baseAsset: x.base, quoteAsset: x.quote, marginAsset: x.quote,
    pricePrecision: decimals(x.tickSize), quantityPrecision: decimals(x.stepSize), baseAssetPrecision: 8, quotePrecision: 8, underlyingType: 'COIN',
    underlyingSubType: [], settlePlan: 0, triggerProtect: '0.0500', liquidationFee: '0.005000', marketTakeBound: '0.05', maxMoveOrderLimit: 10000,
    filters: [
      { filterType: 'PRICE_FILTER', minPrice: s(x.tickSize), maxPrice: '4529764', tickSize: s(x.tickSize) },
      { filterType: 'LOT_SIZE', stepSize: s(x.stepSize), maxQty: '1000', minQty: s(x.minQty) },
      { filterType: 'MARKET_LOT_SIZE', stepSize: s(x.stepSize), maxQty: '120', minQty: s(x.minQty) },
      { filterType: 'MAX_NUM_ORDERS', limit: 200 },
      { filterType: 'MAX_NUM_ALGO_ORDERS', limit: 10 },
      { filterType: 'MIN_NOTIONAL', notional: s(x.minNotional) },
      { filterType: 'PERCENT_PRICE', multiplierUp: '1.0500', multiplierDown: '0.9500', multiplierDecimal: '4' },
    ],
    orderTypes: ['LIMIT', 'MARKET', 'STOP', 'STOP_MARKET', 'TAKE_PROFIT', 'TAKE_PROFIT_MARKET', 'TRAILING_STOP_MARKET'],
    timeInForce: ['GTC', 'IOC', 'FOK', 'GTX', 'GTD'], permissionSets: ['GRID', 'COPY'],
  };
}

/** Binance's status of an order: the OKX book's state, an IOC/FOK remainder is EXPIRED. */
export function statusOf(o: OkxOrder): string {
  if (o.state === 'live') return 'NEW';
  if (o.state === 'partially_filled') return 'PARTIALLY_FILLED';
  if (o.state === 'filled') return 'FILLED';
  return o.cancelSource === '13' || o.cancelSource === '14' ? 'EXPIRED' : 'CANCELED';
}

export const typeOf = (o: OkxOrder, market: 'spot' | 'usdm'): { type: string; timeInForce: string } =>
  o.ordType === 'market' ? { type: 'MARKET', timeInForce: 'GTC' }
    : o.ordType === 'post_only' ? (market === 'spot' ? { type: 'LIMIT_MAKER', timeInForce: 'GTC' } : { type: 'LIMIT', timeInForce: 'GTX' })
    : { type: 'LIMIT', timeInForce: o.ordType === 'ioc' ? 'IOC' : o.ordType === 'fok' ? 'FOK' : 'GTC' };

const upper = (side: string): string => side.toUpperCase();

export function usdmOrderJson(o: OkxOrder, symbol: string) {
  const t = typeOf(o, 'usdm');
  const avg = o.accFillSz > 0 ? o.fillValue / o.accFillSz : 0;
  return {
    orderId: Number(o.ordId), symbol, status: statusOf(o), clientOrderId: o.clOrdId, price: s(o.px ?? 0), avgPrice: s(avg), origQty: s(o.sz),
    executedQty: s(o.accFillSz), cumQty: s(o.accFillSz), cumQuote: s(o.fillValue), timeInForce: t.timeInForce, type: t.type, reduceOnly: o.reduceOnly,
    closePosition: false, side: upper(o.side), positionSide: 'BOTH', stopPrice: '0', workingType: 'CONTRACT_PRICE', priceProtect: false,
    origType: t.type, priceMatch: 'NONE', selfTradePreventionMode: 'EXPIRE_MAKER', goodTillDate: 0, time: o.cTime, updateTime: o.uTime,
  };
}

export function spotOrderJson(o: OkxOrder, symbol: string) {
  const t = typeOf(o, 'spot');
  return {
    symbol, orderId: Number(o.ordId), orderListId: -1, clientOrderId: o.clOrdId, price: s(o.px ?? 0), origQty: s(o.sz), executedQty: s(o.accFillSz),
    cummulativeQuoteQty: s(o.fillValue), status: statusOf(o), timeInForce: t.timeInForce, type: t.type, side: upper(o.side), stopPrice: '0', icebergQty: '0',
    time: o.cTime, updateTime: o.uTime, isWorking: true, workingTime: o.cTime, origQuoteOrderQty: '0', selfTradePreventionMode: 'EXPIRE_MAKER',
  };
}

export function usdmTradeJson(f: OkxFill, symbol: string, realizedPnl: number) {
  return {
    buyer: f.side === 'buy', commission: s(-f.fee), commissionAsset: 'USDT', id: Number(f.tradeId), maker: f.maker, orderId: Number(f.ordId),
    price: s(f.fillPx), qty: s(f.fillSz), quoteQty: s(f.fillPx * f.fillSz), realizedPnl: s(realizedPnl), side: upper(f.side), positionSide: 'BOTH', symbol, time: f.ts,
  };
}

export function spotTradeJson(f: OkxFill, symbol: string, quote: string) {
  return {
    symbol, id: Number(f.tradeId), orderId: Number(f.ordId), orderListId: -1, price: s(f.fillPx), qty: s(f.fillSz), quoteQty: s(f.fillPx * f.fillSz),
    commission: s(-f.fee), commissionAsset: quote, time: f.ts, isBuyer: f.side === 'buy', isMaker: f.maker, isBestMatch: true,
  };
}

/**
 * Income rows from the book's bills: a trade bill is REALIZED_PNL (when it closed some) and
 * COMMISSION, with the trade id in tradeId; funding FUNDING_FEE; a liquidation (its forced order,
 * forced.ts) the forced trade's REALIZED_PNL and COMMISSION and INSURANCE_CLEAR (the clearance fee).
 */
export interface IncomeRow { readonly symbol: string; readonly incomeType: string; readonly income: string; readonly asset: string; readonly info: string; readonly time: number; readonly tranId: number; readonly tradeId: string }

export function incomeRows(b: OkxBill, symbol: string, forced?: ForcedOrder): IncomeRow[] {
  const base = Number(b.billId) * 10;
  // Binance books income to 8 decimals (the sim's sums carry float noise below that).
  const row = (k: number, incomeType: string, amount: number, tradeId = b.tradeId): IncomeRow =>
    ({ symbol, incomeType, income: s(Math.round(amount * 1e8) / 1e8), asset: b.ccy, info: incomeType, time: b.ts, tranId: base + k, tradeId });
  if (b.instType !== 'SWAP') return [];
  if (b.type === '8') return [row(0, 'FUNDING_FEE', b.balChg)];
  if (b.type === '2') return [...(Math.abs(b.pnl) >= 5e-9 ? [row(0, 'REALIZED_PNL', b.pnl)] : []), ...(b.fee !== 0 ? [row(1, 'COMMISSION', b.fee)] : [])];
  if (b.type === '5' && forced !== undefined) {
    const t = String(forced.tradeId);
    return [row(0, 'REALIZED_PNL', forced.pnl, t), row(1, 'COMMISSION', -forced.commission, t), ...(forced.clearance !== 0 ? [row(2, 'INSURANCE_CLEAR', -forced.clearance, '')] : [])];
  }
  if (b.type === '5') return [row(0, 'REALIZED_PNL', b.pnl), row(1, 'INSURANCE_CLEAR', b.fee)];
  return [];
}

type SwapPos = ReturnType<OkxBook['swapPositions']>[number];

/** GET /fapi/v2|v3/positionRisk row (one-way mode: positionSide BOTH). */
export function positionRiskJson(p: SwapPos, symbol: string, now: number) {
  const { inst: i, view: v } = p;
  const lever = v.leverage ?? 1;
  const notional = v.qty * v.markPrice;
  const im = initialMargin(Math.abs(notional), lever);
  const isolated = v.marginMode === 'isolated';
  return {
    symbol, positionSide: 'BOTH', positionAmt: s(v.qty), entryPrice: s(v.avgPrice), breakEvenPrice: s(v.avgPrice), markPrice: s(v.markPrice),
    unRealizedProfit: s(v.unrealizedPnl), liquidationPrice: s(v.liquidationPrice ?? 0), isolatedMargin: isolated ? s(im + v.unrealizedPnl) : '0', notional: s(notional),
    marginAsset: i.quote, isolatedWallet: isolated ? s(im) : '0', initialMargin: s(im), maintMargin: s(maintenanceMargin(Math.abs(notional), i.inst.perp?.maintenanceMarginRate ?? 0)),
    positionInitialMargin: s(im), openOrderInitialMargin: '0', adl: 1, bidNotional: '0', askNotional: '0', updateTime: now,
    leverage: s(lever), marginType: isolated ? 'isolated' : 'cross', isAutoAddMargin: 'false', maxNotionalValue: '250000',
  };
}

export const flatPositionRisk = (symbol: string, lever: number, mode: string, mark: number | undefined, now: number) => ({
  symbol, positionSide: 'BOTH', positionAmt: '0', entryPrice: '0', breakEvenPrice: '0', markPrice: s(mark ?? 0), unRealizedProfit: '0', liquidationPrice: '0',
  isolatedMargin: '0', notional: '0', marginAsset: 'USDT', isolatedWallet: '0', initialMargin: '0', maintMargin: '0', positionInitialMargin: '0',
  openOrderInitialMargin: '0', adl: 0, bidNotional: '0', askNotional: '0', updateTime: now, leverage: s(lever), marginType: mode, isAutoAddMargin: 'false', maxNotionalValue: '250000',
});

/**
 * USD-M account (GET /fapi/v2|v3/account, /balance): walletBalance is cash (realized P&L, fees and
 * funding in it, no open P&L); marginBalance = walletBalance + unrealizedProfit.
 */
export function usdmAccountJson(book: OkxBook, symbolOf: (instId: string) => string, now: number) {
  const { imr, upl } = book.usdtEquity();
  const wallet = book.usdtCash();
  const margin = wallet + upl;
  const asset = {
    asset: 'USDT', walletBalance: s(wallet), unrealizedProfit: s(upl), marginBalance: s(margin), maintMargin: '0', initialMargin: s(imr), positionInitialMargin: s(imr),
    openOrderInitialMargin: '0', crossWalletBalance: s(wallet), crossUnPnl: s(upl), availableBalance: s(margin - imr), maxWithdrawAmount: s(Math.max(0, wallet - imr)),
    marginAvailable: true, updateTime: now,
  };
  return {
    feeTier: 0, feeBurn: false, canTrade: true, canDeposit: true, canWithdraw: true, updateTime: 0, multiAssetsMargin: false, tradeGroupId: -1,
    totalInitialMargin: s(imr), totalMaintMargin: '0', totalWalletBalance: s(wallet), totalUnrealizedProfit: s(upl), totalMarginBalance: s(margin),
    totalPositionInitialMargin: s(imr), totalOpenOrderInitialMargin: '0', totalCrossWalletBalance: s(wallet), totalCrossUnPnl: s(upl),
    availableBalance: s(margin - imr), maxWithdrawAmount: s(Math.max(0, wallet - imr)), assets: [asset],
    positions: book.swapPositions().map((p) => ({ symbol: symbolOf(p.inst.spec.instId), positionSide: 'BOTH', positionAmt: s(p.view.qty), unrealizedProfit: s(p.view.unrealizedPnl), isolatedMargin: '0', notional: s(p.view.qty * p.view.markPrice), isolatedWallet: '0', initialMargin: '0', maintMargin: '0', updateTime: now })),
  };
}

/** One kline row: [open time, o, h, l, c, volume, close time, quote volume, trades, taker base, taker quote, ignore]. */
export const klineRow = (b: Bar) => [b.ts, s(b.open), s(b.high), s(b.low), s(b.close), s(b.volume), b.ts + 59_999, s(b.volume * b.close), 0, '0', '0', '0'];

export const klineEvent = (b: Bar, symbol: string) => ({
  e: 'kline', E: b.ts + 60_000, s: symbol,
  k: { t: b.ts, T: b.ts + 59_999, s: symbol, i: '1m', f: 0, L: 0, o: s(b.open), c: s(b.close), h: s(b.high), l: s(b.low), v: s(b.volume), n: 0, x: true, q: s(b.volume * b.close), V: '0', Q: '0', B: '0' },
});
