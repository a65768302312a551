/** OKX v5 JSON shapes (every number a string, as OKX sends them) for the fake's answers and pushes. */
import { initialMargin, maintenanceMargin } from '../../domain/perp.ts';
import type { OkxBill, OkxBook, OkxFill, OkxInst, OkxOrder } from './book.ts';

export const s = (n: number | null | undefined): string => (n === null || n === undefined || !Number.isFinite(n) ? '' : String(Number(n.toPrecision(15))));

export function instrumentJson(i: OkxInst, lever: number) {
  const swap = i.instType === 'SWAP';
  return {
    instType: i.instType, instId: i.spec.instId, uly: swap ? `${i.base}-${i.quote}` : '', instFamily: swap ? `${i.base}-${i.quote}` : '',
    baseCcy: swap ? '' : i.base, quoteCcy: swap ? '' : i.quote, settleCcy: swap ? i.quote : '', ctValCcy: swap ? i.base : '',
    ctVal: swap ? s(i.ctVal) : '', ctMult: swap ? '1' : '', ctType: swap ? 'linear' : '', alias: '', category: '1', expTime: '', listTime: '1606468572000',
    lever: swap ? s(Math.max(lever, 100)) : '10', lotSz: s(i.spec.lotSz), minSz: s(i.spec.minSz), tickSz: s(i.spec.tickSz),
    maxLmtSz: '100000000', maxMktSz: swap ? '10000' : '1000000', optType: '', stk: '', state: 'live', ruleType: 'normal',
  };
}

export function orderJson(o: OkxOrder) {
  const avg = o.accFillSz > 0 ? o.fillValue / o.accFillSz : null;
  const f = o.lastFill;
  return {
    instType: o.instType, instId: o.instId, ordId: o.ordId, clOrdId: o.clOrdId, tag: o.tag, px: s(o.px), sz: s(o.sz), ordType: o.ordType,
    side: o.side, posSide: o.instType === 'SWAP' ? 'net' : '', tdMode: o.tdMode, tgtCcy: o.instType === 'SPOT' ? 'base_ccy' : '', accFillSz: s(o.accFillSz),
    fillPx: f !== null ? s(f.px) : '', fillSz: f !== null ? s(f.sz) : '0', tradeId: f !== null ? f.tradeId : '', fillTime: f !== null ? String(f.ts) : '',
    fillFee: f !== null ? s(f.fee) : '0', fillFeeCcy: f !== null ? feeCcy(o) : '', execType: f !== null ? (f.maker ? 'M' : 'T') : '',
    avgPx: avg !== null ? s(avg) : '', state: o.state, lever: o.lever > 0 ? s(o.lever) : '', fee: s(o.fee), feeCcy: feeCcy(o), rebate: '0', rebateCcy: feeCcy(o),
    pnl: '0', category: 'normal', reduceOnly: String(o.reduceOnly), cancelSource: o.cancelSource, cancelSourceReason: cancelReason(o.cancelSource),
    amendResult: o.amendResult, reqId: o.reqId, source: '', quickMgnType: '', stpMode: 'cancel_maker', attachAlgoOrds: [], linkedAlgoOrd: { algoId: '' },
    cTime: String(o.cTime), uTime: String(o.uTime), code: '0', msg: '',
  };
}

/** The sim charges every fee in the quote currency (OKX takes a spot buy's fee in the base currency). */
const feeCcy = (o: OkxOrder): string => o.instId.split('-')[1] ?? '';

function cancelReason(src: string): string {
  if (src === '1') return 'Order canceled by user';
  if (src === '20') return 'Cancel all after triggered';
  if (src === '0') return 'Order canceled by system';
  if (src === '3') return 'Order canceled: the system canceled it due to insufficient margin ratio and forced-liquidation risk.';
  if (src === '22') return 'Order canceled: Reduce-only orders only allow reducing your current position. System has already canceled this order.';
  if (src === '13') return 'Order canceled: FOK order was canceled due to incompletely filled.';
  if (src === '14') return 'Order canceled: IOC order was partially canceled due to incompletely filled.';
  return '';
}

export function fillJson(f: OkxFill) {
  return {
    instType: f.instType, instId: f.instId, tradeId: f.tradeId, ordId: f.ordId, clOrdId: f.clOrdId, billId: f.billId, tag: f.tag, fillPx: s(f.fillPx),
    fillSz: s(f.fillSz), side: f.side, posSide: f.instType === 'SWAP' ? 'net' : '', execType: f.maker ? 'M' : 'T', feeCcy: f.instId.split('-')[1] ?? '', fee: s(f.fee), ts: String(f.ts),
    fillTime: String(f.ts), fillIdxPx: '', fillMarkPx: '',
  };
}

export function billJson(b: OkxBill) {
  return {
    billId: b.billId, ccy: b.ccy, instId: b.instId, instType: b.instType, type: b.type, subType: b.subType, balChg: s(b.balChg), bal: s(b.bal),
    posBal: '0', posBalChg: '0', sz: s(b.sz), px: s(b.px), pnl: s(b.pnl), fee: s(b.fee), ordId: b.ordId, clOrdId: b.clOrdId, tradeId: b.tradeId,
    mgnMode: b.mgnMode, execType: b.type === '2' ? 'M' : '', from: '', to: '', notes: '', interest: '0', tag: '', fillTime: b.type === '2' ? String(b.ts) : '',
    ts: String(b.ts),
  };
}

/**
 * A net-mode swap position, valued by the sim's ledger: its mark (the last price), its liquidation
 * price (domain/perp.ts: cross margin counts the account's whole collateral, so a well-funded
 * account shows none, "" as OKX does), leverage and margin mode. Margins from domain/perp.ts too.
 */
export function positionJson(p: ReturnType<OkxBook['swapPositions']>[number], now: number) {
  const { inst: i, view: v } = p;
  const lever = v.leverage ?? 1;
  const notional = Math.abs(v.qty) * i.ctVal * v.markPrice;
  const imr = initialMargin(notional, lever);
  const isolated = v.marginMode === 'isolated';
  const margin = isolated ? initialMargin(Math.abs(v.qty) * i.ctVal * v.avgPrice, lever) : 0;
  return {
    instType: 'SWAP', instId: i.spec.instId, mgnMode: v.marginMode ?? 'cross', posId: `pos${i.spec.instId}`, posSide: 'net', pos: s(v.qty), availPos: s(Math.abs(v.qty)),
    posCcy: '', ccy: i.quote, avgPx: s(v.avgPrice), markPx: s(v.markPrice), last: s(v.markPrice), idxPx: s(v.markPrice), liqPx: s(v.liquidationPrice), lever: s(lever),
    upl: s(v.unrealizedPnl), uplRatio: s(imr > 0 ? v.unrealizedPnl / imr : 0), uplLastPx: s(v.unrealizedPnl), realizedPnl: s(v.realizedPnl + v.funding), pnl: s(v.realizedPnl),
    fee: s(-v.fees), fundingFee: s(v.funding), imr: isolated ? '' : s(imr), margin: isolated ? s(margin) : '', mmr: s(maintenanceMargin(notional, i.inst.perp?.maintenanceMarginRate ?? 0)),
    mgnRatio: '', notionalUsd: s(notional), adl: '1', interest: '0', tradeId: '', bizRefId: '', bizRefType: '', cTime: String(now), uTime: String(now), pTime: String(now),
  };
}

export function balanceJson(book: OkxBook, now: number) {
  const { eq, imr, upl } = book.usdtEquity();
  const cash = book.usdtCash();
  let frozen = 0;
  for (const o of book.allOrders()) {
    if ((o.state === 'live' || o.state === 'partially_filled') && o.px !== null) {
      const i = book.insts.get(o.instId);
      if (i === undefined) continue;
      if (i.instType === 'SWAP') frozen += ((o.sz - o.accFillSz) * i.ctVal * o.px) / book.leverOf(o.instId);
      else if (o.side === 'buy') frozen += (o.sz - o.accFillSz) * o.px;
    }
  }
  const details = [{
    ccy: 'USDT', eq: s(eq), cashBal: s(cash), availBal: s(cash - frozen - imr), availEq: s(eq - frozen - imr), frozenBal: s(frozen + imr), ordFrozen: s(frozen),
    upl: s(upl), imr: s(imr), mmr: '0', eqUsd: s(eq), disEq: s(eq), uTime: String(now), isoEq: '0', notionalLever: '0', liab: '0', interest: '0',
  }];
  let total = eq;
  for (const [ccy, qty] of book.spotBalances()) {
    const px = [...book.insts.values()].find((i) => i.instType === 'SPOT' && i.base === ccy);
    const usd = qty * (px !== undefined ? book.markPx(px.spec.instId) ?? 0 : 0);
    total += usd;
    details.push({
      ccy, eq: s(qty), cashBal: s(qty), availBal: s(qty), availEq: s(qty), frozenBal: '0', ordFrozen: '0', upl: '0', imr: '0', mmr: '0', eqUsd: s(usd), disEq: s(usd),
      uTime: String(now), isoEq: '0', notionalLever: '0', liab: '0', interest: '0',
    });
  }
  return { uTime: String(now), totalEq: s(total), adjEq: s(total), imr: s(imr), mmr: '0', mgnRatio: '', notionalUsd: '0', ordFroz: s(frozen), upl: s(upl), details };
}
