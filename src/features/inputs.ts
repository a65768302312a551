/**
 * Building a bar's FeatureInput: the bar plus the funding rate and the index price in force at it.
 *
 * The instant read is the bar's close, `ts + barMs`, and a side row counts only if it is stamped
 * strictly before it (ts < close). The bar covers [ts, ts + barMs): its close is the last price
 * before ts + barMs, and a row stamped exactly at ts + barMs belongs to the instant the next bar
 * opens. Live, that row may arrive a moment after the bar completes; counting it in a backtest would
 * give a value live trading could not have had. So the feature at bar t uses only what is known
 * when bar t is complete, in every path.
 *
 * There is one assembler: `assembleInputs` (batch) is `InputAssembler.at` run over the bars, and
 * the engine calls `at` bar by bar.
 */
import type { Bar } from '../domain/market.ts';
import type { FundingRow } from '../data/funding.ts';
import { SideCursor, type SideRow, type SideSeries } from '../data/side-series.ts';
import type { FeatureInput } from './types.ts';

/** The side inputs available to a run, per symbol (a symbol missing from a series reads NaN). */
export interface SideInputs {
  readonly funding?: SideSeries;
  readonly index?: SideSeries;
}

const NONE: readonly SideRow[] = [];

interface Cursors {
  readonly funding: SideCursor;
  readonly index: SideCursor;
}

export class InputAssembler {
  private readonly side: SideInputs;
  private readonly barMs: number;
  private readonly cursors = new Map<string, Cursors>();

  constructor(side: SideInputs, barMs: number) {
    if (!(barMs > 0)) throw new RangeError(`barMs must be a positive bar length in ms, got ${barMs}`);
    this.side = side;
    this.barMs = barMs;
  }

  /** The input for `bar`. Bars of each symbol must come in time order (the cursors move forward only). */
  at(bar: Bar): FeatureInput {
    let c = this.cursors.get(bar.symbol);
    if (c === undefined) {
      c = {
        funding: new SideCursor(this.side.funding?.[bar.symbol] ?? NONE, 'exclusive'),
        index: new SideCursor(this.side.index?.[bar.symbol] ?? NONE, 'exclusive'),
      };
      this.cursors.set(bar.symbol, c);
    }
    const close = bar.ts + this.barMs;
    return { bar, funding: c.funding.valueAt(close), index: c.index.valueAt(close) };
  }
}

/** The inputs for a run of bars (batch), assembled exactly as the engine does bar by bar. */
export function assembleInputs(bars: readonly Bar[], side: SideInputs, barMs: number): FeatureInput[] {
  const a = new InputAssembler(side, barMs);
  return bars.map((b) => a.at(b));
}

/** Funding rates as loaded for the simulator (`loadFundingRates`) as a side series. */
export function fundingSide(rates: Readonly<Record<string, readonly FundingRow[]>>): SideSeries {
  const out: Record<string, SideRow[]> = {};
  for (const [symbol, rows] of Object.entries(rates)) out[symbol] = rows.map((r) => ({ ts: r.ts, value: r.rate }));
  return out;
}
