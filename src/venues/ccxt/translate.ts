/**
 * ccxt's unified order, trade and ledger entry into parity's reports, order states and account
 * entries: pure functions, every venue difference read from the profile. Input is parsed (wire.ts)
 * before it gets here; what cannot be translated throws CcxtProtocolError with the field to check.
 */
import type { OrderRequest } from '../../domain/order.ts';
import type { AccountEntry, ExecutionReport, VenueExecution, VenueOrderState, VenueOrderStatus } from '../../ports/index.ts';
import { CcxtProtocolError } from './errors.ts';
import type { CcxtProfile, MarketType } from './profiles.ts';
import { infoNumber, infoString, type CcxtLedgerEntryT, type CcxtOrderT, type CcxtTradeT } from './wire.ts';

type WithClientId = { readonly clientOrderId?: string | null | undefined; readonly info: Readonly<Record<string, unknown>> };

/** The client order id an order or trade carries, ours or the venue's own: the venue's field first (ccxt drops it on some paths). */
function rawClientIdOf(p: CcxtProfile, x: WithClientId): string | null {
  return infoString(x.info, p.clientId.field) ?? (x.clientOrderId !== undefined && x.clientOrderId !== null && x.clientOrderId !== '' ? x.clientOrderId : null);
}

/** Our client order id on a ccxt order or trade; null when it has none or the venue's own (profile venueTrades: a liquidation's forced order). */
export function clientIdOf(p: CcxtProfile, x: WithClientId): string | null {
  const cid = rawClientIdOf(p, x);
  return cid !== null && venueKindOf(p, cid) !== null ? null : cid;
}

/** What the venue's own order with this client id is (profile venueTrades); null for any other id. */
export function venueKindOf(p: CcxtProfile, cid: string | null): 'liquidation' | 'adl' | null {
  if (cid === null) return null;
  return p.venueTrades?.find((v) => cid.startsWith(v.prefix))?.kind ?? null;
}

/** The client id of an order the venue placed on our account (profile venueTrades); null for ours and any other. */
export function venueOrderCidOf(p: CcxtProfile, x: WithClientId): string | null {
  const cid = rawClientIdOf(p, x);
  return venueKindOf(p, cid) !== null ? cid : null;
}

/**
 * A trade of the venue's own order on our account (a liquidation, an ADL) as ONE account entry:
 * the trade (signed, positive bought) and, as cash apart from its P&L, minus its commission; the
 * entry id from the trade id, so the stream and REST give the same entry. Null for any other trade.
 */
export function venueTradeOf(p: CcxtProfile, t: CcxtTradeT): AccountEntry | null {
  const cid = rawClientIdOf(p, t);
  const kind = venueKindOf(p, cid);
  if (kind === null) return null;
  if (!(t.amount > 0) || !(t.price > 0)) throw new CcxtProtocolError('trade', `${kind} trade ${t.id} (${cid}) has amount ${t.amount} and price ${t.price}: reconciliation takes the venue's position`);
  const currency = t.fee?.currency ?? t.symbol.split(':')[1] ?? t.symbol.split('/')[1] ?? '';
  return {
    entryId: `trade-${t.id}`, kind, symbol: t.symbol, currency, amount: round(-feeOf(p, t)),
    trade: { qty: t.side === 'buy' ? t.amount : -t.amount, price: t.price }, ts: t.timestamp,
  };
}

export function statusOf(o: Pick<CcxtOrderT, 'status' | 'filled' | 'amount'>): VenueOrderStatus {
  const filled = o.filled ?? 0;
  switch (o.status) {
    case 'open': return filled > 0 ? 'partially_filled' : 'accepted';
    case 'closed': return 'filled';
    case 'canceled': return 'canceled';
    case 'expired': return 'expired';
    case 'rejected': return 'rejected';
    default: return 'pending';
  }
}

const TIFS = ['day', 'gtc', 'ioc', 'fok'] as const;

export function requestOf(o: CcxtOrderT): OrderRequest {
  const tif = TIFS.find((t) => t === o.timeInForce?.toLowerCase()) ?? 'gtc';
  const base = { symbol: o.symbol, side: o.side, qty: o.amount, tif, ...(o.reduceOnly === true ? { reduceOnly: true } : {}) };
  if (o.type !== 'market' && o.price !== undefined && o.price !== null && o.price > 0) return { ...base, type: 'limit', limitPrice: o.price };
  return { ...base, type: 'market' };
}

/** ccxt's order status, with the venue's own statuses the profile says mean cancelled (`canceledStatuses`) made so. */
export function venueStatusOf(p: CcxtProfile, o: CcxtOrderT): CcxtOrderT['status'] {
  const c = p.canceledStatuses;
  return c !== undefined && c.values.includes(infoString(o.info, c.field) ?? '') ? 'canceled' : o.status;
}

export function orderStateOf(p: CcxtProfile, o: CcxtOrderT): VenueOrderState {
  const created = o.timestamp ?? o.lastUpdateTimestamp ?? 0;
  return {
    clientOrderId: clientIdOf(p, o) ?? o.id, venueOrderId: o.id, request: requestOf(o), status: statusOf({ ...o, status: venueStatusOf(p, o) }),
    filledQty: o.filled ?? 0, avgFillPrice: o.average ?? 0, createdAt: created,
    updatedAt: o.lastUpdateTimestamp ?? o.lastTradeTimestamp ?? created,
  };
}

/**
 * The status report an order update carries (fills come from trades, so a filled order says
 * nothing here); null when there is nothing to report.
 */
export function statusReportOf(p: CcxtProfile, o: CcxtOrderT): ExecutionReport | null {
  const cid = clientIdOf(p, o);
  if (cid === null) return null;
  const ts = o.lastUpdateTimestamp ?? o.timestamp ?? 0;
  switch (venueStatusOf(p, o)) {
    case 'open': return { kind: 'accepted', clientOrderId: cid, venueOrderId: o.id, ts: o.timestamp ?? ts };
    case 'canceled': return { kind: 'canceled', clientOrderId: cid, ts };
    case 'expired': return { kind: 'expired', clientOrderId: cid, ts };
    case 'rejected': return { kind: 'rejected', clientOrderId: cid, reason: `rejected by ${p.name}`, ts };
    default: return null;
  }
}

/**
 * Fee, positive paid (parity's sign): a maker rebate is negative. Read from the venue's own fields:
 * ccxt flips OKX's sign on REST trades and not on websocket ones (orderToTrade), so its `fee.cost`
 * means two things.
 */
function feeOf(p: CcxtProfile, t: CcxtTradeT): number {
  for (const field of p.fee.fields) {
    const v = infoNumber(t.info, field);
    if (v !== undefined) return p.fee.paidIsNegative ? -v : v;
  }
  return t.fee?.cost ?? 0;
}

/** A trade of ours as a fill report; null when it carries no client id of ours (the venue's own trade). */
export function fillOf(p: CcxtProfile, t: CcxtTradeT): Extract<ExecutionReport, { kind: 'fill' }> | null {
  const cid = clientIdOf(p, t);
  if (cid === null) return null;
  const ff = p.fillFields;
  const qty = ff === undefined ? t.amount : infoNumber(t.info, ff.qty);
  const price = ff === undefined ? t.price : infoNumber(t.info, ff.price);
  if (qty === undefined || price === undefined || !(qty > 0) || !(price > 0)) throw new CcxtProtocolError('trade', `${t.id} of ${cid} has amount ${qty} and price ${price}: reconciliation takes the venue's position`);
  const cum = p.cumQtyField === null ? undefined : infoNumber(t.info, p.cumQtyField);
  return {
    kind: 'fill', clientOrderId: cid, execId: t.id, qty, price, fee: feeOf(p, t),
    liquidity: t.takerOrMaker === 'maker' ? 'maker' : 'taker', ts: t.timestamp,
    ...(t.order !== undefined && t.order !== null ? { venueOrderId: t.order, ...(cum !== undefined && cum > 0 ? { venueCumQty: cum } : {}) } : {}),
  };
}

export function executionOf(p: CcxtProfile, t: CcxtTradeT): VenueExecution | null {
  const f = fillOf(p, t);
  if (f === null) return null;
  return {
    clientOrderId: f.clientOrderId, execId: f.execId, symbol: t.symbol, side: t.side, qty: f.qty, price: f.price, fee: f.fee, ts: f.ts,
    ...(f.venueOrderId !== undefined ? { venueOrderId: f.venueOrderId } : {}), ...(f.venueCumQty !== undefined ? { venueCumQty: f.venueCumQty } : {}),
  };
}

/**
 * A ledger entry the venue booked on its own (funding, liquidation, ADL, rebate) as an AccountEntry;
 * null for the entries that are ours (trades, transfers): those arrive as fills or not at all.
 * A bill of a type the profile does not list (neither the venue's own nor ours) that moves cash is
 * 'other' with its whole cash change (OKX 7, interest deduction): the cash left the account whether
 * or not the profile knows why, so the books follow it (`unlistedBill` tells the caller to say so).
 * `amount` is the cash change apart from position P&L (the P&L of a liquidation follows from the
 * trade and the position's cost on our ledger). `symbolOf` maps the venue's instrument id to ccxt's
 * unified symbol (the loaded markets).
 */
export function entryOf(p: CcxtProfile, e: CcxtLedgerEntryT, symbolOf: (venueInstrumentId: string, marketType?: MarketType) => string | null): AccountEntry | null {
  const b = p.bills;
  const f = b.fields;
  const type = infoString(e.info, f.type) ?? '';
  const subType = infoString(e.info, f.subType) ?? '';
  const cash = infoNumber(e.info, f.cash) ?? e.amount ?? 0;
  const kind = b.subTypes[subType] ?? b.types[type] ?? (unlistedBill(p, e) && cash !== 0 ? 'other' : undefined);
  if (kind === undefined) return null;
  const pnl = infoNumber(e.info, f.pnl) ?? 0;
  const size = infoNumber(e.info, f.size);
  const price = infoNumber(e.info, f.price);
  const ts = infoNumber(e.info, f.ts) ?? e.timestamp;
  // ccxt's ledger entry has no symbol: the venue's instrument id is looked up in the loaded markets.
  const inst = infoString(e.info, f.instrument);
  // Where the venue's id names more than one market (Bybit BTCUSDT: spot and linear), the bill says which.
  const mt = f.marketType === undefined ? undefined : f.marketType.values[infoString(e.info, f.marketType.field) ?? ''];
  const symbol = e.symbol ?? (inst === undefined ? null : symbolOf(inst, mt));
  const trades = (kind === 'liquidation' || kind === 'adl') && size !== undefined && size > 0;
  // A bill that moved the position carries the position's P&L in its cash change: our ledger
  // derives that from the trade, so only the rest is cash. A cash-only bill (funding, a rebate) is
  // all cash, whatever the venue also puts in its P&L field (OKX: funding is P&L there).
  const base = { entryId: infoString(e.info, f.id) ?? e.id, kind, symbol, currency: e.currency, amount: round(trades ? cash - pnl : cash), ts };
  if (trades) {
    const side = b.tradeSide[subType];
    if (side === undefined) throw new CcxtProtocolError('ledger', `${kind} bill ${base.entryId} has sub type "${subType}", whose side the ${p.name} profile does not know: add it to bills.tradeSide`);
    if (price === undefined || !(price > 0)) throw new CcxtProtocolError('ledger', `${kind} bill ${base.entryId} has no price`);
    return { ...base, trade: { qty: side === 'buy' ? size : -size, price } };
  }
  if (kind === 'funding' && price !== undefined && price > 0) return { ...base, markPrice: price };
  return base;
}

/** A bill whose type the profile lists neither as the venue's own (`types`) nor as ours (`ours`). */
export function unlistedBill(p: CcxtProfile, e: CcxtLedgerEntryT): boolean {
  const type = infoString(e.info, p.bills.fields.type) ?? '';
  const subType = infoString(e.info, p.bills.fields.subType) ?? '';
  return p.bills.subTypes[subType] === undefined && p.bills.types[type] === undefined && !p.bills.ours.includes(type);
}

/** Cash and quantities to 10 decimals: sums of venue decimals stay free of binary noise. */
export const round = (x: number): number => Math.round(x * 1e10) / 1e10;
