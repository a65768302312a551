/**
 * The simulated venue: one matching core for backtests and the default paper mode. It matches our
 * working orders against the same market events the strategy sees and keeps its own books (a
 * `Portfolio`, the engine's ledger code) so reconciliation can compare the two.
 *
 * Time
 * - An order submitted at engine time t reaches the venue at t + submitMs; reports about it (accepted,
 *   rejected) carry t + submitMs + ackMs. It is matched only against events with ts >= t + submitMs
 *   AND ts > t: the events stamped t are the past of the decision (the engine handed them to
 *   onMarketData before the strategy decided; a bar's ts is its open label). So a market order decided
 *   on bar t's close fills at bar t+1's open: no look-ahead by construction.
 * - Fills carry the event's ts + ackMs. Cancels and replaces take effect at ts + submitMs (the order
 *   can still fill on the old terms before that) and are reported at ts + submitMs + ackMs. With
 *   submitMs > 0 they are applied by the first call (market event or command) at or after that time.
 *
 * Intra-bar path (bars)
 *   open -> the nearer of high / low to the open -> the other -> close, straight lines between them.
 *   Ties go high first: with no evidence either way we use the fixed O-H-L-C order most engines use
 *   (NautilusTrader without adaptive ordering, Backtrader), so results compare with theirs.
 *   - market (and a triggered stop's remainder): fills at the open.
 *   - limit buy: at the open if open <= limit (a gap through the limit: price improvement), else at
 *     the limit if the path touches it. Sell symmetric.
 *   - stop buy: triggers when the path reaches price >= stop; fills at the open if the bar opened
 *     through the stop, else at the stop. Sell symmetric. (The trigger rule for bars, trades and
 *     quotes lives in stop-trigger.ts: the stops parity holds for venues without them use it too.)
 *   - stop-limit: triggers like a stop, then works as a limit on the REST of the path only (a limit
 *     touched before the trigger does not count).
 *   - When several of our orders fill in one bar they fill in path order (then arrival order), so a
 *     stop and a target on the same position resolve in the order the path reaches them.
 * Trades: a bar whose path is one point.
 * Quotes: market buys at the ask, sells at the bid; stops trigger on the side they would trade at
 *   (buy stop: ask >= stop; sell stop: bid <= stop) and then fill at that quote; a marketable limit
 *   fills at the quote (taker); a resting limit fills at its limit once the opposite quote reaches it
 *   (maker).
 * Liquidity: an order that fills at the first point it sees after arriving (market, stop, marketable
 *   limit) is a taker; one that rested and was then reached is a maker. Only takers slip.
 * Prices: slippage (see fill-model.ts) then rounding onto the tick grid against the trader, then never
 *   worse than the order's limit.
 *
 * Quantity
 * - volumeShare (null = unlimited): a bar or trade fills at most share x its volume (rounded down to
 *   the lot grid) across all our orders on the symbol; a quote at most its displayed size per side.
 *   The remainder keeps working (market orders at later opens).
 * - Reduce-only fills are capped at the position they reduce; nothing left to reduce cancels them.
 *
 * Time in force (default: day for the us_equity calendar, gtc for 24x7, as the venues do)
 * - day: expires at the end of the instrument's trading day (calendar.ts). The first event (of any
 *   symbol) at or after that instant expires it before matching; the report carries expiry + ackMs.
 * - ioc / fok: judged at the first point of the first event the order sees (the open of a bar, the
 *   quote, the trade): "immediate" means at arrival, not somewhere later on a bar's path. ioc fills
 *   what that point allows and cancels the rest; fok fills all of it there or is canceled.
 *
 * Perpetuals (domain/perp.ts has the rules)
 * - Mark price: the last event's price (a bar's close, a trade's price, a quote's mid): the data
 *   carries no separate mark or index price.
 * - Funding: at every multiple of the instrument's fundingIntervalMs from the epoch, for each open
 *   perpetual position, booked on the first event at or after the boundary, at the mark before that
 *   event (the price in force at the boundary); a gap over several boundaries books each. A position
 *   opened at or after a boundary pays nothing for it. The rate is the schedule's (setFundingRates:
 *   the entry in force at the boundary) or the spec's constant. amount = -qty x multiplier x mark x
 *   rate (longs pay a positive rate).
 * - Liquidation: after matching an event, a position whose mark has reached its liquidation price
 *   (collateral down to maintenance margin, Portfolio.liquidationPrice) is closed at the mark; the
 *   liquidation fee (liquidationFeeRate x notional closed) is charged, the symbol's working orders
 *   are canceled with reason 'liquidation'.
 * - Both reach the engine as AccountEntry values on the entries sink (connect's third argument),
 *   never as fills of an order.
 *
 * Performance: with no working orders (and no cancel or replace in flight), onMarketData does a
 * symbol compare (a Map lookup only when the symbol changes), one compare for open perpetual
 * positions, one store (the last event, for marks and market-order cost estimates), two number
 * comparisons, and returns. With no open perpetual, funding and liquidation cost that one compare.
 */
import {
  type Instrument, fromSteps, isOnGrid, roundPriceAgainst, roundToTick, settlementOf, toLots, toTicks,
} from '../../domain/instrument.ts';
import { breached, fundingAmount, fundingBoundaryAfter } from '../../domain/perp.ts';
import type { Bar, MarketEvent, Quote, Trade } from '../../domain/market.ts';
import { type Money, money, mulDiv, notional, toNumber } from '../../domain/money.ts';
import type { OrderRequest, ReplaceRequest, Side, TimeInForce } from '../../domain/order.ts';
import type {
  AccountEntry, AccountEntrySink, ConnectionStatus, ExecutionClient, ExecutionReport, InstrumentProvider, ReportSink, SubmitCommand,
  TransportHooks, VenueCapabilities, VenueExecution, VenueOrderState, VenueQueries,
} from '../../ports/index.ts';
import { Portfolio, type AccountSettings, type AccountView, type PositionView } from '../../portfolio/portfolio.ts';
import { checkCapabilities, checkGrid, increasesExposure } from '../../risk/pre-trade.ts';
import { dayExpiry } from './calendar.ts';
import { type EndedOrder, EndedOrders, ExecutionLog } from './archive.ts';
import { type CommissionModel, ZERO_COMMISSION, feeStepUnits, orderFee, variableFee } from './commission.ts';
import { type FillModelOptions, type SlippageModel, IntrabarPath, NO_SLIPPAGE, fillPrice } from './fill-model.ts';
import { quoteSidePrice, stopReachedAt, stopTouchedOnPath } from './stop-trigger.ts';

export interface SimLatency {
  /** Order entry: engine -> venue. Orders, cancels and replaces take effect this much later. */
  readonly submitMs: number;
  /** Venue -> engine: every report arrives this much after the venue acted. */
  readonly ackMs: number;
}

export interface SimVenueOptions {
  readonly instruments: InstrumentProvider;
  readonly account: AccountSettings;
  readonly fills?: FillModelOptions;
  /** Shorthand for `fills.slippage` (the config file's `venue.slippage`); give one or the other. */
  readonly slippage?: SlippageModel;
  readonly commission?: CommissionModel;
  readonly latency?: SimLatency;
  /** Largest share of an event's volume our orders may take (0 < share <= 1); null or absent = no cap. */
  readonly volumeShare?: number | null;
  /**
   * 'auto' (default): the venue books funding at each interval boundary itself. 'external': only
   * when told (bookFunding), for a host that runs its own funding clock (the OKX fake).
   */
  readonly funding?: 'auto' | 'external';
  /** Funding rates per symbol from data (setFundingRates); symbols without one use their spec's constant. */
  readonly fundingRates?: Readonly<Record<string, readonly FundingRate[]>>;
}

/** A funding rate in force from `ts` (epoch ms) on, per interval: the boundary at or after ts uses it. */
export interface FundingRate {
  readonly ts: number;
  readonly rate: number;
}

export type SimOrderStatus = 'accepted' | 'partially_filled';

/** One working order as the venue holds it (for reconciliation tests). */
export interface SimOrderView {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly request: OrderRequest;
  readonly filledQty: number;
  readonly status: SimOrderStatus;
}

/** The venue's own books. */
export interface SimSnapshot {
  readonly orders: readonly SimOrderView[];
  readonly positions: readonly PositionView[];
  readonly cash: Readonly<Record<string, number>>;
  readonly account: AccountView;
}

export const SIM_CAPABILITIES_BASE = {
  orderTypes: ['market', 'limit', 'stop', 'stop_limit'],
  timeInForce: ['day', 'gtc', 'ioc', 'fok'],
  replace: true,
  reduceOnly: true,
  clientOrderId: { maxLength: 64, pattern: /^[A-Za-z0-9_-]+$/ },
  simulated: true,
} as const;

type Life = 'working' | 'filled' | 'canceled' | 'expired';

/** Orders and the last event of one symbol. */
class SymbolBook {
  readonly orders: SimOrder[] = [];
  last: MarketEvent | null = null;
  dirty = false;
  /** The venue's ledger holds a position for this symbol (it has filled): marked before costing. */
  traded = false;
  /** The book whose market data came right after this one's last time (onMarketData's guess). */
  next: SymbolBook | null = null;
  /** Perpetuals: an open position (in SimVenue.perpBooks), its next funding instant and liquidation price (NaN = none). */
  perpOpen = false;
  fundAt = Number.POSITIVE_INFINITY;
  liq = Number.NaN;
  long = false;
  /** The instrument, once it has held a perpetual position (no lookup per event). */
  inst: Instrument | null = null;
  /** The funding schedule for this symbol, ascending (empty: the spec's constant). */
  rates: readonly FundingRate[] = [];
  constructor(readonly symbol: string) {}
}

/** One order at the venue. A class so every order has the same shape (the matching loop is hot). */
class SimOrder {
  life: Life = 'working';
  filledLots = 0;
  execCount = 0;
  /** Venue clock of the last change (an execution or the end): what a query reports as updatedAt. NaN = none yet. */
  updatedTs = Number.NaN;
  /** Stop / stop-limit: the stop has been reached (a stop is then a market order, a stop-limit a limit). */
  triggered = false;
  /** Has been through at least one event it could match without completing: later fills are maker fills. */
  rested = false;
  /** Running totals for per-order fee minimums and maximums (money units). */
  valueM = 0;
  variableM = 0;
  chargedM = 0;
  /** Sums of qty x price and qty over this order's executions, in execution order (its average). */
  fillValue = 0;
  fillQty = 0;
  /** Candidate fill for the event in hand (scratch). */
  candPos = 0;
  candPx = 0;
  candMaker = false;

  constructor(
    readonly clientOrderId: string,
    readonly venueOrderId: string,
    readonly seq: number,
    readonly inst: Instrument,
    readonly book: SymbolBook,
    readonly buy: boolean,
    readonly tif: TimeInForce,
    readonly submitTs: number,
    readonly activeAt: number,
    public request: OrderRequest,
    public qtyLots: number,
    /** NaN when the order has no limit / stop. */
    public limit: number,
    public stop: number,
    /** Day orders' expiry; NaN until known (an order submitted before any time existed), else Infinity. */
    public expiresAt: number,
    /** Buying power held for `reserveLots` of the remaining quantity, in account-currency money units. */
    public reserveM: number,
    public reserveLots: number,
  ) {}

  get side(): Side {
    return this.buy ? 'buy' : 'sell';
  }

  remainingLots(): number {
    return this.qtyLots - this.filledLots;
  }
}

interface PendingAction {
  readonly at: number;
  readonly clientOrderId: string;
  /** null = cancel. */
  readonly changes: ReplaceRequest | null;
}

/** What submit's checks concluded. */
interface Admission {
  readonly inst: Instrument;
  readonly reserveM: number;
}

const MONEY_UNITS_PER_UNIT = 100_000_000;

export class SimVenue implements ExecutionClient {
  readonly venue = 'sim';
  readonly capabilities: VenueCapabilities;
  private readonly instruments: InstrumentProvider;
  private readonly ledger: Portfolio;
  private readonly slippage: SlippageModel;
  private readonly commission: CommissionModel;
  private readonly submitMs: number;
  private readonly ackMs: number;
  private readonly volumeShare: number | null;
  private sink: ReportSink | null = null;
  private entrySink: AccountEntrySink | null = null;
  private readonly autoFunding: boolean;
  /** Books with an open perpetual position; the count is the one compare an event pays for perpetuals. */
  private readonly perpBooks: SymbolBook[] = [];
  /** The earliest funding instant over open perpetual positions (Infinity: none, or funding external). */
  private nextFunding = Number.POSITIVE_INFINITY;
  private entrySeq = 0;
  /** Every entry the venue booked (entriesSince). */
  private readonly entryLog: AccountEntry[] = [];

  private readonly books = new Map<string, SymbolBook>();
  private lastBook: SymbolBook | null = null;
  /** Working orders by client order id. */
  private readonly orders = new Map<string, SimOrder>();
  /** Buying power held by all working orders (the sum reservedExcept would take), kept as they change. */
  private reservedTotal = 0;
  /** Books whose symbol has a ledger position (marked before an order is costed). */
  private readonly tradedBooks: SymbolBook[] = [];
  /** Working orders, arrival order. */
  private readonly live: SimOrder[] = [];
  private working = 0;
  private liveDirty = false;
  private readonly dirtyBooks: SymbolBook[] = [];
  private venueSeq = 0;
  private readonly actions: PendingAction[] = [];
  private actionHead = 0;
  /** Earliest pending expiry or action: entry points run `runDue` once time reaches it. */
  private nextDue = Number.POSITIVE_INFINITY;
  private readonly path = new IntrabarPath();
  private readonly cands: SimOrder[] = [];
  private monthKey = -1;
  private monthVolume = 0;
  /**
   * Every order that left the book, by client order id (queries, duplicate ids, cancel / replace
   * answers), and 'rejected' for ids refused at entry (which may be used again).
   */
  private readonly ended = new EndedOrders();
  /** The id admit() just passed was refused at entry before (submit drops that record; else no lookup). */
  private reusesRefused = false;
  /** Every execution (executionsSince), in columns (archive.ts). */
  private readonly executions = new ExecutionLog();
  /**
   * What the venue says it holds, answered from its own books (crash recovery and reconciliation
   * run against the simulator exactly as against a broker).
   */
  readonly queries: VenueQueries = {
    order: async (id) => this.orderState(id),
    openOrders: async () => this.live.filter((o) => o.life === 'working').map((o) => this.stateOf(o)),
    positions: async () => this.ledger.positionsList().filter((p) => p.qty !== 0).map((p) => ({ symbol: p.symbol, qty: p.qty, avgPrice: p.avgPrice })),
    account: async () => {
      this.markAll();
      const a = this.ledger.account();
      return { accountId: 'sim', currency: a.currency, cash: a.cashByCurrency, equity: a.equity, status: 'active', live: false };
    },
    executionsSince: async (ts) => this.executions.since(ts),
    time: async () => this.lastTs(),
    entriesSince: async (ts) => this.entryLog.filter((e) => e.ts >= ts),
  };

  constructor(opts: SimVenueOptions) {
    const lat = opts.latency ?? { submitMs: 0, ackMs: 0 };
    for (const [k, v] of [['submitMs', lat.submitMs], ['ackMs', lat.ackMs]] as const) {
      if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`sim venue: latency.${k} must be a number >= 0, got ${v}`);
    }
    const share = opts.volumeShare ?? null;
    if (share !== null && !(share > 0 && share <= 1)) throw new Error(`sim venue: volumeShare must be in (0, 1] or null, got ${share}`);
    this.instruments = opts.instruments;
    this.ledger = new Portfolio(opts.account);
    if (opts.slippage !== undefined && opts.fills?.slippage !== undefined) throw new Error('sim venue: give slippage or fills.slippage, not both');
    this.slippage = opts.slippage ?? opts.fills?.slippage ?? NO_SLIPPAGE;
    this.commission = opts.commission ?? ZERO_COMMISSION;
    this.submitMs = lat.submitMs;
    this.ackMs = lat.ackMs;
    this.volumeShare = share;
    this.capabilities = { ...SIM_CAPABILITIES_BASE, shorting: opts.account.type === 'margin' };
    this.autoFunding = (opts.funding ?? 'auto') === 'auto';
    for (const [sym, rates] of Object.entries(opts.fundingRates ?? {})) this.setFundingRates(sym, rates);
  }

  // ---------- ExecutionClient ----------

  connect(sink: ReportSink, _transport?: TransportHooks, entries?: AccountEntrySink): void {
    this.sink = sink;
    this.entrySink = entries ?? null;
  }

  disconnect(): void {
    this.sink = null;
    this.entrySink = null;
  }

  // ---------- perpetuals: funding and liquidation ----------

  /** Funding rates for one symbol from data: each in force from its ts (sorted here; a repeat ts keeps the last). */
  setFundingRates(symbol: string, rates: readonly FundingRate[]): void {
    for (const r of rates) {
      if (!Number.isFinite(r.ts) || !Number.isFinite(r.rate)) throw new Error(`sim venue: funding rate for ${symbol} must have a finite ts and rate, got ${JSON.stringify(r)}`);
    }
    const sorted = [...rates].sort((a, b) => a.ts - b.ts);
    const b = this.books.get(symbol) ?? this.bookFor(symbol);
    b.rates = sorted;
  }

  /**
   * Book one funding payment on the symbol's open position now (a host with its own funding clock,
   * the OKX fake): amount = -qty x multiplier x markPrice x rate. Null when there is no open
   * perpetual position on the symbol.
   */
  bookFunding(symbol: string, rate: number, markPrice: number, ts: number): AccountEntry | null {
    const inst = this.instruments.get(symbol);
    if (inst === undefined || inst.perp === undefined) return null;
    const lots = this.ledger.lots(symbol);
    if (lots === 0) return null;
    const qty = fromSteps(lots, inst.lotSize);
    const entry: AccountEntry = {
      entryId: `F${++this.entrySeq}-${symbol}-${ts}`, kind: 'funding', symbol, currency: inst.quoteCurrency,
      amount: roundMoney(fundingAmount(qty, inst.multiplier, markPrice, rate)), rate, markPrice, ts,
    };
    this.book(entry, inst, this.bookFor(symbol), ts);
    return entry;
  }

  /** Book an entry on the venue's ledger, refresh what perpetuals depend on, and push it. */
  private book(entry: AccountEntry, inst: Instrument, b: SymbolBook, ts: number): void {
    this.ledger.applyEntry(entry, inst);
    if (entry.trade !== undefined && !b.traded) { b.traded = true; this.tradedBooks.push(b); }
    this.perpChanged(b, inst, ts);
    this.entryLog.push(entry);
    this.entrySink?.(entry);
  }

  /**
   * After the ledger moved (a fill, an entry): whether the symbol holds an open perpetual, its next
   * funding instant, and every open perpetual's liquidation price (cross margin reads the cash).
   */
  private perpChanged(b: SymbolBook, inst: Instrument, ts: number): void {
    const spec = inst.perp;
    if (spec !== undefined) {
      b.inst = inst;
      const lots = this.ledger.lots(inst.symbol);
      const open = lots !== 0;
      b.long = lots > 0;
      if (open !== b.perpOpen) {
        b.perpOpen = open;
        if (open) {
          this.perpBooks.push(b);
          b.fundAt = this.autoFunding ? fundingBoundaryAfter(ts, spec.fundingIntervalMs) : Number.POSITIVE_INFINITY;
        } else {
          const k = this.perpBooks.indexOf(b);
          if (k >= 0) this.perpBooks.splice(k, 1);
          b.fundAt = Number.POSITIVE_INFINITY;
          b.liq = Number.NaN;
        }
        this.nextFunding = minFundAt(this.perpBooks);
      }
    }
    if (this.perpBooks.length > 0) this.refreshLiquidationPrices();
  }

  private refreshLiquidationPrices(): void {
    this.markAll();
    for (const pb of this.perpBooks) pb.liq = this.ledger.liquidationPrice(pb.symbol) ?? Number.NaN;
  }

  /** Perpetual work for one event of `b`'s symbol: funding due first (at the marks before it), then matching, then liquidation. */
  private perpEvent(ev: MarketEvent, b: SymbolBook): void {
    if (b.fundAt !== b.fundAt) this.startFunding(b, ev.ts);
    if (ev.ts >= this.nextFunding) this.runFunding(ev.ts);
    b.last = ev;
    if (this.working !== 0 || ev.ts >= this.nextDue) this.match(ev, b);
    if (b.perpOpen) this.checkLiquidation(ev, b);
  }

  /** A restored position's first funding instant, from the first event after the restore. */
  private startFunding(b: SymbolBook, ts: number): void {
    const spec = this.instruments.get(b.symbol)?.perp;
    b.fundAt = spec === undefined || !this.autoFunding ? Number.POSITIVE_INFINITY : fundingBoundaryAfter(ts - 1, spec.fundingIntervalMs);
    this.nextFunding = minFundAt(this.perpBooks);
  }

  /** Every funding boundary up to `now`, in time order, for the positions open at it. */
  private runFunding(now: number): void {
    while (this.nextFunding <= now) {
      const at = this.nextFunding;
      for (const pb of [...this.perpBooks]) {
        if (pb.fundAt !== at) continue;
        const inst = this.instruments.get(pb.symbol)!;
        const spec = inst.perp!;
        pb.fundAt = at + spec.fundingIntervalMs;
        const ev = pb.last;
        if (ev === null) continue;
        this.bookFunding(pb.symbol, rateAt(pb.rates, at, spec.fundingRate), priceOf(ev), at);
      }
      this.nextFunding = minFundAt(this.perpBooks);
    }
  }

  /** The mark has reached the liquidation price: close at the mark, charge the fee, cancel the symbol's orders. */
  private checkLiquidation(ev: MarketEvent, b: SymbolBook): void {
    // Cross margin with other open positions: their marks move this one's collateral, so re-read it.
    if (this.perpBooks.length > 1 || this.ledger.openCount() > 1) this.refreshLiquidationPrices();
    const liq = b.liq;
    if (liq !== liq || !breached(b.long ? 1 : -1, priceOf(ev), liq)) return;
    const inst = b.inst!;
    const mark = roundToTick(priceOf(ev), inst.tickSize);
    const lots = this.ledger.lots(b.symbol);
    const ts = ev.ts;
    for (const o of b.orders) if (o.life === 'working') this.cancelAtVenue(o, ts, 'liquidation');
    this.compact();
    const qty = fromSteps(lots, inst.lotSize);
    const fee = roundMoney(Math.abs(qty * inst.multiplier * mark) * inst.perp!.liquidationFeeRate);
    const entry: AccountEntry = {
      entryId: `L${++this.entrySeq}-${b.symbol}-${ts}`, kind: 'liquidation', symbol: b.symbol, currency: inst.quoteCurrency,
      amount: -fee, trade: { qty: -qty, price: mark }, markPrice: mark, ts,
    };
    this.book(entry, inst, b, ts);
  }

  connection(): ConnectionStatus {
    return { state: this.sink === null ? 'disconnected' : 'connected', lastHeartbeat: null };
  }

  /** The venue's clock: the newest market event it has seen (computed on demand, not per event). */
  private lastTs(): number {
    let t = 0;
    for (const b of this.books.values()) if (b.last !== null && b.last.ts > t) t = b.last.ts;
    return t;
  }

  private orderState(id: string): VenueOrderState | null {
    const o = this.orders.get(id) ?? this.ended.get(id);
    return o === undefined ? null : this.stateOf(o);
  }

  private stateOf(o: SimOrder | EndedOrder): VenueOrderState {
    const filledQty = fromSteps(o.filledLots, o.inst.lotSize);
    const avg = o.filledLots > 0 && o.fillQty > 0 ? o.fillValue / o.fillQty : 0;
    const status = o.life === 'working' ? (o.filledLots > 0 ? 'partially_filled' : 'accepted') : o.life;
    return { clientOrderId: o.clientOrderId, venueOrderId: `S${o.seq}`, request: o.request, status, filledQty, avgFillPrice: avg,
      createdAt: o.submitTs, updatedAt: Number.isNaN(o.updatedTs) ? o.submitTs : o.updatedTs };
  }

  submit(cmd: SubmitCommand): void {
    this.requireConnected();
    const ts = cmd.ts;
    if (ts >= this.nextDue) this.runDue(ts);
    const reportTs = ts + this.submitMs + this.ackMs;
    const id = cmd.clientOrderId;
    const req = cmd.request;
    const verdict = this.admit(id, req);
    if (typeof verdict === 'string') {
      if (!this.orders.has(id) && !this.ended.has(id)) this.ended.refused(id);
      this.emit({ kind: 'rejected', clientOrderId: id, reason: verdict, ts: reportTs });
      return;
    }
    const inst = verdict.inst;
    const book = this.bookFor(inst.symbol);
    const tif: TimeInForce = req.tif ?? (inst.calendar === 'us_equity' ? 'day' : 'gtc');
    const expiresAt = tif !== 'day' ? Number.POSITIVE_INFINITY : Number.isFinite(ts) ? dayExpiry(ts, inst.calendar) : Number.NaN;
    const qtyLots = toLots(req.qty, inst.lotSize);
    const venueOrderId = `S${++this.venueSeq}`;
    const o = new SimOrder(
      id, venueOrderId, this.venueSeq, inst, book, req.side === 'buy', tif, ts, ts + this.submitMs, req, qtyLots,
      limitOf(req), stopOf(req), expiresAt, verdict.reserveM, qtyLots,
    );
    this.orders.set(id, o);
    if (this.reusesRefused) this.ended.forget(id); // a rejected order never existed: its id may be used again
    this.reservedTotal += o.reserveM;
    book.orders.push(o);
    this.live.push(o);
    this.working++;
    if (expiresAt < this.nextDue) this.nextDue = expiresAt;
    this.emit({ kind: 'accepted', clientOrderId: id, venueOrderId, ts: reportTs });
  }

  cancel(clientOrderId: string, ts: number): void {
    this.request(clientOrderId, null, ts);
  }

  replace(clientOrderId: string, changes: ReplaceRequest, ts: number): void {
    this.request(clientOrderId, changes, ts);
  }

  onMarketData(ev: MarketEvent): void {
    let b = this.lastBook;
    if (b === null || b.symbol !== ev.symbol) {
      // Several symbols: a merge hands them out in the same order at every timestamp, so the book
      // that followed this one last time is tried before the Map.
      const n = b === null ? null : b.next;
      if (n !== null && n.symbol === ev.symbol) this.lastBook = b = n;
      else {
        const prev = b;
        b = this.bookFor(ev.symbol);
        if (prev !== null) prev.next = b;
      }
    }
    if (this.perpBooks.length !== 0) { this.perpEvent(ev, b); return; }
    b.last = ev;
    // Idle: no working order and no cancel / replace still travelling (nextDue is Infinity then).
    if (this.working === 0 && ev.ts < this.nextDue) return;
    this.match(ev, b);
    // A fill just opened a perpetual: it may already be through its liquidation price.
    if (b.perpOpen) this.checkLiquidation(ev, b);
  }

  // ---------- the venue's books ----------

  snapshot(): SimSnapshot {
    this.markAll();
    const orders: SimOrderView[] = [];
    for (const o of this.live) {
      if (o.life !== 'working') continue;
      orders.push({
        clientOrderId: o.clientOrderId,
        venueOrderId: o.venueOrderId,
        request: o.request,
        filledQty: fromSteps(o.filledLots, o.inst.lotSize),
        status: o.filledLots > 0 ? 'partially_filled' : 'accepted',
      });
    }
    const account = this.ledger.account();
    return { orders, positions: this.ledger.positionsList(), cash: account.cashByCurrency, account };
  }

  /**
   * Start from saved books: cash and positions (the venue server's state file after a restart).
   * Only before any order exists; the caller resubmits what was still working.
   */
  restoreBooks(cash: Readonly<Record<string, number>>, positions: readonly { instrument: Instrument; qty: number; avgPrice: number }[]): void {
    if (this.live.length > 0 || this.ended.size > 0) throw new Error('sim venue: restoreBooks() only before any order');
    this.ledger.restore(cash, positions);
    for (const p of positions) {
      const b = this.bookFor(p.instrument.symbol);
      if (!b.traded) { b.traded = true; this.tradedBooks.push(b); }
      // Funding starts from the first event (perpEvent): the venue's clock is unknown until then.
      this.perpChanged(b, p.instrument, Number.NaN);
    }
  }

  /** Number of orders still working (cheap; for tests and the console). */
  workingCount(): number {
    return this.working;
  }

  // ---------- submission checks ----------

  private admit(id: string, req: OrderRequest): Admission | string {
    const rule = this.capabilities.clientOrderId;
    if (id.length === 0 || id.length > rule.maxLength || !rule.pattern.test(id)) {
      return `client order id "${id}" must be 1-${rule.maxLength} letters, digits, "_" or "-"`;
    }
    const ended = this.ended.lifeOf(id);
    if (this.orders.has(id) || (ended !== undefined && ended !== 'rejected')) return `duplicate client order id ${id}`;
    this.reusesRefused = ended === 'rejected';
    const inst = this.instruments.get(req.symbol);
    if (inst === undefined) return `unknown symbol ${req.symbol}`;
    const bad = checkGrid(req, inst) ?? checkCapabilities(req, this.capabilities);
    if (bad !== null) return bad;
    const pos = this.ledger.qty(inst.symbol);
    if (req.reduceOnly === true) {
      const pending = fromSteps(this.pendingLots(inst.symbol, req.side === 'buy', null), inst.lotSize);
      if (increasesExposure(req, pos, pending)) {
        return `reduce-only ${req.side} of ${req.qty} would increase the position of ${pos} ${inst.symbol}`
          + (pending > 0 ? ` (${pending} already being ${req.side === 'buy' ? 'bought' : 'sold'})` : '');
      }
    }
    const funds = this.funds(inst, req, toLots(req.qty, inst.lotSize), null);
    return typeof funds === 'string' ? funds : { inst, reserveM: funds };
  }

  /**
   * Money the new exposure of an order needs (held while it works), or the reason it cannot have it.
   * Only the part that increases exposure needs money: a sale that closes a long needs none.
   */
  private funds(inst: Instrument, req: OrderRequest, lots: number, self: SimOrder | null): number | string {
    const buy = req.side === 'buy';
    const sym = inst.symbol;
    const posLots = this.ledger.lots(sym);
    const otherLots = this.pendingLots(sym, buy, self);
    const reducible = Math.max(0, (buy ? -posLots : posLots) - otherLots);
    const increaseLots = lots - Math.min(lots, reducible);
    const settles = settlementOf(inst);
    const cashAccount = this.ledger.settings.type === 'cash';
    if (increaseLots === 0) return 0;
    if (!buy && cashAccount && settles === 'notional') {
      const held = fromSteps(posLots, inst.lotSize);
      const selling = fromSteps(otherLots, inst.lotSize);
      return `a cash account cannot sell short: selling ${req.qty} ${sym} with ${held} held`
        + (selling > 0 ? ` and ${selling} already being sold` : '');
    }
    const px = this.estimatePrice(inst, req);
    // A market order before any price of its symbol cannot be costed: it is taken on trust (a real
    // venue always has a price; here only an order sent before the first event can hit this).
    if (px === null) return 0;
    const ticks = toTicks(px, inst.tickSize);
    const increaseValue = notional(ticks, increaseLots, inst.tickSize, inst.lotSize, inst.multiplier);
    const margin = settles === 'pnl' ? Math.ceil(increaseValue / (inst.perp?.leverage ?? this.ledger.settings.perpLeverage)) : increaseValue;
    const wholeValue = notional(ticks, lots, inst.tickSize, inst.lotSize, inst.multiplier);
    const fee = orderFee(
      this.commission,
      variableFee(this.commission, { qty: fromSteps(lots, inst.lotSize), value: wholeValue, liquidity: 'taker', monthVolume: this.monthVolume }),
      wholeValue, feeStepUnits(inst.assetClass),
    );
    const rate = this.fxRate(inst.quoteCurrency);
    if (rate === null) return `no FX rate from ${inst.quoteCurrency} to ${this.ledger.settings.currency}: add it under account.fxRates`;
    const required = Math.ceil((margin + fee) * rate);
    this.markAll();
    let power = this.ledger.buyingPower();
    if (settles === 'pnl') power = Math.min(power, this.ledger.equity() - this.ledger.marginUsed());
    const reserved = this.reservedExcept(self);
    const available = money(Math.max(0, power)) - reserved;
    if (required > available) {
      const ccy = this.ledger.settings.currency;
      return `insufficient buying power: the order needs ${fmt(required)} ${ccy} `
        + `(${settles === 'pnl' ? 'margin' : 'notional'} ${fmt(Math.ceil(margin * rate))} + estimated fee ${fmt(Math.ceil(fee * rate))}), `
        + `available ${fmt(Math.max(0, available))} ${ccy}` + (reserved > 0 ? ` after ${fmt(reserved)} held for open orders` : '');
    }
    return required;
  }

  /** Price used to cost an order: its limit, its stop, or (market) the last price on its side. */
  private estimatePrice(inst: Instrument, req: OrderRequest): number | null {
    if (req.type === 'limit' || req.type === 'stop_limit') return req.limitPrice;
    if (req.type === 'stop') return req.stopPrice;
    const last = this.books.get(inst.symbol)?.last ?? null;
    if (last === null) return null;
    const buy = req.side === 'buy';
    const px = last.kind === 'bar' ? last.close
      : last.kind === 'trade' ? last.price
      : buy ? (last.ask > 0 ? last.ask : last.bid) : (last.bid > 0 ? last.bid : last.ask);
    return px > 0 ? roundPriceAgainst(px, inst.tickSize, req.side) : null;
  }

  /** Remaining lots of working orders on one symbol and side, other than `self`. */
  private pendingLots(symbol: string, buy: boolean, self: SimOrder | null): number {
    const b = this.books.get(symbol);
    if (b === undefined) return 0;
    let lots = 0;
    for (const o of b.orders) if (o !== self && o.life === 'working' && o.buy === buy) lots += o.remainingLots();
    return lots;
  }

  /** Buying power held by working orders, in proportion to what is left of them (a running total: exact integers). */
  private reservedExcept(self: SimOrder | null): number {
    return self === null || self.life !== 'working' ? this.reservedTotal : this.reservedTotal - held(self);
  }

  private fxRate(ccy: string): number | null {
    const s = this.ledger.settings;
    if (ccy === s.currency) return 1;
    return s.fxRates[ccy] ?? null;
  }

  /** Positions are marked lazily (only when buying power or a snapshot is needed), not per event. */
  private markAll(): void {
    // Only a symbol the ledger holds has a mark to move (mark() ignores the others).
    for (const b of this.tradedBooks) {
      const ev = b.last;
      if (ev === null) continue;
      this.ledger.mark(b.symbol, priceOf(ev));
    }
  }

  // ---------- cancel / replace ----------

  private request(clientOrderId: string, changes: ReplaceRequest | null, ts: number): void {
    this.requireConnected();
    if (ts >= this.nextDue) this.runDue(ts);
    const action: PendingAction = { at: ts + this.submitMs, clientOrderId, changes };
    if (this.submitMs === 0) {
      // Nothing can happen at the venue between now and arrival: act at once.
      this.apply(action);
      this.compact();
      return;
    }
    this.actions.push(action);
    if (action.at < this.nextDue) this.nextDue = action.at;
  }

  private apply(a: PendingAction): void {
    if (a.changes === null) this.applyCancel(a.clientOrderId, a.at);
    else this.applyReplace(a.clientOrderId, a.changes, a.at);
  }

  private applyCancel(id: string, at: number): void {
    const ts = at + this.ackMs;
    const o = this.orders.get(id);
    if (o === undefined) {
      this.emit({ kind: 'cancel_rejected', clientOrderId: id, reason: this.notWorking(id), ts });
      return;
    }
    this.close(o, 'canceled', ts);
    this.emit({ kind: 'canceled', clientOrderId: id, ts });
  }

  private applyReplace(id: string, ch: ReplaceRequest, at: number): void {
    const ts = at + this.ackMs;
    const o = this.orders.get(id);
    const problem = o === undefined ? this.notWorking(id) : this.replaceProblem(o, ch);
    if (o === undefined || problem !== null) {
      this.emit({ kind: 'replace_rejected', clientOrderId: id, reason: problem ?? this.notWorking(id), ts });
      return;
    }
    const r = o.request;
    const qty = ch.qty ?? r.qty;
    const next: OrderRequest =
      r.type === 'market' ? { ...r, qty }
      : r.type === 'limit' ? { ...r, qty, limitPrice: ch.limitPrice ?? r.limitPrice }
      : r.type === 'stop' ? { ...r, qty, stopPrice: ch.stopPrice ?? r.stopPrice }
      : { ...r, qty, limitPrice: ch.limitPrice ?? r.limitPrice, stopPrice: ch.stopPrice ?? r.stopPrice };
    const remaining = toLots(qty, o.inst.lotSize) - o.filledLots;
    const funds = this.funds(o.inst, next, remaining, o);
    if (typeof funds === 'string') {
      this.emit({ kind: 'replace_rejected', clientOrderId: id, reason: funds, ts });
      return;
    }
    this.reservedTotal -= held(o);
    o.request = next;
    o.qtyLots = remaining + o.filledLots;
    o.limit = limitOf(next);
    o.stop = stopOf(next);
    o.reserveM = funds;
    o.reserveLots = remaining;
    this.reservedTotal += held(o);
    // A replaced order loses its place: it is judged as newly arrived at the next event.
    o.rested = false;
    o.updatedTs = ts;
    this.emit(
      next.type === 'market' ? { kind: 'replaced', clientOrderId: id, qty, ts }
      : next.type === 'limit' ? { kind: 'replaced', clientOrderId: id, qty, limitPrice: next.limitPrice, ts }
      : next.type === 'stop' ? { kind: 'replaced', clientOrderId: id, qty, stopPrice: next.stopPrice, ts }
      : { kind: 'replaced', clientOrderId: id, qty, limitPrice: next.limitPrice, stopPrice: next.stopPrice, ts },
    );
  }

  private replaceProblem(o: SimOrder, ch: ReplaceRequest): string | null {
    const inst = o.inst;
    const t = o.request.type;
    if (ch.limitPrice !== undefined && t !== 'limit' && t !== 'stop_limit') return `a ${t} order has no limit price to change`;
    if (ch.stopPrice !== undefined && t !== 'stop' && t !== 'stop_limit') return `a ${t} order has no stop price to change`;
    if (ch.qty !== undefined) {
      const filled = fromSteps(o.filledLots, inst.lotSize);
      if (!(ch.qty > 0) || !Number.isFinite(ch.qty)) return `quantity must be a positive number, got ${ch.qty}`;
      if (!isOnGrid(ch.qty, inst.lotSize)) return `quantity ${ch.qty} is not a multiple of the lot size ${inst.lotSize} for ${inst.symbol}`;
      if (ch.qty < inst.minQty - 1e-12) return `quantity ${ch.qty} is below the minimum ${inst.minQty} for ${inst.symbol}`;
      if (toLots(ch.qty, inst.lotSize) <= o.filledLots) return `new quantity ${ch.qty} is not above the ${filled} already filled`;
    }
    for (const [what, p] of [['limit price', ch.limitPrice], ['stop price', ch.stopPrice]] as const) {
      if (p === undefined) continue;
      if (!(p > 0) || !Number.isFinite(p)) return `${what} must be a positive number, got ${p}`;
      if (!isOnGrid(p, inst.tickSize)) return `${what} ${p} is not on the tick grid (${inst.tickSize}) of ${inst.symbol}`;
    }
    return null;
  }

  private notWorking(id: string): string {
    const ended = this.ended.lifeOf(id);
    if (ended === undefined) return 'unknown order';
    return ended === 'rejected' ? 'order was rejected' : `order already ${ended}`;
  }

  // ---------- time: expiries and delayed requests ----------

  /** Apply, in time order, every expiry and delayed cancel / replace due by `now`. */
  private runDue(now: number): void {
    for (;;) {
      const a = this.actions[this.actionHead];
      const aT = a === undefined ? Number.POSITIVE_INFINITY : a.at;
      // The earliest known expiry (NaN = not yet known, never chosen).
      let first: SimOrder | null = null;
      let eT = Number.POSITIVE_INFINITY;
      for (const o of this.live) if (o.life === 'working' && o.expiresAt < eT) { eT = o.expiresAt; first = o; }
      if (first !== null && eT <= now && eT <= aT) {
        this.close(first, 'expired', eT + this.ackMs);
        this.emit({ kind: 'expired', clientOrderId: first.clientOrderId, ts: eT + this.ackMs });
        continue;
      }
      if (a !== undefined && aT <= now) {
        this.actionHead++;
        this.apply(a);
        continue;
      }
      break;
    }
    if (this.actionHead > 0 && this.actionHead === this.actions.length) {
      truncate(this.actions, 0);
      this.actionHead = 0;
    }
    this.compact();
    this.recomputeNextDue();
  }

  private recomputeNextDue(): void {
    let t = this.actions[this.actionHead]?.at ?? Number.POSITIVE_INFINITY;
    for (const o of this.live) if (o.expiresAt < t) t = o.expiresAt;
    this.nextDue = t;
  }

  // ---------- matching ----------

  private match(ev: MarketEvent, b: SymbolBook): void {
    if (ev.ts >= this.nextDue) this.runDue(ev.ts);
    if (b.orders.length !== 0) {
      if (ev.kind === 'bar') this.matchBar(ev, b);
      else if (ev.kind === 'quote') this.matchQuote(ev, b);
      else this.matchTrade(ev, b);
    }
    this.compact();
  }

  private matchBar(bar: Bar, b: SymbolBook): void {
    this.path.set(bar.open, bar.high, bar.low, bar.close);
    this.matchPath(bar.ts, b, bar.volume);
  }

  private matchTrade(t: Trade, b: SymbolBook): void {
    this.path.set(t.price, t.price, t.price, t.price);
    this.matchPath(t.ts, b, t.size);
  }

  /** Bars and trades: every order finds its first fill point on the path; fills go in path order. */
  private matchPath(ts: number, b: SymbolBook, volume: number): void {
    const orders = b.orders;
    const cands = this.cands;
    truncate(cands, 0);
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i]!;
      if (!this.eligible(o, ts)) continue;
      if (this.evalPath(o)) insertByPath(cands, o);
    }
    if (cands.length > 0) {
      let budget = this.volumeShare === null ? Number.POSITIVE_INFINITY : floorLots(this.volumeShare * volume, cands[0]!.inst.lotSize);
      for (let i = 0; i < cands.length; i++) budget = this.execute(cands[i]!, budget, ts, 0);
      truncate(cands, 0);
    }
    this.afterEvent(b, ts);
  }

  private matchQuote(q: Quote, b: SymbolBook): void {
    const orders = b.orders;
    const capped = this.volumeShare !== null;
    let buyBudget = Number.POSITIVE_INFINITY;
    let sellBudget = Number.POSITIVE_INFINITY;
    const spread = q.ask > 0 && q.bid > 0 ? q.ask - q.bid : 0;
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i]!;
      if (!this.eligible(o, q.ts) || !this.evalQuote(o, q)) continue;
      if (o.buy) {
        if (capped && buyBudget === Number.POSITIVE_INFINITY) buyBudget = floorLots(q.askSize, o.inst.lotSize);
        buyBudget = this.execute(o, buyBudget, q.ts, spread);
      } else {
        if (capped && sellBudget === Number.POSITIVE_INFINITY) sellBudget = floorLots(q.bidSize, o.inst.lotSize);
        sellBudget = this.execute(o, sellBudget, q.ts, spread);
      }
    }
    this.afterEvent(b, q.ts);
  }

  /** Working, past its arrival, and strictly after the instant it was decided. */
  private eligible(o: SimOrder, ts: number): boolean {
    if (o.life !== 'working') return false;
    if (o.expiresAt !== o.expiresAt) this.fixExpiry(o, ts);
    return ts >= o.activeAt && ts > o.submitTs;
  }

  /** A day order submitted before engine time began takes its trading day from its first event. */
  private fixExpiry(o: SimOrder, ts: number): void {
    o.expiresAt = dayExpiry(ts, o.inst.calendar);
    if (o.expiresAt < this.nextDue) this.nextDue = o.expiresAt;
  }

  /** Sets the order's candidate fill on the current path; false when it does not fill on this bar. */
  private evalPath(o: SimOrder): boolean {
    const p = this.path;
    const open = p.open;
    const t = o.request.type;
    // ioc / fok are judged at arrival only: the open.
    const atOpenOnly = !o.rested && (o.tif === 'ioc' || o.tif === 'fok');
    if (t === 'market' || (t === 'stop' && o.triggered)) return cand(o, 0, open, false);
    let seg = 0;
    let pos = 0;
    let price = open;
    let justTriggered = false;
    if (!o.triggered && (t === 'stop' || t === 'stop_limit')) {
      if (!stopTouchedOnPath(p, o.buy, o.stop)) return false;
      if (atOpenOnly && !p.atStart) return false;
      o.triggered = true;
      justTriggered = true;
      if (t === 'stop') return cand(o, p.pos, p.price, false);
      seg = p.seg;
      pos = p.pos;
      price = p.price;
    }
    if (!p.touch(seg, pos, price, !o.buy, o.limit)) return false;
    if (!p.atStart) return atOpenOnly ? false : cand(o, p.pos, o.limit, true); // rested, then reached
    return cand(o, pos, price, o.rested && !justTriggered);
  }

  /** Sets the order's candidate fill at this quote; false when it does not fill. */
  private evalQuote(o: SimOrder, q: Quote): boolean {
    const px = quoteSidePrice(q, o.buy);
    if (!(px > 0)) return false; // one-sided quote: nothing to trade against
    const t = o.request.type;
    let justTriggered = false;
    if (t === 'stop' || t === 'stop_limit') {
      if (!o.triggered) {
        if (!stopReachedAt(px, o.buy, o.stop)) return false;
        o.triggered = true;
        justTriggered = true;
      }
      if (t === 'stop') return cand(o, 0, px, false);
    } else if (t === 'market') {
      return cand(o, 0, px, false);
    }
    if (o.buy ? px > o.limit : px < o.limit) return false;
    const maker = o.rested && !justTriggered;
    return cand(o, 0, maker ? o.limit : px, maker);
  }

  /** Fill as much of the candidate as the budget allows; returns the budget left. */
  private execute(o: SimOrder, budget: number, ts: number, spread: number): number {
    if (o.life !== 'working') return budget;
    const want = o.remainingLots();
    // fok: all of it now, or nothing (afterEvent cancels it).
    if (o.tif === 'fok' && !o.rested && want > budget) return budget;
    let lots = want < budget ? want : budget;
    if (o.request.reduceOnly === true) {
      const pos = this.ledger.lots(o.inst.symbol);
      const room = Math.max(0, o.buy ? -pos : pos);
      if (room === 0) {
        this.cancelAtVenue(o, ts, 'reduce-only: no position left to reduce');
        return budget;
      }
      if (o.tif === 'fok' && !o.rested && room < want) return budget;
      if (room < lots) lots = room;
    }
    if (lots <= 0) return budget;
    this.fill(o, lots, ts, spread);
    return budget - lots;
  }

  private fill(o: SimOrder, lots: number, ts: number, spread: number): void {
    const inst = o.inst;
    const side = o.side;
    const maker = o.candMaker;
    const price = fillPrice(o.candPx, side, inst.tickSize, this.slippage, spread, !maker, o.limit);
    const qty = fromSteps(lots, inst.lotSize);
    const value = notional(toTicks(price, inst.tickSize), lots, inst.tickSize, inst.lotSize, inst.multiplier);
    const liquidity = maker ? 'maker' : 'taker';
    this.rollMonth(ts);
    o.variableM += variableFee(this.commission, { qty, value, liquidity, monthVolume: this.monthVolume });
    o.valueM += value;
    const total = orderFee(this.commission, o.variableM as Money, o.valueM as Money, feeStepUnits(inst.assetClass));
    const feeM = total - o.chargedM;
    o.chargedM = total;
    const fee = toNumber(feeM as Money);
    const heldBefore = held(o);
    o.filledLots += lots;
    this.reservedTotal += held(o) - heldBefore;
    o.fillValue += qty * price;
    o.fillQty += qty;
    o.execCount++;
    o.updatedTs = ts + this.ackMs;
    this.monthVolume += qty;
    this.ledger.applyFill(inst, side, qty, price, fee);
    if (!o.book.traded) { o.book.traded = true; this.tradedBooks.push(o.book); }
    if (inst.perp !== undefined || this.perpBooks.length !== 0) this.perpChanged(o.book, inst, ts);
    const execId = `${o.venueOrderId}-${o.execCount}`;
    this.executions.add(o.clientOrderId, o.seq, o.execCount, inst.symbol, o.buy, qty, price, fee, ts + this.ackMs);
    this.emit({
      kind: 'fill', clientOrderId: o.clientOrderId, execId,
      qty, price, fee, liquidity, ts: ts + this.ackMs,
    });
    if (o.filledLots >= o.qtyLots) this.close(o, 'filled', ts + this.ackMs);
  }

  /** After an event: ioc / fok remainders die, everything else that saw the event has now rested. */
  private afterEvent(b: SymbolBook, ts: number): void {
    const orders = b.orders;
    for (let i = 0; i < orders.length; i++) {
      const o = orders[i]!;
      if (!this.eligible(o, ts)) continue;
      if (!o.rested && (o.tif === 'ioc' || o.tif === 'fok')) {
        this.cancelAtVenue(o, ts, o.tif === 'ioc' ? 'ioc: unfilled quantity canceled' : 'fok: the whole quantity could not fill at once');
      } else {
        o.rested = true;
      }
    }
  }

  private cancelAtVenue(o: SimOrder, ts: number, reason: string): void {
    this.close(o, 'canceled', ts + this.ackMs);
    this.emit({ kind: 'canceled', clientOrderId: o.clientOrderId, reason, ts: ts + this.ackMs });
  }

  /** IBKR tiers count shares per calendar month (UTC). */
  private rollMonth(ts: number): void {
    if (this.commission.model !== 'ibkr_tiered') return;
    const d = new Date(ts);
    const key = d.getUTCFullYear() * 12 + d.getUTCMonth();
    if (key !== this.monthKey) {
      this.monthKey = key;
      this.monthVolume = 0;
    }
  }

  // ---------- bookkeeping ----------

  private close(o: SimOrder, life: Exclude<Life, 'working'>, ts: number): void {
    this.reservedTotal -= held(o);
    o.life = life;
    o.updatedTs = ts;
    this.ended.add(o, life);
    this.orders.delete(o.clientOrderId);
    // The last working order gone and nothing travelling: back to the one-check idle path.
    if (--this.working === 0 && this.actionHead === this.actions.length) this.nextDue = Number.POSITIVE_INFINITY;
    this.liveDirty = true;
    if (!o.book.dirty) {
      o.book.dirty = true;
      this.dirtyBooks.push(o.book);
    }
  }

  /** Drop closed orders from the working lists, in place. */
  private compact(): void {
    if (!this.liveDirty) return;
    this.liveDirty = false;
    keepWorking(this.live);
    for (const b of this.dirtyBooks) {
      keepWorking(b.orders);
      b.dirty = false;
    }
    truncate(this.dirtyBooks, 0);
  }

  private bookFor(symbol: string): SymbolBook {
    let b = this.books.get(symbol);
    if (b === undefined) {
      b = new SymbolBook(symbol);
      this.books.set(symbol, b);
    }
    this.lastBook = b;
    return b;
  }

  private emit(rep: ExecutionReport): void {
    this.sink?.(rep);
  }

  private requireConnected(): void {
    if (this.sink === null) throw new Error('sim venue: connect() before sending orders');
  }
}

// ---------- helpers (module-level: no closures on the hot path) ----------

/** An event's price: the mark and the marking price (bar close, trade price, quote mid). */
function priceOf(ev: MarketEvent): number {
  return ev.kind === 'bar' ? ev.close : ev.kind === 'trade' ? ev.price : (ev.bid + ev.ask) / 2;
}

/** Cash amounts in whole money units (1e-8), as the ledger books them. */
const roundMoney = (x: number): number => toNumber(money(x));

function minFundAt(books: readonly SymbolBook[]): number {
  let t = Number.POSITIVE_INFINITY;
  for (const b of books) if (b.fundAt < t) t = b.fundAt;
  return t;
}

/** The rate in force at `at`: the last schedule entry at or before it, else the constant. */
function rateAt(rates: readonly FundingRate[], at: number, constant: number): number {
  let lo = 0;
  let hi = rates.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rates[mid]!.ts <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? constant : rates[lo - 1]!.rate;
}

/** Buying power a working order still holds: its reserve in proportion to what is left of it. */
function held(o: SimOrder): number {
  if (o.reserveM === 0) return 0;
  const rem = o.remainingLots();
  return rem >= o.reserveLots ? o.reserveM : mulDiv(o.reserveM, rem, o.reserveLots);
}

function cand(o: SimOrder, pos: number, px: number, maker: boolean): true {
  o.candPos = pos;
  o.candPx = px;
  o.candMaker = maker;
  return true;
}

/** Insert keeping (path position, arrival) order; orders arrive here in arrival order already. */
function insertByPath(list: SimOrder[], o: SimOrder): void {
  let i = list.length;
  list.push(o);
  while (i > 0 && list[i - 1]!.candPos > o.candPos) {
    list[i] = list[i - 1]!;
    i--;
  }
  list[i] = o;
}

function keepWorking(list: SimOrder[]): void {
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    const o = list[r]!;
    if (o.life === 'working') list[w++] = o;
  }
  truncate(list, w);
}

/**
 * Shorten a list to n. Not `list.length = n`: the length setter is a runtime call (~30 ns, even on
 * an empty array) and releases the backing store, so the next push allocates it again; these lists
 * shrink by one or two per order.
 */
function truncate(list: unknown[], n: number): void {
  while (list.length > n) list.pop();
}

/** Largest whole number of lots in `qty` (a float product like 0.29 * 100 must still give 29). */
function floorLots(qty: number, lotSize: number): number {
  if (!(qty > 0)) return 0;
  const n = qty / lotSize;
  return Math.floor(n + 1e-9 * Math.max(1, n));
}

const limitOf = (r: OrderRequest): number => (r.type === 'limit' || r.type === 'stop_limit' ? r.limitPrice : Number.NaN);
const stopOf = (r: OrderRequest): number => (r.type === 'stop' || r.type === 'stop_limit' ? r.stopPrice : Number.NaN);

function fmt(units: number): string {
  return (units / MONEY_UNITS_PER_UNIT).toFixed(2);
}
