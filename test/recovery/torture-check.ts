/**
 * The crash torture test's judge, kept apart so a sanity test can show it catches what it must.
 * Pure functions over what the two sides wrote down: the console's journal (its durable books)
 * and the venue's own books (its state file and /parity/stats). Nothing here trusts the console's
 * start-up, which copies positions and cash from the venue and would make a comparison after it
 * hold by construction.
 *
 *   checkSubmissions   each journaled intent reached the venue exactly once (none, if it ended
 *                      lost), nothing reached it without a journaled intent, one id per decision
 *   checkFillsBooked   every venue fill the console must have heard before it was killed is booked
 *                      in its journal, and no venue fill is booked twice
 *   checkPositions     the journal's positions equal the venue's, but for fills not booked yet
 *   checkCancels       every cancel the journal recorded reached the venue (a DELETE of the order's
 *                      current link) or found the order already ended there; no "unknown order"
 *   checkChains        the store's orders and the venue's (replace chains folded onto their root) agree
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyState, reduce, type StoreState } from '../../src/journal/state.ts';
import type { JournalRecord } from '../../src/journal/journal.ts';

export interface Intent { readonly clientOrderId: string; readonly tag: string | null; readonly seq: number }

export interface VenueStats {
  readonly submissions: Readonly<Record<string, number>>;
  readonly duplicates: Readonly<Record<string, number>>;
  /** DELETE /v2/orders/{id} per client order id of the link named (parity venue's /parity/stats). */
  readonly cancelRequests?: Readonly<Record<string, number>>;
}

/** A fill as the venue booked it (its state file). */
export interface VenueFill {
  readonly executionId: string;
  /** The root client order id (a replacement link "X-r2" folded onto "X"). */
  readonly root: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly qty: number;
  readonly ts: number;
}

/** A venue order, as its state file holds it. */
export interface VenueOrder {
  readonly clientOrderId: string;
  readonly status: string;
  readonly filledQty: number;
  readonly replacedBy: string | null;
  readonly id: string;
}

const OPEN_AT_VENUE = new Set(['new', 'partially_filled', 'pending_new']);
const TERMINAL = new Set(['filled', 'canceled', 'rejected', 'expired', 'denied', 'lost']);

/** The root of a replace chain: "X-r3" is the third replacement of "X". */
export const rootOf = (cid: string): string => cid.replace(/-r\d+$/, '');

const round9 = (x: number): number => Math.round(x * 1e9) / 1e9;
const signed = (f: { side: 'buy' | 'sell'; qty: number }): number => (f.side === 'buy' ? f.qty : -f.qty);

// ---------- reading the journal ----------

/** Every record of a store's journal files (the rotated ones, then the current one); a torn last line is skipped. */
export function readJournal(storeDir: string): JournalRecord[] {
  const files: string[] = [];
  const hist = join(storeDir, 'history');
  if (existsSync(hist)) for (const f of readdirSync(hist).sort()) if (f.endsWith('.jsonl')) files.push(join(hist, f));
  const cur = join(storeDir, 'journal.jsonl');
  if (existsSync(cur)) files.push(cur);
  const out: JournalRecord[] = [];
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      try { out.push(JSON.parse(line) as JournalRecord); } catch { /* a torn last line */ }
    }
  }
  return out;
}

/** The store's state as the journal alone gives it (what a restarted console would find). */
export function stateOf(records: readonly JournalRecord[]): StoreState {
  const s = emptyState('000000', '', '');
  for (const r of records) reduce(s, r);
  return s;
}

export function intentsOf(records: readonly JournalRecord[]): Intent[] {
  const out: Intent[] = [];
  for (const rec of records) {
    const d = rec.data as { order?: { clientOrderId: string; request: { tag?: string } } };
    if (rec.kind !== 'intent' || d.order === undefined) continue;
    out.push({ clientOrderId: d.order.clientOrderId, tag: d.order.request.tag ?? null, seq: rec.seq });
  }
  return out;
}

/** Every intent record in a store's journal files (the current one and the rotated ones). */
export function readIntents(storeDir: string): Intent[] {
  return intentsOf(readJournal(storeDir));
}

/**
 * How often the journal booked each venue fill. `byId`: under the venue's execution id (how a fill
 * heard on the stream is booked). `count`: that, or covered by a synthetic fill of its order
 * (`sync-<order>-<lots>`: a venue query books what the venue's executions did not explain, at the
 * price that makes the average right), earliest venue fill first. `synthetic`: how many such
 * fills; `excess`: bookings no venue fill explains.
 */
export function bookings(records: readonly JournalRecord[], fills: readonly VenueFill[]): { count: Map<string, number>; byId: Map<string, number>; synthetic: number; excess: string[] } {
  const count = new Map<string, number>();
  const sync = new Map<string, number>();
  let synthetic = 0;
  for (const r of records) {
    if (r.kind !== 'fill') continue;
    const f = r.data as { execId: string; clientOrderId: string; qty: number };
    if (f.execId.startsWith('sync-')) {
      synthetic++;
      sync.set(rootOf(f.clientOrderId), round9((sync.get(rootOf(f.clientOrderId)) ?? 0) + f.qty));
    } else count.set(f.execId, (count.get(f.execId) ?? 0) + 1);
  }
  const byId = new Map(count);
  const venueIds = new Set(fills.map((f) => f.executionId));
  const excess = [...count.keys()].filter((id) => !venueIds.has(id)).map((id) => `fill ${id} is booked but the venue has no such execution`);
  for (const f of [...fills].sort((a, b) => a.ts - b.ts)) {
    const left = sync.get(f.root) ?? 0;
    if (count.has(f.executionId) || left < f.qty - 1e-9) continue;
    count.set(f.executionId, 1);
    sync.set(f.root, round9(left - f.qty));
  }
  for (const [root, q] of sync) if (q > 1e-9) excess.push(`${root}: synthetic fills book ${q} more than the venue filled`);
  return { count, byId, synthetic, excess };
}

// ---------- submissions ----------

/**
 * Each intent at the venue exactly once, or not at all when the store ended it `lost` (the venue
 * never got it); nothing at the venue without a journaled intent; each decision under one id.
 * `finalStatus`: the store's status per client order id (omit for the "at most once" reading).
 */
export function checkSubmissions(intents: readonly Intent[], stats: VenueStats, finalStatus?: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const took = (cid: string) => (stats.submissions[cid] ?? 0) - (stats.duplicates[cid] ?? 0);
  for (const cid of Object.keys(stats.submissions)) if (took(cid) > 1) problems.push(`${cid}: the venue took it ${took(cid)} times`);
  const journaled = new Set(intents.map((i) => i.clientOrderId));
  for (const cid of Object.keys(stats.submissions)) {
    if (!journaled.has(cid)) problems.push(`${cid}: reached the venue without a journaled intent`);
  }
  if (finalStatus !== undefined) {
    for (const cid of journaled) {
      const st = finalStatus[cid];
      const want = st === 'lost' ? 0 : 1;
      if (took(cid) !== want) problems.push(`${cid}: ${st ?? 'not in the store'} in the store, the venue took it ${took(cid)} times (want ${want})`);
    }
  }
  const byTag = new Map<string, Set<string>>();
  for (const i of intents) {
    if (i.tag === null) continue;
    const s = byTag.get(i.tag) ?? new Set<string>();
    s.add(i.clientOrderId);
    byTag.set(i.tag, s);
  }
  for (const [tag, ids] of byTag) if (ids.size > 1) problems.push(`decision ${tag} was sent under ${ids.size} client order ids: ${[...ids].join(', ')}`);
  return problems;
}

// ---------- fills and positions ----------

/**
 * `required`: the venue fills the console must have heard of before it died (the caller decides
 * which: those the venue sent while it was up, well before it last wrote to its journal).
 * Each must be booked exactly once; no fill anywhere may be booked twice.
 */
export function checkFillsBooked(required: readonly VenueFill[], booked: ReadonlyMap<string, number>): string[] {
  const problems: string[] = [];
  for (const f of required) {
    const n = booked.get(f.executionId) ?? 0;
    if (n !== 1) problems.push(`venue fill ${f.executionId} (${f.side} ${f.qty} ${f.symbol}, order ${f.root}) was sent to the console before it died and is booked ${n} times (want 1)`);
  }
  for (const [id, n] of booked) if (n > 1) problems.push(`fill ${id} is booked ${n} times`);
  return problems;
}

/**
 * The journal's positions equal the venue's, but for the fills it has not booked: `unbooked` are
 * certainly after the books the console last copied from the venue, `ambiguous` may be before
 * (sent while it was starting): each of those may count or not.
 */
export function checkPositions(
  journal: Readonly<Record<string, number>>, venue: Readonly<Record<string, number>>, unbooked: readonly VenueFill[], ambiguous: readonly VenueFill[] = [],
): string[] {
  const symbols = new Set([...Object.keys(journal), ...Object.keys(venue), ...unbooked.map((f) => f.symbol), ...ambiguous.map((f) => f.symbol)]);
  const problems: string[] = [];
  for (const s of symbols) {
    const diff = round9((venue[s] ?? 0) - (journal[s] ?? 0) - unbooked.filter((f) => f.symbol === s).reduce((a, f) => a + signed(f), 0));
    const amb = ambiguous.filter((f) => f.symbol === s).slice(0, 10);
    let ok = false;
    for (let mask = 0; mask < 1 << amb.length && !ok; mask++) {
      let sum = 0;
      for (let i = 0; i < amb.length; i++) if (mask & (1 << i)) sum += signed(amb[i]!);
      ok = Math.abs(diff - round9(sum)) < 1e-9;
    }
    if (!ok) {
      problems.push(`${s}: the journal holds ${journal[s] ?? 0}, the venue ${venue[s] ?? 0}; fills not booked yet explain ${round9((venue[s] ?? 0) - (journal[s] ?? 0) - diff)}`
        + `${amb.length > 0 ? ` (and ${amb.length} more may)` : ''}`);
    }
  }
  return problems;
}

// ---------- cancels ----------

export interface CancelAccount {
  /** Root -> cancels that had to reach the venue. */
  readonly needed: Map<string, number>;
  /** Roots with a cancel still waiting for its answer (the process died with it in flight). */
  readonly pending: string[];
  /** Cancel or replace rejections that say the adapter did not know the order. */
  readonly unknownOrder: string[];
}

const FOUND_ENDED = /^order already (filled|canceled|expired|rejected|replaced)/;

/**
 * Walk the journal root by root; each move into pending_cancel is a cancel. It had to reach the
 * venue unless the venue had already ended the order (the adapter says "order already filled",
 * or the order filled while the cancel was out), or it is still pending (in flight when the
 * process died). A refused cancel (the order back to working) still had to reach the venue unless
 * it was carried on: sent again in the start-up that refused it (`startupSeqs`: journal seq ranges
 * of start-ups, before the first market event) or after a transient refusal (the engine's retry).
 */
export function accountCancels(records: readonly JournalRecord[], startupSeqs: readonly (readonly [number, number])[] = []): CancelAccount {
  interface Cancel { found: boolean; transient: boolean; refusedAt: number }
  const status = new Map<string, string>();
  const out = new Map<string, Cancel>();
  const refused = new Map<string, Cancel>();
  const needed = new Map<string, number>();
  const unknownOrder: string[] = [];
  const inStartup = (seq: number) => startupSeqs.some(([a, b]) => seq >= a && seq <= b);
  const need = (root: string) => needed.set(root, (needed.get(root) ?? 0) + 1);
  for (const rec of records) {
    if (rec.kind === 'report') {
      const r = (rec.data as { report: { kind: string; clientOrderId: string; reason?: string; transient?: boolean } }).report;
      if ((r.kind === 'cancel_rejected' || r.kind === 'replace_rejected') && /unknown order/i.test(r.reason ?? '')) unknownOrder.push(`${r.kind} of ${r.clientOrderId} (${r.reason})`);
      const c = out.get(rootOf(r.clientOrderId));
      if (r.kind === 'cancel_rejected' && c !== undefined) {
        if (FOUND_ENDED.test(r.reason ?? '')) c.found = true;
        if (r.transient === true) c.transient = true;
      }
      continue;
    }
    if (rec.kind === 'checkpoint') {
      for (const o of Object.values((rec.data as StoreState).orders)) status.set(o.clientOrderId, o.status);
      continue;
    }
    if (rec.kind !== 'intent' && rec.kind !== 'order' && rec.kind !== 'fill') continue;
    const o = (rec.data as { order?: { clientOrderId: string; status: string } }).order;
    if (o === undefined) continue;
    const root = rootOf(o.clientOrderId);
    const before = status.get(root);
    status.set(root, o.status);
    if (o.status === before) continue;
    const r = refused.get(root);
    if (o.status === 'pending_cancel') {
      if (r !== undefined) {
        refused.delete(root);
        const carried = r.transient || (inStartup(r.refusedAt) && inStartup(rec.seq));
        if (!carried) need(root); // refused, and this is a new decision, not the same cancel carried on
      }
      out.set(root, { found: false, transient: false, refusedAt: -1 });
      continue;
    }
    if (r !== undefined && TERMINAL.has(o.status)) {
      // Refused, never sent again, and now the order has ended anyway.
      refused.delete(root);
      need(root);
    }
    const c = out.get(root);
    if (before !== 'pending_cancel' || c === undefined) continue;
    out.delete(root);
    if (c.found || o.status === 'filled') continue;
    if (TERMINAL.has(o.status)) need(root);
    else refused.set(root, { ...c, refusedAt: rec.seq }); // back to working: the cancel did not take
  }
  for (const root of refused.keys()) need(root);
  return { needed, pending: [...out.keys()], unknownOrder };
}

/**
 * Cancels against the venue's DELETE counts (`cancelRequests` of /parity/stats, per link, folded
 * onto the root): each cancel that had to reach the venue found a DELETE there.
 */
export function checkCancels(account: CancelAccount, cancelRequests: Readonly<Record<string, number>>): string[] {
  const deletes = new Map<string, number>();
  for (const [cid, n] of Object.entries(cancelRequests)) deletes.set(rootOf(cid), (deletes.get(rootOf(cid)) ?? 0) + n);
  const problems: string[] = [...account.unknownOrder.map((u) => `refused in-process as an unknown order: ${u}`)];
  for (const [root, n] of account.needed) {
    const d = deletes.get(root) ?? 0;
    if (d < n) problems.push(`${root}: the journal recorded ${n} cancel(s) that had to reach the venue; it got ${d} DELETE(s)`);
  }
  return problems;
}

// ---------- orders ----------

/**
 * The store's orders and the venue's, a replace chain folded onto its root: the same filled
 * quantity, open on both sides or on neither, and nothing on one side only (an order the store
 * ended denied or lost is one the venue must not have).
 */
export function checkChains(storeOrders: StoreState['orders'], venueOrders: readonly VenueOrder[]): string[] {
  const problems: string[] = [];
  const byId = new Map(venueOrders.map((o) => [o.id, o]));
  const chains = new Map<string, { filled: number; end: VenueOrder }>();
  for (const o of venueOrders) {
    const root = rootOf(o.clientOrderId);
    const c = chains.get(root);
    const end = (x: VenueOrder): VenueOrder => { let y = x; for (let i = 0; y.replacedBy !== null && i < 100; i++) y = byId.get(y.replacedBy) ?? y; return y; };
    if (c === undefined) chains.set(root, { filled: o.filledQty, end: end(o) });
    else c.filled = round9(c.filled + o.filledQty);
  }
  for (const o of Object.values(storeOrders)) {
    const c = chains.get(o.clientOrderId);
    if (o.status === 'denied' || o.status === 'lost') {
      if (c !== undefined) problems.push(`${o.clientOrderId} is ${o.status} in the store but the venue has it`);
      continue;
    }
    if (c === undefined) { problems.push(`${o.clientOrderId} (${o.status}) is unknown at the venue`); continue; }
    if (Math.abs(o.filledQty - c.filled) > 1e-9) problems.push(`${o.clientOrderId}: filled ${o.filledQty} in the store, ${c.filled} at the venue`);
    const openHere = !TERMINAL.has(o.status);
    const openThere = OPEN_AT_VENUE.has(c.end.status);
    if (openHere !== openThere) problems.push(`${o.clientOrderId}: ${o.status} in the store, ${c.end.status} at the venue (${c.end.clientOrderId})`);
  }
  for (const root of chains.keys()) if (storeOrders[root] === undefined) problems.push(`venue order ${root} is not in the store`);
  return problems;
}
