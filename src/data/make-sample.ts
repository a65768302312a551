/**
 * Synthetic bars to a CSV file: what `parity data synth` runs, and a script of its own.
 *
 *   node --import tsx src/data/make-sample.ts                    # regenerates data/sample/BTC-USD-1m.csv
 *   node --import tsx src/data/make-sample.ts --bars 4320 --seed 7 --symbol BTC-USD \
 *        --start 2024-03-04T00:00:00Z --out data/sample/BTC-USD-1m.csv
 *
 * The sample's bytes depend only on these options (and `synthDefaults` for the symbol), so the
 * command in data/sample/README.md reproduces the committed file exactly.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { synthBars, type SynthOptions } from './synth.ts';
import { writeCsv } from './csv-write.ts';
import type { BarSeries } from './series.ts';

export interface SynthFileOptions extends SynthOptions {
  readonly out: string;
}

/** The quick-start sample: three days of BTC-USD one-minute bars. */
export const SAMPLE: SynthFileOptions = {
  bars: 4320, seed: 7, symbol: 'BTC-USD', start: '2024-03-04T00:00:00Z', out: 'data/sample/BTC-USD-1m.csv',
};

export function synthToCsv(opts: SynthFileOptions): BarSeries {
  const series = synthBars(opts);
  writeCsv(series, opts.out);
  return series;
}

/** `--bars --seed --symbol --start --out [--interval-ms --start-price --tick-size]`, defaults = SAMPLE. */
export function synthOptionsFromArgs(args: readonly string[]): SynthFileOptions {
  const { values } = parseArgs({
    args: [...args],
    options: {
      bars: { type: 'string' }, seed: { type: 'string' }, symbol: { type: 'string' }, start: { type: 'string' },
      out: { type: 'string' }, 'interval-ms': { type: 'string' }, 'start-price': { type: 'string' }, 'tick-size': { type: 'string' },
    },
    strict: true,
  });
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${v}'`);
    return n;
  };
  const start = values.start === undefined ? SAMPLE.start : /^\d+$/.test(values.start) ? Number(values.start) : values.start;
  const opts: SynthFileOptions = {
    bars: num('bars', values.bars) ?? SAMPLE.bars,
    seed: num('seed', values.seed) ?? SAMPLE.seed,
    symbol: values.symbol ?? SAMPLE.symbol!,
    out: values.out ?? SAMPLE.out,
    ...(start === undefined ? {} : { start }),
    ...(values['interval-ms'] === undefined ? {} : { intervalMs: num('interval-ms', values['interval-ms'])! }),
    ...(values['start-price'] === undefined ? {} : { startPrice: num('start-price', values['start-price'])! }),
    ...(values['tick-size'] === undefined ? {} : { tickSize: num('tick-size', values['tick-size'])! }),
  };
  return opts;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  const opts = synthOptionsFromArgs(process.argv.slice(2));
  const s = synthToCsv(opts);
  console.log(`wrote ${s.length} bars of ${s.symbol} to ${opts.out}`);
}
