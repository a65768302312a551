/**
 * A strategy's side inputs (the funding rate and the index price at each bar) from a ccxt venue
 * that serves them (CcxtProfile.sideInputs), read exactly as the backtest reads its files.
 *
 * The venue's rows are fed into growing side series (a funding row per settled funding time, an
 * index row per minute stamped at its open, its close the price: the files' own layout) and every
 * bar is answered by the features' one InputAssembler over them, so the "in force strictly before
 * the bar's close" rule is written once (src/features/inputs.ts). `ready(bar)`, which the engine
 * awaits before a bar's features in paper and live, fetches what that bar needs: the funding rows
 * up to its close and the index candle of its minute. The warm-up's bars are fetched in one go by
 * `prime` before the engine sees them.
 *
 * A fetch is bounded: a timeout per attempt, a few attempts with backoff; when it still fails the
 * bar reads NaN for that input (never a stale value, never a hang) and the engine log says so once
 * per outage. A bar that was neither made ready nor primed reads NaN too: the venue's value for it
 * was never asked, and a guess could differ from the file a backtest of the session would hold.
 */
import type { Bar } from '../../domain/market.ts';
import type { FeatureInputs } from '../../engine/model-stage.ts';
import type { FeatureInput, FeatureSource } from '../../features/types.ts';
import { InputAssembler } from '../../features/inputs.ts';
import type { SideRow } from '../../data/side-series.ts';
import { WallScheduler, type Scheduler } from '../../ports/scheduler.ts';
import type { SideInputsProfile } from './profiles.ts';

type Kind = 'funding' | 'index';

/** How many bars back the fetched-or-failed marks are kept. */
const KEEP_BARS = 2000;

/** The two ccxt calls this reads (an Exchange has both; the profile says which venue serves them). */
export interface SideQueries {
  fetchFundingRateHistory(symbol: string, since?: number, limit?: number): Promise<readonly { readonly timestamp?: number | undefined; readonly fundingRate?: number | undefined }[]>;
  fetchIndexOHLCV(symbol: string, timeframe?: string, since?: number, limit?: number): Promise<readonly (readonly (number | undefined)[])[]>;
}

export interface CcxtSideInputsOptions {
  readonly profile: SideInputsProfile;
  readonly exchange: SideQueries;
  /** What the strategy's features read (FeatureSet.sources): only those are fetched. */
  readonly needs: ReadonlySet<FeatureSource>;
  /** The bar length (60 000: venue feeds deliver minute bars). */
  readonly barMs?: number;
  readonly scheduler?: Scheduler;
  /** One attempt's limit (default 3000 ms); the bar waits at most attempts x this plus the backoff. */
  readonly timeoutMs?: number;
  /** Attempts per fetch (default 2). */
  readonly attempts?: number;
  /** Wait before the second attempt, doubling after (default 250 ms). */
  readonly retryDelayMs?: number;
  /** The engine log's warnings (an input unavailable, NaN from then on) and infos (back). */
  readonly say: (level: 'info' | 'warn', msg: string) => void;
}

/** The kinds `needs` asks for that `profile` cannot serve (the run then needs files for them). */
export function missingSideInputs(profile: SideInputsProfile, needs: ReadonlySet<FeatureSource>): Kind[] {
  return (['funding', 'index'] as const).filter((k) => needs.has(k) && profile[k] === false);
}

/** One symbol's rows, shared by every assembler made for it (the batch pass's and the engine's). */
interface SymbolRows {
  readonly funding: SideRow[];
  readonly index: SideRow[];
  /** Bars (by ts) whose inputs were fetched (ready or prime), with the kinds that failed. */
  readonly asked: Map<number, Set<Kind>>;
}

/** An attempt that took longer than the timeout. */
class SideTimeout extends Error {
  override readonly name = 'SideTimeout';
}

export class CcxtSideInputs {
  private readonly o: CcxtSideInputsOptions;
  private readonly barMs: number;
  private readonly scheduler: Scheduler;
  private readonly kinds: Kind[];
  private readonly rows = new Map<string, SymbolRows>();
  /** The kinds (per symbol) failing now: one warning per outage. */
  private readonly down = new Map<string, number>();
  private neverAskedSaid = false;

  constructor(o: CcxtSideInputsOptions) {
    const missing = missingSideInputs(o.profile, o.needs);
    if (missing.length > 0) throw new RangeError(`the venue serves no ${missing.join(' or ')} for features (profile sideInputs): give the files instead`);
    this.o = o;
    this.barMs = o.barMs ?? 60_000;
    this.scheduler = o.scheduler ?? new WallScheduler();
    this.kinds = (['funding', 'index'] as const).filter((k) => o.needs.has(k));
  }

  /** The features' inputs for `symbol`: a fresh assembler (its cursors start over) on the shared rows. */
  inputsFor(symbol: string): FeatureInputs {
    const r = this.rowsOf(symbol);
    const assembler = new InputAssembler({ funding: { [symbol]: r.funding }, index: { [symbol]: r.index } }, this.barMs);
    return {
      ready: (bar) => this.ready(bar),
      at: (bar) => this.read(assembler.at(bar), r),
    };
  }

  /** The warm-up: the side inputs of these (complete, past) bars, fetched before the engine reads them. */
  async prime(bars: readonly Bar[]): Promise<void> {
    const bySymbol = new Map<string, Bar[]>();
    for (const b of bars) (bySymbol.get(b.symbol) ?? bySymbol.set(b.symbol, []).get(b.symbol)!).push(b);
    await Promise.all([...bySymbol].map(async ([symbol, list]) => {
      list.sort((a, b) => a.ts - b.ts);
      const r = this.rowsOf(symbol);
      const failed = new Set<Kind>();
      await Promise.all(this.kinds.map(async (k) => {
        try {
          if (k === 'funding') await this.withRetry(() => this.fetchFunding(symbol, r));
          else await this.fetchIndexSpan(symbol, r, list[0]!.ts, list[list.length - 1]!.ts);
          this.up(symbol, k);
        } catch (err) {
          failed.add(k);
          this.failing(symbol, k, err, 'the warm-up bars');
        }
      }));
      for (const b of list) {
        const f = new Set(failed);
        // A minute the venue has no index candle for reads NaN, not the minute before.
        if (this.kinds.includes('index') && !hasRowAt(r.index, b.ts)) f.add('index');
        r.asked.set(b.ts, f);
      }
    }));
  }

  private async ready(bar: Bar): Promise<void> {
    const r = this.rowsOf(bar.symbol);
    const failed = new Set<Kind>();
    await Promise.all(this.kinds.map(async (k) => {
      try {
        await this.withRetry(() => (k === 'funding' ? this.fetchFunding(bar.symbol, r) : this.fetchIndexMinute(bar.symbol, r, bar.ts)));
        this.up(bar.symbol, k);
      } catch (err) {
        failed.add(k);
        this.failing(bar.symbol, k, err, `the bar of ${new Date(bar.ts).toISOString()}`);
      }
    }));
    r.asked.set(bar.ts, failed);
    // Bars long past are read no more (the batch pass and the engine read the same recent bars).
    for (const ts of r.asked.keys()) {
      if (ts >= bar.ts - KEEP_BARS * this.barMs) break;
      r.asked.delete(ts);
    }
  }

  private read(x: FeatureInput, r: SymbolRows): FeatureInput {
    const failed = r.asked.get(x.bar.ts);
    if (failed === undefined) {
      if (!this.neverAskedSaid) {
        this.neverAskedSaid = true;
        this.o.say('warn', `${x.bar.symbol} ${new Date(x.bar.ts).toISOString()}: the venue's ${this.kinds.join(' and ')} for this bar were never fetched (the engine did not await them): its features read NaN there`);
      }
      return { bar: x.bar, funding: Number.NaN, index: Number.NaN };
    }
    if (failed.size === 0) return x;
    return { bar: x.bar, funding: failed.has('funding') ? Number.NaN : x.funding, index: failed.has('index') ? Number.NaN : x.index };
  }

  /** Settled funding rates newer than the newest known (the newest page on the first call), appended in time order. */
  private async fetchFunding(symbol: string, r: SymbolRows): Promise<void> {
    const last = r.funding[r.funding.length - 1];
    const got = await this.bounded(this.o.exchange.fetchFundingRateHistory(symbol, last !== undefined ? last.ts + 1 : undefined, 100));
    const rows: SideRow[] = [];
    for (const g of got) if (g.timestamp !== undefined && g.fundingRate !== undefined && Number.isFinite(g.fundingRate)) rows.push({ ts: g.timestamp, value: g.fundingRate });
    append(r.funding, rows);
  }

  /** The index candle of one minute; the venue's answer without it is a failure (retried). */
  private async fetchIndexMinute(symbol: string, r: SymbolRows, ts: number): Promise<void> {
    if (hasRowAt(r.index, ts)) return;
    append(r.index, indexRows(await this.bounded(this.o.exchange.fetchIndexOHLCV(symbol, '1m', ts, 1))));
    if (!hasRowAt(r.index, ts)) throw new Error(`no index candle for ${new Date(ts).toISOString()} yet`);
  }

  /** The index candles of [from, to], a page of 100 minutes at a time. */
  private async fetchIndexSpan(symbol: string, r: SymbolRows, from: number, to: number): Promise<void> {
    for (let since = from; since <= to;) {
      const page = indexRows(await this.withRetry(() => this.bounded(this.o.exchange.fetchIndexOHLCV(symbol, '1m', since, 100))));
      append(r.index, page);
      const newest = page[page.length - 1]?.ts;
      if (newest === undefined || newest < since) break;
      since = newest + this.barMs;
    }
  }

  private async withRetry<T>(f: () => Promise<T>): Promise<T> {
    const attempts = Math.max(1, this.o.attempts ?? 2);
    let delay = this.o.retryDelayMs ?? 250;
    for (let i = 1; ; i++) {
      try {
        return await f();
      } catch (err) {
        if (i >= attempts) throw err;
        await this.scheduler.sleep(delay);
        delay *= 2;
      }
    }
  }

  /** The call's answer, or a SideTimeout after timeoutMs (the call itself is left to end on its own). */
  private bounded<T>(p: Promise<T>): Promise<T> {
    const ms = this.o.timeoutMs ?? 3000;
    return new Promise<T>((resolve, reject) => {
      const t = this.scheduler.after(ms, () => reject(new SideTimeout(`no answer in ${ms} ms`)));
      p.then((v) => { t.cancel(); resolve(v); }, (e: unknown) => { t.cancel(); reject(e); });
    });
  }

  private failing(symbol: string, k: Kind, err: unknown, what: string): void {
    const key = `${symbol} ${k}`;
    const n = this.down.get(key) ?? 0;
    this.down.set(key, n + 1);
    if (n === 0) {
      const call = this.o.profile[k] as string;
      this.o.say('warn', `${symbol}: could not fetch the ${k === 'funding' ? 'funding rate' : 'index price'} for ${what} (${call}: ${err instanceof Error ? err.message : String(err)}): features read NaN for it until the venue answers`);
    }
  }

  private up(symbol: string, k: Kind): void {
    const key = `${symbol} ${k}`;
    const n = this.down.get(key);
    if (n === undefined) return;
    this.down.delete(key);
    this.o.say('info', `${symbol}: the ${k === 'funding' ? 'funding rate' : 'index price'} is back (${n} fetch${n === 1 ? '' : 'es'} failed; those bars read NaN)`);
  }

  private rowsOf(symbol: string): SymbolRows {
    let r = this.rows.get(symbol);
    if (r === undefined) this.rows.set(symbol, (r = { funding: [], index: [], asked: new Map() }));
    return r;
  }
}

/** Candles as index rows: stamped at the minute's open, the price its close (the index file's layout). */
function indexRows(candles: readonly (readonly (number | undefined)[])[]): SideRow[] {
  const out: SideRow[] = [];
  for (const c of candles) {
    const ts = c[0];
    const close = c[4];
    if (ts !== undefined && close !== undefined && Number.isFinite(close)) out.push({ ts, value: close });
  }
  return out.sort((a, b) => a.ts - b.ts);
}

/** Rows newer than the newest held, in time order: the series only grows forward, as the cursors read it. */
function append(into: SideRow[], rows: readonly SideRow[]): void {
  for (const row of [...rows].sort((a, b) => a.ts - b.ts)) {
    const last = into[into.length - 1];
    if (last === undefined || row.ts > last.ts) into.push(row);
  }
}

function hasRowAt(rows: readonly SideRow[], ts: number): boolean {
  for (let i = rows.length - 1; i >= 0; i--) {
    const t = rows[i]!.ts;
    if (t === ts) return true;
    if (t < ts) return false;
  }
  return false;
}
