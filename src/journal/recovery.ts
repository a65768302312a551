/**
 * Crash recovery, run by the engine's `startup` hook after the venue is connected and before the
 * strategy's first callback:
 *
 * 1. put back every order the store recorded (open ones, and today's finished ones for display);
 * 2. ask the venue about every non-terminal order by client order id, and for its executions since
 *    the oldest of them, and apply the answers through the ordinary report path (the FSM table);
 * 3. an intent the venue never received is resent under the SAME client order id while it is fresh
 *    (default 5 s after it was journaled), otherwise marked `lost` and the strategy is told;
 * 4. orders the venue works that the store does not know are adopted as `external` (shown);
 * 5. positions and cash are the store's (the venue's only on a store's first run, when it has none):
 *    start-up reconciliation compares them with the venue and halts on a confirmed difference.
 *
 * Never submits a new order; the only send is the resend of a fresh intent the venue has not seen,
 * under its own id, which a venue refuses as a duplicate if it did see it after all.
 */
import type { EngineControl } from '../engine/engine.ts';
import type { VenueExecution, VenueOrderState, VenueQueries } from '../ports/index.ts';
import type { Store } from './store.ts';
import type { StoredPosition, StoredTradingState } from './state.ts';
import { isTerminal } from '../orders/fsm.ts';
import { fillReport } from '../orders/venue-sync.ts';
import { parseDurableId } from '../orders/client-ids.ts';

export interface RecoveryOptions {
  readonly store: Store;
  /** Resend an unacknowledged intent only this long (wall ms) after it was journaled. Default 5000. */
  readonly resendFreshMs?: number;
  readonly wallNow?: () => number;
  /**
   * The trading state the PREVIOUS run left in the store, read when the store was opened (before
   * this run's own start-up states, such as a pre-flight hold, were journaled). Null: nothing to
   * restore. Absent: the store's current one (callers that open the store right before recovery).
   * Pass null when an operations layer owns the pauses that outlive a restart (the kill switch's latch).
   */
  readonly tradingState?: StoredTradingState | null;
}

export interface RecoveryReport {
  readonly restored: number;
  readonly settled: string[];
  readonly resent: string[];
  readonly lost: string[];
  readonly adopted: string[];
  /** Orders we believe acknowledged that the venue says it never had: flagged for reconciliation. */
  readonly unknownAtVenue: string[];
  readonly positionsFrom: 'venue' | 'store' | 'none';
  readonly warnings: string[];
}

export const DEFAULT_RESEND_FRESH_MS = 5000;

export async function recover(engine: EngineControl, opts: RecoveryOptions): Promise<RecoveryReport> {
  const store = opts.store;
  const st = store.state;
  const wallNow = opts.wallNow ?? Date.now;
  const freshMs = opts.resendFreshMs ?? DEFAULT_RESEND_FRESH_MS;
  const warnings: string[] = [];
  const settled: string[] = [];
  const resent: string[] = [];
  const lost: string[] = [];
  const adopted: string[] = [];
  const unknownAtVenue: string[] = [];

  engine.restoreDailyLoss(st.day);
  // Entries an earlier life booked (funding, liquidations) are in the store's books already.
  engine.restoreEntryIds(st.entries.ids);
  const ts = opts.tradingState !== undefined ? opts.tradingState : st.tradingState;
  if (ts !== null && ts.status !== 'active') {
    engine.setTradingState(ts.status, ts.reason.startsWith('restored: ') ? ts.reason : `restored: ${ts.reason}`);
  }

  let restored = 0;
  for (const so of Object.values(st.orders)) {
    if (engine.orders.get(so.clientOrderId) !== undefined) continue;
    if (engine.instrument(so.request.symbol) === undefined) {
      warnings.push(`order ${so.clientOrderId} is on ${so.request.symbol}, which this run does not trade: kept in the store, not restored`);
      continue;
    }
    engine.restoreOrder(so);
    restored++;
  }

  // Our books come from our journal, before the venue's answers are applied on top of them (fills
  // while we were down). Start-up never copies the venue's state over ours: the start comparison
  // (reconciliation) judges the two, and only the operator's "accept venue state" repairs ours.
  // A store that has never held a book (its first run) takes the venue's, at the end.
  const storeHasBook = st.cash !== null;
  if (storeHasBook) restoreFromStore(engine, st.positions, st.cash, warnings);
  const q = engine.execution.queries;
  if (q === undefined) {
    if (!storeHasBook) restoreFromStore(engine, store.state.positions, store.state.cash, warnings);
    warnings.push('the venue cannot be queried: open orders are kept as the store recorded them; check them at the venue');
    return { restored, settled, resent, lost, adopted, unknownAtVenue, positionsFrom: 'store', warnings };
  }

  const open = [...engine.orders.openOrders()].filter((o) => !o.external);
  // What the venue says of each: asked first, because its answers are dated on the venue's clock.
  const answers = new Map<string, VenueOrderState | null>();
  for (const o of open) answers.set(o.clientOrderId, await q.order(o.clientOrderId));
  let executions: VenueExecution[] = [];
  if (open.length > 0) {
    executions = await q.executionsSince(executionsFrom(open, answers, st.lastReportTs));
    // Fills missed while down are booked first, across orders, in the venue's time order: the
    // ledger's average price and realized P&L depend on the order of fills, and the venue's is truth.
    // Each is known by its exec id and its (venue order, cumulative quantity): nothing is booked twice.
    const ours = new Set(open.map((o) => o.clientOrderId));
    for (const x of [...executions].sort((a, b) => a.ts - b.ts)) {
      if (ours.has(x.clientOrderId)) engine.applyReportNow(fillReport(x, x.ts));
    }
  }
  // Then each order's own answer, in the order the venue last changed them: a venue that reports
  // only cumulative quantities gets its synthetic fills booked in its own order too.
  // (Orders the venue does not know change no books: they keep their place, first.)
  const changed = (id: string) => answers.get(id)?.updatedAt ?? Number.MIN_SAFE_INTEGER;
  const byVenueTime = [...open].sort((a, b) => changed(a.clientOrderId) - changed(b.clientOrderId));
  for (const o of byVenueTime) {
    const v = answers.get(o.clientOrderId) ?? null;
    if (v === null) {
      // (A cancel of a submitted order records returnTo 'accepted', fsm.ts: with no venue id, no ack was heard.)
      if (o.status === 'pending_cancel' && (o.returnTo === 'submitted' || o.returnTo === 'unconfirmed' || (o.returnTo === 'accepted' && o.venueOrderId === null))) {
        // Canceled before its request ever left (held in a client-side rate limit when the process
        // died): the venue never had it, and the cancel asked for stands.
        engine.applyReportNow({ kind: 'canceled', clientOrderId: o.clientOrderId, reason: 'canceled before it reached the venue', ts: engine.now() });
        settled.push(o.clientOrderId);
        continue;
      }
      if (o.status === 'submitted' || o.status === 'unconfirmed') {
        const written = st.orders[o.clientOrderId]?.intentWall ?? null;
        const age = written === null ? Number.POSITIVE_INFINITY : wallNow() - written;
        if (age <= freshMs) {
          engine.resend(o.clientOrderId);
          resent.push(o.clientOrderId);
        } else {
          engine.markLost(o.clientOrderId, `the venue never received it and the intent is ${Number.isFinite(age) ? `${Math.round(age)} ms` : 'too'} old (resend only within ${freshMs} ms)`);
          lost.push(o.clientOrderId);
        }
      } else {
        engine.flag(o.clientOrderId, `the venue has no record of ${o.clientOrderId}, which was ${o.status}: reconciliation will report it`);
        unknownAtVenue.push(o.clientOrderId);
      }
      continue;
    }
    const wasCanceling = o.status === 'pending_cancel';
    // The journal recorded a cancel the venue never got (the process died before the DELETE): the
    // cancel still stands, and goes out now, in this start-up, before anything else can happen. The
    // order stays pending_cancel throughout: no record says it was dropped, so a crash here leaves
    // the same cancel for the next start.
    engine.applyVenueState(o.clientOrderId, v, executions, { cancelStands: wasCanceling });
    const now = engine.orders.get(o.clientOrderId);
    if (wasCanceling && now !== undefined && now.status === 'pending_cancel' && isWorking(v.status)) engine.resendCancel(o.clientOrderId);
    settled.push(o.clientOrderId);
  }

  for (const v of await q.openOrders()) {
    const known = engine.orders.get(v.clientOrderId);
    if (known !== undefined) {
      if (isTerminal(known.status)) {
        engine.flag(v.clientOrderId, `the venue still works ${v.clientOrderId}, which we recorded as ${known.status}`);
      }
      continue;
    }
    if (engine.instrument(v.request.symbol) === undefined) {
      warnings.push(`the venue works order ${v.clientOrderId} on ${v.request.symbol}, which this run does not trade: leave it or cancel it at the venue`);
      continue;
    }
    // Our prefix (this store's id) but not in the journal: trading halts until the operator decides.
    const ours = parseDurableId(v.clientOrderId)?.storeId === st.storeId;
    engine.holdForExternal(v, ours);
    adopted.push(v.clientOrderId);
  }

  if (storeHasBook) {
    await bookEntriesWhileDown(engine, q, st.entries.lastTs ?? st.lastReportTs);
    return { restored, settled, resent, lost, adopted, unknownAtVenue, positionsFrom: 'store', warnings };
  }
  await restoreFromVenue(engine, q, store, warnings);
  return { restored, settled, resent, lost, adopted, unknownAtVenue, positionsFrom: 'venue', warnings };
}

/**
 * Where to start asking for executions. A venue dates them on its clock, which is not the engine's
 * (our journal's order and self-made report times are the engine's: the wall clock live, while a
 * replayed market's venue runs in the past). The venue's own "created" time of the oldest open order
 * is on the right clock: no execution of these orders can be older. Only when the venue has none of
 * them does the journal's newest venue report, or an order's own time, stand in.
 */
function executionsFrom(open: readonly { readonly clientOrderId: string; readonly createdAt: number }[], answers: ReadonlyMap<string, VenueOrderState | null>, lastReportTs: number | null): number {
  const venueTimes = [...answers.values()].flatMap((v) => (v === null ? [] : [v.createdAt]));
  if (venueTimes.length > 0) return Math.min(...venueTimes) - 1000;
  const since = Math.min(...open.map((o) => o.createdAt), lastReportTs ?? Number.POSITIVE_INFINITY) - 60_000;
  return Number.isFinite(since) ? since : 0;
}

/**
 * Funding, liquidations and rebates the venue booked while we were down: on the store's books, in
 * the venue's order, each once (the engine knows the ids earlier lives booked). Asked from a minute
 * before the newest entry the store booked (or its newest venue report, when it never booked one: no
 * entry can come before the first fill): a venue's ledger clock may lag its order clock.
 * A store whose books came from the venue (first run) has every earlier entry in that cash already.
 */
async function bookEntriesWhileDown(engine: EngineControl, q: VenueQueries, since: number | null): Promise<void> {
  if (q.entriesSince === undefined || since === null) return;
  const entries = await q.entriesSince(since - 60_000);
  for (const e of [...entries].sort((a, b) => a.ts - b.ts)) engine.applyEntryNow(e);
}

const isWorking = (s: VenueOrderState['status']): boolean => s === 'pending' || s === 'accepted' || s === 'partially_filled';

async function restoreFromVenue(engine: EngineControl, q: VenueQueries, store: Store, warnings: string[]): Promise<void> {
  const [positions, account] = await Promise.all([q.positions(), q.account()]);
  const list: { instrument: NonNullable<ReturnType<EngineControl['instrument']>>; qty: number; avgPrice: number }[] = [];
  for (const p of positions) {
    const inst = engine.instrument(p.symbol);
    if (inst === undefined) {
      warnings.push(`the venue holds ${p.qty} ${p.symbol}, which this run does not trade: it is not in the portfolio view`);
      continue;
    }
    list.push({ instrument: inst, qty: p.qty, avgPrice: p.avgPrice });
    // Not ours by any journal: the trader sees what was taken as the starting book, by name.
    warnings.push(`first run of this store: the venue's position ${p.qty} ${p.symbol} @ ${p.avgPrice} is taken as the starting book (not opened by this store; flatten or keep it)`);
  }
  engine.restoreBooks(account.cash, list);
  store.append('venue_book', { positions: positions.map((p): StoredPosition => ({ symbol: p.symbol, qty: p.qty, avgPrice: p.avgPrice })), cash: { ...account.cash } });
}

function restoreFromStore(engine: EngineControl, positions: Readonly<Record<string, StoredPosition>>, cash: Readonly<Record<string, number>> | null, warnings: string[]): void {
  if (cash === null && Object.keys(positions).length === 0) return;
  const list = [];
  for (const p of Object.values(positions)) {
    const inst = engine.instrument(p.symbol);
    if (inst === undefined) { warnings.push(`stored position ${p.qty} ${p.symbol} is not traded by this run`); continue; }
    list.push({ instrument: inst, qty: p.qty, avgPrice: p.avgPrice });
  }
  engine.restoreBooks(cash ?? engine.portfolio.account().cashByCurrency, list);
}
