/**
 * OKX's own payloads (as its v5 API spells them) through the real ccxt parser and then through the
 * adapter's translation: the venue's spellings live in these fixtures, not in a fake of our own.
 */
import { describe, expect, it } from 'vitest';
import ccxt from 'ccxt';
import { OKX_PROFILE, capabilitiesOf, marketRefusal } from '../../../src/venues/ccxt/profiles.ts';
import { entryOf, fillOf, orderStateOf, statusReportOf, unlistedBill } from '../../../src/venues/ccxt/translate.ts';
import { venueCodesOf } from '../../../src/venues/ccxt/errors.ts';
import { CcxtLedgerEntry, CcxtOrder, CcxtTrade } from '../../../src/venues/ccxt/wire.ts';
import { CcxtProtocolError } from '../../../src/venues/ccxt/errors.ts';
import { checkClientId, formatId } from '../../../src/orders/client-ids.ts';

const ex = new ccxt.okx({});
ex.setMarkets([
  ex.parseMarket({ instType: 'SPOT', instId: 'BTC-USDT', baseCcy: 'BTC', quoteCcy: 'USDT', settleCcy: '', ctVal: '', ctMult: '', ctValCcy: '', lotSz: '0.00000001', minSz: '0.00001', tickSz: '0.1', state: 'live', uly: '', instFamily: '', listTime: '1606468572000', lever: '', ctType: '' }),
  ex.parseMarket({ instType: 'SWAP', instId: 'BTC-USDT-SWAP', baseCcy: '', quoteCcy: '', settleCcy: 'USDT', ctVal: '0.01', ctMult: '1', ctValCcy: 'BTC', lotSz: '0.01', minSz: '0.01', tickSz: '0.1', state: 'live', uly: 'BTC-USDT', instFamily: 'BTC-USDT', listTime: '1606468572000', lever: '100', ctType: 'linear' }),
]);
const pro = new ccxt.pro.okx({});
pro.setMarkets(Object.values(ex.markets ?? {}));
const symbolOf = (id: string): string | null => ex.safeSymbol(id, undefined, '-');

const wsOrder = (over: Record<string, string>): Record<string, string> => ({
  accFillSz: '0', avgPx: '', cTime: '1700000000000', category: 'normal', clOrdId: 'k3f9x200002ssmacross', fee: '0', feeCcy: 'USDT',
  fillFee: '0', fillPx: '', fillSz: '0', fillTime: '', instId: 'BTC-USDT-SWAP', instType: 'SWAP', ordId: '601', ordType: 'limit',
  px: '50000', side: 'buy', state: 'live', sz: '2', tag: 'parity', tdMode: 'cross', tradeId: '', uTime: '1700000000100', reduceOnly: 'false', ...over,
});

describe('OKX payloads through ccxt into reports', () => {
  it('a live order is accepted under our clOrdId, with ccxt unified symbol and state', () => {
    const o = CcxtOrder.parse(ex.parseOrder(wsOrder({})));
    expect(statusReportOf(OKX_PROFILE, o)).toEqual({ kind: 'accepted', clientOrderId: 'k3f9x200002ssmacross', venueOrderId: '601', ts: 1700000000000 });
    const st = orderStateOf(OKX_PROFILE, o);
    expect(st).toMatchObject({ clientOrderId: 'k3f9x200002ssmacross', status: 'accepted', filledQty: 0, request: { symbol: 'BTC/USDT:USDT', side: 'buy', qty: 2, type: 'limit', limitPrice: 50000 } });
  });

  it('a canceled order after a partial fill is canceled; a filled one reports nothing (its trades do)', () => {
    const c = CcxtOrder.parse(ex.parseOrder(wsOrder({ state: 'canceled', accFillSz: '1', avgPx: '50000' })));
    expect(statusReportOf(OKX_PROFILE, c)).toMatchObject({ kind: 'canceled', clientOrderId: 'k3f9x200002ssmacross' });
    expect(orderStateOf(OKX_PROFILE, c)).toMatchObject({ status: 'canceled', filledQty: 1, avgFillPrice: 50000 });
    const f = CcxtOrder.parse(ex.parseOrder(wsOrder({ state: 'filled', accFillSz: '2', avgPx: '50000' })));
    expect(statusReportOf(OKX_PROFILE, f)).toBeNull();
    expect(orderStateOf(OKX_PROFILE, f).status).toBe('filled');
  });

  it('a fill carries the trade id, the maker rebate as a negative fee, and the cumulative size', () => {
    // The websocket path: ccxt.pro turns an order-channel update into a trade (orderToTrade).
    const raw = wsOrder({ state: 'partially_filled', tradeId: '9001', fillSz: '1', fillPx: '49990', fillFee: '0.02', fillFeeCcy: 'USDT', execType: 'M', accFillSz: '1', fillTime: '1700000000200' });
    const t = CcxtTrade.parse(pro.orderToTrade(pro.parseOrder(raw)));
    const f = fillOf(OKX_PROFILE, t);
    expect(f).toMatchObject({ kind: 'fill', clientOrderId: 'k3f9x200002ssmacross', execId: '9001', qty: 1, price: 49990, liquidity: 'maker', venueOrderId: '601', venueCumQty: 1 });
    expect(f?.fee).toBeCloseTo(-0.02);
  });

  it('the same fee has one sign from the websocket and from REST (ccxt flips only the REST one)', () => {
    const ws = CcxtTrade.parse(pro.orderToTrade(pro.parseOrder(wsOrder({ state: 'filled', tradeId: '9002', fillSz: '2', fillPx: '50000', fillFee: '-0.5', execType: 'T', accFillSz: '2', fillTime: '1700000000300' }))));
    const rest = CcxtTrade.parse(ex.parseTrade({ instId: 'BTC-USDT-SWAP', tradeId: '9002', ordId: '601', clOrdId: 'k3f9x200002ssmacross', fillPx: '50000', fillSz: '2', side: 'buy', execType: 'T', fee: '-0.5', feeCcy: 'USDT', ts: '1700000000300' }));
    expect(fillOf(OKX_PROFILE, ws)?.fee).toBe(0.5);
    expect(fillOf(OKX_PROFILE, rest)?.fee).toBe(0.5);
    expect(fillOf(OKX_PROFILE, ws)?.execId).toBe(fillOf(OKX_PROFILE, rest)?.execId);
  });

  it('a trade without our client id (a liquidation order of the venue) is no fill of ours', () => {
    const t = CcxtTrade.parse(ex.parseTrade({ instId: 'BTC-USDT-SWAP', tradeId: 't7', ordId: 'o7', clOrdId: '', fillPx: '40000', fillSz: '1', side: 'sell', execType: 'T', fee: '-0.2', feeCcy: 'USDT', ts: '1700000000000' }));
    expect(fillOf(OKX_PROFILE, t)).toBeNull();
  });

  it('a funding bill is a funding entry on the swap, signed as the venue booked it', () => {
    const e = CcxtLedgerEntry.parse(ex.parseLedgerEntry({ bal: '100', balChg: '-1.5', billId: '123', ccy: 'USDT', fee: '0', instId: 'BTC-USDT-SWAP', instType: 'SWAP', mgnMode: 'cross', ordId: '', pnl: '-1.5', sz: '2', px: '50000', subType: '173', ts: '1700000000000', type: '8' }));
    expect(entryOf(OKX_PROFILE, e, symbolOf)).toEqual({ entryId: '123', kind: 'funding', symbol: 'BTC/USDT:USDT', currency: 'USDT', amount: -1.5, markPrice: 50000, ts: 1700000000000 });
  });

  it('a liquidation bill is a trade the venue made (close long: a sell) plus the cash apart from its P&L', () => {
    const e = CcxtLedgerEntry.parse(ex.parseLedgerEntry({ bal: '50', balChg: '-105', billId: '124', ccy: 'USDT', fee: '-5', instId: 'BTC-USDT-SWAP', instType: 'SWAP', mgnMode: 'cross', ordId: '77', pnl: '-100', sz: '2', px: '45000', subType: '104', ts: '1700000001000', type: '5' }));
    expect(entryOf(OKX_PROFILE, e, symbolOf)).toEqual({ entryId: '124', kind: 'liquidation', symbol: 'BTC/USDT:USDT', currency: 'USDT', amount: -5, trade: { qty: -2, price: 45000 }, ts: 1700000001000 });
  });

  it('a bill whose side the profile does not know is a typed error naming the table to extend', () => {
    const e = CcxtLedgerEntry.parse(ex.parseLedgerEntry({ balChg: '0', billId: '125', ccy: 'USDT', instId: 'BTC-USDT-SWAP', pnl: '0', sz: '1', px: '45000', subType: '999', ts: '1700000001000', type: '9' }));
    expect(() => entryOf(OKX_PROFILE, e, symbolOf)).toThrow(CcxtProtocolError);
    expect(() => entryOf(OKX_PROFILE, e, symbolOf)).toThrow(/bills\.tradeSide/);
  });

  it('a bill of a type the profile lists nowhere that moves cash (OKX 7, interest) is booked as other with its whole cash change', () => {
    const e = CcxtLedgerEntry.parse(ex.parseLedgerEntry({ balChg: '-12.5', billId: 'u7', ccy: 'USDT', instId: '', pnl: '', subType: '9', ts: '1700000001000', type: '7' }));
    expect(unlistedBill(OKX_PROFILE, e)).toBe(true);
    expect(entryOf(OKX_PROFILE, e, symbolOf)).toEqual({ entryId: 'u7', kind: 'other', symbol: null, currency: 'USDT', amount: -12.5, ts: 1700000001000 });
    const none = CcxtLedgerEntry.parse(ex.parseLedgerEntry({ balChg: '0', billId: 'u8', ccy: 'USDT', instId: '', pnl: '', subType: '9', ts: '1700000001000', type: '7' }));
    expect(entryOf(OKX_PROFILE, none, symbolOf)).toBeNull();
  });

  it('the venue\'s duplicate-client-id code is read from ccxt\'s error text (ccxt files OKX 51016 under InvalidOrder)', () => {
    const err = new Error('okx {"code":"1","msg":"All operations failed","data":[{"clOrdId":"x","ordId":"","sCode":"51016","sMsg":"Duplicated client order ID"}]}');
    expect(venueCodesOf(err)).toEqual(['51016', '1']);
    expect(OKX_PROFILE.duplicateClientIdCodes).toContain('51016');
    expect(venueCodesOf(new Error('okx <html>502</html>'))).toEqual([]);
  });

  it('our trades and transfers are not account entries', () => {
    for (const type of ['1', '2']) {
      const e = CcxtLedgerEntry.parse(ex.parseLedgerEntry({ balChg: '-10', billId: `b${type}`, ccy: 'USDT', instId: 'BTC-USDT', pnl: '0', subType: '1', ts: '1700000001000', type }));
      expect(entryOf(OKX_PROFILE, e, symbolOf)).toBeNull();
    }
  });
});

describe('the OKX profile as data', () => {
  it('declares the clOrdId rule our durable ids fit', () => {
    const widest = formatId('zzzzzz', 36 ** 6 - 1, 'smacrossverylongname'.slice(0, 32 - 12));
    expect(widest.length).toBe(32);
    expect(checkClientId(widest, OKX_PROFILE.clientId.rule)).toBeNull();
    expect(checkClientId('has-dash', OKX_PROFILE.clientId.rule)).not.toBeNull();
  });

  it('offers reduce-only on swaps and refuses it on spot, by market type, not by venue name', () => {
    expect(capabilitiesOf(OKX_PROFILE, ['swap']).reduceOnly).toBe(true);
    expect(capabilitiesOf(OKX_PROFILE, ['spot']).reduceOnly).toBe(false);
    expect(capabilitiesOf(OKX_PROFILE, ['spot']).shorting).toBe(false);
    expect(marketRefusal(OKX_PROFILE, { symbol: 'BTC/USDT', side: 'sell', qty: 1, type: 'market', reduceOnly: true })).toMatch(/spot: reduce-only/);
    expect(marketRefusal(OKX_PROFILE, { symbol: 'BTC/USDT:USDT', side: 'sell', qty: 1, type: 'market', reduceOnly: true })).toBeNull();
    expect(marketRefusal(OKX_PROFILE, { symbol: 'BTC/USDT:USDT', side: 'sell', qty: 1, type: 'stop', stopPrice: 1 })).toMatch(/stop orders/);
  });

  it('agrees with ccxt\'s own `has` table where ccxt has an answer', () => {
    const has = ex.has as Record<string, boolean | 'emulated' | undefined>;
    expect(OKX_PROFILE.deadMan !== null).toBe(has['cancelAllOrdersAfter'] === true);
    expect(OKX_PROFILE.leverage.setLeverage).toBe(has['setLeverage']);
    expect(OKX_PROFILE.leverage.setMarginMode).toBe(has['setMarginMode']);
    expect(OKX_PROFILE.markets.swap.replace).toBe(has['editOrder']);
    const phas = pro.has as Record<string, boolean | 'emulated' | undefined>;
    for (const k of ['watchOHLCV', 'watchTicker', 'watchOrders', 'watchMyTrades', 'watchPositions'] as const) expect(OKX_PROFILE.ws[k]).toBe(phas[k]);
  });
});
