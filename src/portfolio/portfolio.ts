/**
 * Positions and cash: the ledger. Quantities are integer lots, money is integer money units
 * (see domain/money.ts); a fill is turned into integers once and the ledger only adds integers.
 */
import { type Instrument, type MarginMode, settlementOf, toLots, toTicks, fromSteps } from '../domain/instrument.ts';
import { type Money, ZERO, add, sub, money, notional, mulDiv, toNumber } from '../domain/money.ts';
import type { Side } from '../domain/order.ts';
import { initialMargin, isolatedCollateral, liquidationPrice, maintenanceMargin } from '../domain/perp.ts';
import type { AccountEntry } from '../ports/index.ts';

export interface PositionView {
  readonly symbol: string;
  /** Signed quantity: positive long, negative short. */
  readonly qty: number;
  /** Average entry price of the open quantity (0 when flat). */
  readonly avgPrice: number;
  readonly lastPrice: number;
  readonly unrealizedPnl: number;
  readonly realizedPnl: number;
  readonly fees: number;
  /** Funding received (positive) or paid (negative) on this symbol, in its quote currency. */
  readonly funding: number;
  /** The price the position is valued at: the last price (the simulator's mark is the last event's price). */
  readonly markPrice: number;
  /** Perpetuals: the estimated mark price that liquidates the open position (domain/perp.ts); else null. */
  readonly liquidationPrice: number | null;
  /** Perpetuals: the instrument's leverage and margin mode; null for anything else. */
  readonly leverage: number | null;
  readonly marginMode: MarginMode | null;
}

export interface AccountView {
  readonly currency: string;
  readonly cash: number;
  readonly cashByCurrency: Readonly<Record<string, number>>;
  readonly equity: number;
  readonly buyingPower: number;
  readonly marginUsed: number;
  readonly realizedPnl: number;
  readonly fees: number;
  /** Funding received (positive) or paid (negative), all symbols, in the account currency. */
  readonly funding: number;
  /** Liquidations booked (venue entries of kind 'liquidation'). */
  readonly liquidations: number;
}

export interface AccountSettings {
  readonly currency: string;
  readonly cash: number;
  /** 'cash': no shorting of spot, buying power = cash. 'margin': leverage and shorts allowed. */
  readonly type: 'cash' | 'margin';
  /** Gross exposure allowed per unit of equity on margin accounts (Reg T overnight: 2). */
  readonly leverage: number;
  /** Leverage for perpetuals whose instrument names none (initial margin = notional / leverage). */
  readonly perpLeverage: number;
  /** Units of account currency per unit of another quote currency (stablecoins default to 1). */
  readonly fxRates: Readonly<Record<string, number>>;
}

export const DEFAULT_ACCOUNT: AccountSettings = {
  currency: 'USD', cash: 100_000, type: 'cash', leverage: 1, perpLeverage: 3, fxRates: { USDT: 1, USDC: 1 },
};

class Position {
  lots = 0;
  /** Signed cost of the open lots: long positive, short negative. */
  cost: Money = ZERO;
  realized: Money = ZERO;
  fees: Money = ZERO;
  funding: Money = ZERO;
  lastPrice = 0;
  /** Insertion order in the book (the order the full summation visits positions in). */
  seq = 0;
  /** In Portfolio.held (lots !== 0). */
  held = false;
  /** lots * lotSize, toNumber(cost), and 'notional' settlement: the operands equity() reads, kept per fill. */
  units = 0;
  costN = 0;
  readonly notional: boolean;
  /** Perpetuals: the instrument's leverage (the account's perpLeverage when it names none) and mode. */
  readonly leverage: number;
  readonly isolated: boolean;
  constructor(readonly instrument: Instrument, defaultLeverage: number) {
    this.notional = settlementOf(instrument) === 'notional';
    this.leverage = instrument.perp?.leverage ?? defaultLeverage;
    this.isolated = instrument.perp?.marginMode === 'isolated';
  }
}

/**
 * One symbol's place in the book, for a caller that marks the same symbols on every event (the
 * engine's per-symbol slot): `markAt` needs no lookup. Valid for the life of the Portfolio that
 * issued it, across fills and restores; a symbol with nothing booked is marked as a no-op, as
 * `mark` does.
 */
export interface BookHandle {
  readonly symbol: string;
}

class Handle implements BookHandle {
  /** The symbol's position, once one is booked (relinked by restore). */
  pos: Position | undefined = undefined;
  constructor(readonly symbol: string) {}
}

export interface FillEffect {
  readonly realized: number;
  readonly positionQty: number;
}

export class Portfolio {
  private readonly positions = new Map<string, Position>();
  private readonly cash = new Map<string, Money>();
  private realizedTotal: Money = ZERO;
  private feesTotal: Money = ZERO;
  /** Funding in the account currency (each payment converted at the FX rate when booked). */
  private fundingTotal = 0;
  private liquidationCount = 0;
  /**
   * equity() as last computed, and whether anything it reads moved since (a fill, a restore, a
   * new price on an open position). Read many times per change (the strategy's account(), buying
   * power, the collector's sample, the sim's costing), computed once: the same sum, in the same
   * order, so the same double.
   */
  private equityCache = 0;
  private equityStale = true;
  /**
   * O(1) equity: the cash part of the sum (what the loop over currencies gives, kept until a fill
   * or restore moves cash) and the open positions alone, in book order. Summed in the same order
   * as the full summation (recomputeEquity), so the same double; a mark of a flat or unknown
   * symbol changes nothing, a mark of an open one recomputes (lazily) only the open positions.
   */
  private cashPart = 0;
  private cashStale = true;
  private readonly held: Position[] = [];
  private nextSeq = 0;
  private readonly handles = new Map<string, Handle>();

  constructor(readonly settings: AccountSettings = DEFAULT_ACCOUNT) {
    this.cash.set(settings.currency, money(settings.cash));
  }

  private pos(instrument: Instrument): Position {
    let p = this.positions.get(instrument.symbol);
    if (p === undefined) {
      p = new Position(instrument, this.settings.perpLeverage);
      p.seq = this.nextSeq++;
      this.positions.set(instrument.symbol, p);
      const h = this.handles.get(instrument.symbol);
      if (h !== undefined) h.pos = p;
    }
    return p;
  }

  /** After p.lots or p.cost changed: refresh its cached operands and its place among the open. */
  private rebook(p: Position): void {
    p.units = p.lots * p.instrument.lotSize;
    p.costN = toNumber(p.cost);
    const open = p.lots !== 0;
    if (open === p.held) return;
    p.held = open;
    // Shifted by hand: splice allocates the array of removed elements on every call.
    const h = this.held;
    if (open) {
      let k = h.length;
      h.push(p);
      while (k > 0 && h[k - 1]!.seq > p.seq) { h[k] = h[k - 1]!; k--; }
      h[k] = p;
    } else {
      let k = h.indexOf(p);
      for (; k < h.length - 1; k++) h[k] = h[k + 1]!;
      h.pop();
    }
  }

  /** Book one fill. Returns the realized P&L it produced (quote currency) and the new quantity. */
  applyFill(instrument: Instrument, side: Side, qty: number, price: number, fee: number): FillEffect {
    const p = this.pos(instrument);
    const { tickSize, lotSize, multiplier } = instrument;
    const lots = toLots(qty, lotSize);
    const ticks = toTicks(price, tickSize);
    const dir = side === 'buy' ? 1 : -1;
    const feeM = money(fee);
    let realized: Money = ZERO;

    if (p.lots === 0 || Math.sign(p.lots) === dir) {
      p.cost = add(p.cost, (dir * notional(ticks, lots, tickSize, lotSize, multiplier)) as Money);
      p.lots += dir * lots;
    } else {
      const posDir = Math.sign(p.lots);
      const closeLots = Math.min(lots, Math.abs(p.lots));
      // A whole close takes the whole cost (what mulDiv gives, without its BigInt round trip).
      const costClosed = (closeLots === Math.abs(p.lots) ? p.cost : mulDiv(p.cost, closeLots, Math.abs(p.lots))) as Money;
      const valueClosed = (posDir * notional(ticks, closeLots, tickSize, lotSize, multiplier)) as Money;
      realized = sub(valueClosed, costClosed);
      p.cost = sub(p.cost, costClosed);
      p.lots -= posDir * closeLots;
      const rest = lots - closeLots;
      if (rest > 0) {
        p.cost = (dir * notional(ticks, rest, tickSize, lotSize, multiplier)) as Money;
        p.lots = dir * rest;
      }
      if (p.lots === 0) p.cost = ZERO;
    }
    p.lastPrice = price;
    p.realized = add(p.realized, realized);
    p.fees = add(p.fees, feeM);
    this.realizedTotal = add(this.realizedTotal, realized);
    this.feesTotal = add(this.feesTotal, feeM);

    const ccy = instrument.quoteCurrency;
    const before = this.cash.get(ccy) ?? ZERO;
    const cashDelta = settlementOf(instrument) === 'notional'
      ? (-dir * notional(ticks, lots, tickSize, lotSize, multiplier)) as Money
      : realized;
    this.cash.set(ccy, sub(add(before, cashDelta), feeM));
    this.rebook(p);
    this.equityStale = true;
    this.cashStale = true;
    return { realized: toNumber(realized), positionQty: fromSteps(p.lots, lotSize) };
  }

  /** A fee learned after its fill was booked (a late commission): position fees, total fees and cash. */
  applyFee(instrument: Instrument, fee: number): void {
    const p = this.pos(instrument);
    const feeM = money(fee);
    p.fees = add(p.fees, feeM);
    this.feesTotal = add(this.feesTotal, feeM);
    const ccy = instrument.quoteCurrency;
    this.cash.set(ccy, sub(this.cash.get(ccy) ?? ZERO, feeM));
    this.equityStale = true;
    this.cashStale = true;
  }

  /**
   * Book a venue-initiated entry (ports AccountEntry): its trade like a fill with no order (realized
   * P&L from the position's cost), then its cash. Funding counts in the funding totals; a
   * liquidation's penalty, a fee and a rebate count as fees (a rebate negative); a liquidation is
   * counted. `instrument` is the entry's symbol's (undefined for account-wide entries).
   */
  applyEntry(entry: AccountEntry, instrument: Instrument | undefined): FillEffect {
    let realized = 0;
    if (entry.trade !== undefined && entry.trade.qty !== 0) {
      if (instrument === undefined) throw new Error(`entry ${entry.entryId}: a ${entry.kind} trade on ${entry.symbol ?? 'no symbol'} needs its instrument`);
      const t = entry.trade;
      realized = this.applyFill(instrument, t.qty > 0 ? 'buy' : 'sell', Math.abs(t.qty), t.price, 0).realized;
    }
    const amt = money(entry.amount);
    const ccy = entry.currency;
    this.cash.set(ccy, add(this.cash.get(ccy) ?? ZERO, amt));
    const p = instrument === undefined ? undefined : this.pos(instrument);
    const kind = entry.kind;
    if (kind === 'funding') {
      if (p !== undefined) p.funding = add(p.funding, amt);
      this.fundingTotal += entry.amount * this.rate(ccy);
    } else if (kind === 'liquidation' || kind === 'fee' || kind === 'fee_rebate') {
      const fee = -amt as Money;
      if (p !== undefined) p.fees = add(p.fees, fee);
      this.feesTotal = add(this.feesTotal, fee);
    }
    if (kind === 'liquidation') this.liquidationCount++;
    this.equityStale = true;
    this.cashStale = true;
    return { realized, positionQty: p === undefined ? 0 : fromSteps(p.lots, p.instrument.lotSize) };
  }

  /** Mark a symbol to the latest price (unrealized P&L, equity). Cheap: called on every bar. */
  mark(symbol: string, price: number): void {
    const p = this.positions.get(symbol);
    if (p !== undefined) this.markPosition(p, price);
  }

  /** The one marking rule: a new price moves equity only while the position is open. */
  private markPosition(p: Position, price: number): void {
    if (p.lastPrice === price) return;
    p.lastPrice = price;
    if (p.lots !== 0) this.equityStale = true;
  }

  /** The symbol's handle for markAt (one per symbol, made on first ask). */
  handle(symbol: string): BookHandle {
    let h = this.handles.get(symbol);
    if (h === undefined) {
      h = new Handle(symbol);
      h.pos = this.positions.get(symbol);
      this.handles.set(symbol, h);
    }
    return h;
  }

  /** mark(h.symbol, price) without the lookup; `h` must come from this portfolio's handle(). */
  markAt(h: BookHandle, price: number): void {
    const p = (h as Handle).pos;
    if (p !== undefined) this.markPosition(p, price);
  }

  /** Open positions, any instrument. */
  openCount(): number {
    return this.held.length;
  }

  qty(symbol: string): number {
    const p = this.positions.get(symbol);
    return p === undefined || p.lots === 0 ? 0 : fromSteps(p.lots, p.instrument.lotSize);
  }

  lots(symbol: string): number {
    return this.positions.get(symbol)?.lots ?? 0;
  }

  position(symbol: string): PositionView {
    const p = this.positions.get(symbol);
    if (p === undefined) {
      return { symbol, qty: 0, avgPrice: 0, lastPrice: 0, unrealizedPnl: 0, realizedPnl: 0, fees: 0, funding: 0, markPrice: 0, liquidationPrice: null, leverage: null, marginMode: null };
    }
    const i = p.instrument;
    const q = fromSteps(p.lots, i.lotSize);
    const costN = toNumber(p.cost);
    const avg = p.lots === 0 ? 0 : costN / (q * i.multiplier);
    const perp = !p.notional;
    return {
      symbol,
      qty: q,
      avgPrice: avg,
      lastPrice: p.lastPrice,
      unrealizedPnl: p.lots === 0 ? 0 : q * p.lastPrice * i.multiplier - costN,
      realizedPnl: toNumber(p.realized),
      fees: toNumber(p.fees),
      funding: toNumber(p.funding),
      markPrice: p.lastPrice,
      liquidationPrice: perp ? this.liquidationOf(p) : null,
      leverage: perp ? p.leverage : null,
      marginMode: perp ? (p.isolated ? 'isolated' : 'cross') : null,
    };
  }

  /** The estimated liquidation price of a symbol's open perpetual position (null when none or out of reach). */
  liquidationPrice(symbol: string): number | null {
    const p = this.positions.get(symbol);
    return p === undefined || p.notional ? null : this.liquidationOf(p);
  }

  /**
   * domain/perp.ts liquidationPrice with this position's collateral. Isolated: its entry margin.
   * Cross: the account's equity without this position's own P&L, less what the other positions tie
   * up (maintenance margin of other cross perpetuals, entry margin and P&L of isolated ones), in the
   * position's quote currency.
   */
  private liquidationOf(p: Position): number | null {
    if (p.lots === 0) return null;
    const i = p.instrument;
    const mmr = i.perp?.maintenanceMarginRate ?? 0;
    const q = p.units * i.multiplier;
    const entry = p.costN / q;
    if (p.isolated) return liquidationPrice(q, entry, isolatedCollateral(p.costN, p.leverage), mmr);
    let other = 0;
    const h = this.held;
    for (let k = 0; k < h.length; k++) {
      const o = h[k]!;
      if (o === p || o.notional) continue;
      const oi = o.instrument;
      const value = o.units * o.lastPrice * oi.multiplier;
      const tied = o.isolated ? initialMargin(o.costN, o.leverage) + (value - o.costN) : maintenanceMargin(value, oi.perp?.maintenanceMarginRate ?? 0);
      other += tied * this.rate(oi.quoteCurrency);
    }
    const own = (p.units * p.lastPrice * i.multiplier - p.costN) * this.rate(i.quoteCurrency);
    const collateral = (this.equity() - own - other) / this.rate(i.quoteCurrency);
    return liquidationPrice(q, entry, collateral, mmr);
  }

  positionsList(): PositionView[] {
    const out: PositionView[] = [];
    for (const [sym, p] of this.positions) if (p.lots !== 0 || p.realized !== 0) out.push(this.position(sym));
    return out;
  }

  private rate(ccy: string): number {
    if (ccy === this.settings.currency) return 1;
    const r = this.settings.fxRates[ccy];
    if (r === undefined) throw new Error(`no FX rate from ${ccy} to ${this.settings.currency}: add it under account.fxRates in the config`);
    return r;
  }

  /** Equity in the account currency: cash plus open positions at their last price. Hot path. */
  equity(): number {
    if (!this.equityStale) return this.equityCache;
    if (this.cashStale) {
      let c = 0;
      for (const [ccy, m] of this.cash) c += toNumber(m) * this.rate(ccy);
      this.cashPart = c;
      this.cashStale = false;
    }
    let eq = this.cashPart;
    const h = this.held;
    for (let k = 0; k < h.length; k++) {
      const p = h[k]!;
      const i = p.instrument;
      const value = p.units * p.lastPrice * i.multiplier;
      const r = this.rate(i.quoteCurrency);
      eq += (p.notional ? value : value - p.costN) * r;
    }
    this.equityCache = eq;
    this.equityStale = false;
    return eq;
  }

  /**
   * The reference equity() must equal to the bit: the full sum over every currency and every
   * position, nothing cached (tests; a check when in doubt). Not for the hot path.
   */
  recomputeEquity(): number {
    let eq = 0;
    for (const [ccy, m] of this.cash) eq += toNumber(m) * this.rate(ccy);
    for (const p of this.positions.values()) {
      if (p.lots === 0) continue;
      const i = p.instrument;
      const value = p.lots * i.lotSize * p.lastPrice * i.multiplier;
      const r = this.rate(i.quoteCurrency);
      eq += (settlementOf(i) === 'notional' ? value : value - toNumber(p.cost)) * r;
    }
    return eq;
  }

  /** Margin tied up by open positions (shorts and perpetuals), in account currency. */
  marginUsed(): number {
    let m = 0;
    const h = this.held;
    for (let k = 0; k < h.length; k++) {
      const p = h[k]!;
      const i = p.instrument;
      const gross = Math.abs(p.units * p.lastPrice * i.multiplier) * this.rate(i.quoteCurrency);
      if (!p.notional) m += perpMargin(p, gross, this.rate(i.quoteCurrency));
      else if (p.lots < 0) m += gross * 1.5; // Reg T: a short needs 150% of its value
    }
    return m;
  }

  /** The reference marginUsed() must equal: every position visited (tests). */
  recomputeMarginUsed(): number {
    let m = 0;
    for (const p of this.positions.values()) {
      if (p.lots === 0) continue;
      const i = p.instrument;
      const gross = Math.abs(p.lots * i.lotSize * p.lastPrice * i.multiplier) * this.rate(i.quoteCurrency);
      if (settlementOf(i) === 'pnl') m += perpMargin(p, gross, this.rate(i.quoteCurrency));
      else if (p.lots < 0) m += gross * 1.5; // Reg T: a short needs 150% of its value
    }
    return m;
  }

  /** What can still be spent on a new exposure-increasing order. */
  buyingPower(): number {
    const eq = this.equity();
    if (this.settings.type === 'cash') {
      const c = this.cashIn(this.settings.currency);
      return Math.max(0, Math.min(c, eq - this.marginUsed()));
    }
    let gross = 0;
    const h = this.held;
    for (let k = 0; k < h.length; k++) {
      const p = h[k]!;
      if (!p.notional) continue;
      gross += Math.abs(p.units * p.lastPrice * p.instrument.multiplier) * this.rate(p.instrument.quoteCurrency);
    }
    return Math.max(0, eq * this.settings.leverage - gross);
  }

  cashIn(ccy: string): number {
    return toNumber(this.cash.get(ccy) ?? ZERO);
  }

  /** Cash per currency, without the equity and margin figures account() also computes. */
  cashByCurrency(): Record<string, number> {
    const byCcy: Record<string, number> = {};
    for (const [c, m] of this.cash) byCcy[c] = toNumber(m);
    return byCcy;
  }

  account(): AccountView {
    return {
      currency: this.settings.currency,
      cash: this.cashIn(this.settings.currency),
      cashByCurrency: this.cashByCurrency(),
      equity: this.equity(),
      buyingPower: this.buyingPower(),
      marginUsed: this.marginUsed(),
      realizedPnl: toNumber(this.realizedTotal),
      fees: toNumber(this.feesTotal),
      funding: this.fundingTotal,
      liquidations: this.liquidationCount,
    };
  }

  /** Replace the whole book from a venue snapshot (crash recovery, reconciliation adoption). */
  restore(cash: Readonly<Record<string, number>>, positions: readonly { instrument: Instrument; qty: number; avgPrice: number }[]): void {
    this.equityStale = true;
    this.cashStale = true;
    this.cash.clear();
    for (const [c, v] of Object.entries(cash)) this.cash.set(c, money(v));
    this.positions.clear();
    for (const h of this.handles.values()) h.pos = undefined;
    this.held.length = 0;
    this.nextSeq = 0;
    for (const { instrument, qty, avgPrice } of positions) {
      const p = this.pos(instrument);
      p.lots = toLots(qty, instrument.lotSize);
      // A venue's average price is rarely on the tick grid: take its cost as stated, rounded once.
      p.cost = money(qty * avgPrice * instrument.multiplier);
      p.lastPrice = avgPrice;
      this.rebook(p);
    }
  }
}

/**
 * A perpetual's margin (account currency): isolated, the margin it was opened with (entry notional /
 * leverage); cross, the initial margin at the mark (gross at the mark / leverage).
 */
function perpMargin(p: Position, grossAtMark: number, rate: number): number {
  return p.isolated ? initialMargin(toNumber(p.cost), p.leverage) * rate : initialMargin(grossAtMark, p.leverage);
}
