/**
 * The last N bars of each symbol and our last fills, for the console's price chart. Fed from the
 * model's observer callbacks (the engine's hot path): a market event costs a compare and at most
 * one small object. Bars are stored as immutable objects in a ring, so a snapshot's view is an
 * array of references built only when something changed since the last one (at most once a
 * frame), never a copy per snapshot.
 *
 * A feed of bars is drawn as it comes. A feed of trades or quotes only (a live venue) is cut into
 * `bucketMs` bars (trade prices, else quote mids). Each symbol keeps the best source it has seen
 * (bars, then trades, then quotes): mixing a quote mid into a bar feed would draw a false wick.
 */
import type { Fill } from '../domain/fill.ts';
import type { MarketEvent } from '../domain/market.ts';
import type { FillMark, OhlcBar } from '../util/text-chart.ts';

export interface SymbolFill extends FillMark {
  readonly symbol: string;
}

export interface ChartData {
  /** Oldest first, per symbol. */
  readonly bars: Readonly<Record<string, readonly OhlcBar[]>>;
  /** Oldest first, every symbol. */
  readonly fills: readonly SymbolFill[];
}

export interface BarRingOptions {
  /** Bars kept per symbol (default 240: more than any pane is wide). */
  readonly capacity?: number;
  /** Bar length built from trades or quotes (default one minute). */
  readonly bucketMs?: number;
  readonly maxFills?: number;
}

const RANK = { quote: 1, trade: 2, bar: 3 } as const;

class Ring {
  rank = 0;
  private readonly slots: (OhlcBar | undefined)[];
  private head = 0;
  count = 0;
  view: readonly OhlcBar[] | null = null;

  constructor(readonly capacity: number) {
    this.slots = new Array<OhlcBar | undefined>(capacity);
  }

  last(): OhlcBar | undefined {
    return this.count === 0 ? undefined : this.slots[(this.head + this.count - 1) % this.capacity];
  }

  replaceLast(b: OhlcBar): void {
    this.slots[(this.head + this.count - 1) % this.capacity] = b;
    this.view = null;
  }

  push(b: OhlcBar): void {
    if (this.count < this.capacity) { this.slots[(this.head + this.count) % this.capacity] = b; this.count++; }
    else { this.slots[this.head] = b; this.head = (this.head + 1) % this.capacity; }
    this.view = null;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
    this.slots.fill(undefined);
    this.view = null;
  }

  toArray(): readonly OhlcBar[] {
    if (this.view === null) {
      const out: OhlcBar[] = [];
      for (let i = 0; i < this.count; i++) out.push(this.slots[(this.head + i) % this.capacity]!);
      this.view = out;
    }
    return this.view;
  }
}

export class BarRing {
  private readonly capacity: number;
  private readonly bucketMs: number;
  private readonly maxFills: number;
  private readonly rings = new Map<string, Ring>();
  private readonly fillList: SymbolFill[] = [];
  private changed = true;
  private cached: ChartData = { bars: {}, fills: [] };
  private fillsView: readonly SymbolFill[] = [];
  private fillsChanged = false;

  constructor(o: BarRingOptions = {}) {
    this.capacity = Math.max(2, o.capacity ?? 240);
    this.bucketMs = Math.max(1000, o.bucketMs ?? 60_000);
    this.maxFills = Math.max(1, o.maxFills ?? 500);
  }

  onMarket(ev: MarketEvent): void {
    let r = this.rings.get(ev.symbol);
    if (r === undefined) { r = new Ring(this.capacity); this.rings.set(ev.symbol, r); }
    const rank = RANK[ev.kind];
    if (rank < r.rank) return;
    if (rank > r.rank) { r.clear(); r.rank = rank; }
    const last = r.last();
    if (ev.kind === 'bar') {
      const b: OhlcBar = { ts: ev.ts, open: ev.open, high: ev.high, low: ev.low, close: ev.close };
      if (last !== undefined && last.ts === ev.ts) r.replaceLast(b);
      else if (last === undefined || ev.ts > last.ts) r.push(b);
      else return;
      this.changed = true;
      return;
    }
    const p = ev.kind === 'trade' ? ev.price : ev.bid > 0 && ev.ask > 0 ? (ev.bid + ev.ask) / 2 : Number.NaN;
    if (!Number.isFinite(p)) return;
    const ts = Math.floor(ev.ts / this.bucketMs) * this.bucketMs;
    if (last !== undefined && last.ts === ts) {
      if (p === last.close && p <= last.high && p >= last.low) return; // nothing to redraw
      r.replaceLast({ ts, open: last.open, high: Math.max(last.high, p), low: Math.min(last.low, p), close: p });
    } else if (last === undefined || ts > last.ts) r.push({ ts, open: p, high: p, low: p, close: p });
    else return;
    this.changed = true;
  }

  onFill(f: Pick<Fill, 'symbol' | 'side' | 'price' | 'ts'>): void {
    this.fillList.push({ symbol: f.symbol, ts: f.ts, side: f.side, price: f.price });
    if (this.fillList.length > this.maxFills) this.fillList.splice(0, this.fillList.length - this.maxFills);
    this.changed = true;
    this.fillsChanged = true;
  }

  /** The same object until something changes. */
  view(): ChartData {
    if (!this.changed) return this.cached;
    this.changed = false;
    const bars: Record<string, readonly OhlcBar[]> = {};
    for (const [sym, r] of this.rings) if (r.count > 0) bars[sym] = r.toArray();
    if (this.fillsChanged) { this.fillsView = this.fillList.slice(); this.fillsChanged = false; }
    this.cached = { bars, fills: this.fillsView };
    return this.cached;
  }
}
