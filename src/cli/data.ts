/**
 * `parity data synth`: realistic synthetic minute bars, so nothing needs a download.
 * `parity data synth-perp`: a synthetic perpetual with funding and index files, for the ML case study.
 * `parity data convert`: bars between CSV, JSONL and Parquet, every row checked on the way.
 */
import type { Command } from 'commander';
import { synthBars, writeCsv } from '../data/index.ts';
import type { WriteCodec } from '../data/convert.ts';
import { PERP_ML_DATASET as PERP, writePerpDataset } from '../data/synth-perp.ts';

/** As data/convert.ts WRITE_CODECS (that module, and the Parquet writer, load only for a conversion). */
const WRITE_CODECS = ['snappy', 'gzip', 'brotli', 'uncompressed'] as const;
import { parseNumberFlag, parseTimeFlag } from './options.ts';

export function registerData(program: Command): void {
  const data = program.command('data').description('work with market data files');
  data
    .command('synth')
    .description('write synthetic one-minute bars (fat tails, volatility clustering, intraday volume pattern)')
    .requiredOption('--bars <n>', 'number of bars', parseNumberFlag('bars', 1))
    .requiredOption('--out <file>', 'CSV file to write (timestamp,symbol,open,high,low,close,volume)')
    .option('--seed <n>', 'random seed: the same seed writes the same file', parseNumberFlag('seed'), 1)
    .option('--symbol <symbol>', 'symbol name', 'BTC-USD')
    .option('--start <time>', 'first bar time (ISO with offset, date or epoch ms)', parseTimeFlag('start'), Date.parse('2024-03-04T00:00:00Z'))
    .option('--price <n>', 'starting price (default by symbol: BTC 60000, ETH 3000, other 100)', parseNumberFlag('price', 0))
    .option('--tick <n>', 'tick size (default 0.01; 0.001 for small crypto)', parseNumberFlag('tick', 0))
    .action((f: { bars: number; out: string; seed: number; symbol: string; start: number; price?: number; tick?: number }) => {
      const series = synthBars({ bars: Math.floor(f.bars), seed: f.seed, symbol: f.symbol, start: f.start, ...(f.price !== undefined ? { startPrice: f.price } : {}), ...(f.tick !== undefined ? { tickSize: f.tick } : {}) });
      // The symbol column makes the file self-describing: `big.csv` is still ETH-USD when loaded.
      writeCsv(series, f.out, { symbolColumn: true });
      process.stderr.write(`wrote ${series.length} bars of ${f.symbol} to ${f.out}\n`);
    });
  data
    .command('synth-perp')
    .description('write a synthetic perpetual for ML: train and test minute bars with funding (8 h) and index CSVs, learnable but noisy (see src/data/synth-perp.ts)')
    .requiredOption('--dir <folder>', 'folder for train-1m.csv, test-1m.csv, funding.csv, index.csv')
    .option('--seed <n>', 'random seed: the same seed writes the same files', parseNumberFlag('seed'), PERP.seed)
    .option('--symbol <symbol>', 'symbol name', 'BTC/USDT:USDT')
    .option('--start <time>', 'first bar time (ISO with offset, date or epoch ms)', parseTimeFlag('start'), Date.parse(PERP.start))
    .option('--train-days <n>', 'days of training bars', parseNumberFlag('train-days', 1), PERP.trainDays)
    .option('--test-days <n>', 'days of test bars that follow them', parseNumberFlag('test-days', 1), PERP.testDays)
    .option('--price <n>', 'starting price', parseNumberFlag('price', 0), 60_000)
    .action((f: { dir: string; seed: number; symbol: string; start: number; trainDays: number; testDays: number; price: number }) => {
      const r = writePerpDataset({ dir: f.dir, seed: f.seed, symbol: f.symbol, start: f.start, trainDays: f.trainDays, testDays: f.testDays, startPrice: f.price });
      process.stderr.write(`wrote ${r.trainBars} training and ${r.testBars} test bars of ${f.symbol}, ${r.fundingRows} funding rates and the index to ${f.dir}\n`);
    });
  data
    .command('convert')
    .description('convert bars between CSV, JSONL and Parquet (by extension: .csv, .jsonl/.ndjson, .parquet); rows are checked as a backtest checks them')
    .argument('<in>', 'bar file to read')
    .argument('<out>', 'file to write (always with a symbol column)')
    .option('--symbol <symbol>', 'symbol for an input without a symbol column (default: from the file name)')
    .option('--tz <zone>', 'IANA zone for timestamps without an offset (e.g. America/New_York)')
    .option('--codec <codec>', `Parquet compression: ${WRITE_CODECS.join(', ')} (default snappy)`)
    .action(async (input: string, output: string, f: { symbol?: string; tz?: string; codec?: string }) => {
      const { convertBars } = await import('../data/convert.ts');
      const r = convertBars(input, output, {
        ...(f.symbol !== undefined ? { symbol: f.symbol } : {}), ...(f.tz !== undefined ? { tz: f.tz } : {}),
        ...(f.codec !== undefined ? { codec: f.codec as WriteCodec } : {}),
      });
      process.stderr.write(`wrote ${r.rows} bars of ${r.symbols.join(', ')} to ${output}\n`);
    });
}
