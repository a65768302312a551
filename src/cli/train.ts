/**
 * `parity train`: a gradient-boosted tree classifier on features of historical bars, validated on
 * purged walk-forward folds, written as a model folder (model.onnx + metadata.json) that a strategy
 * declaring the same features can use in every mode. The work is src/ml/train-pipeline.ts's; this
 * module reads the flags, draws the progress and prints the folds.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, normalize, resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config/load.ts';
import { buildInstruments } from '../modes/instruments.ts';
import { perpDefaultsOf, resolveShipped } from '../modes/parts.ts';
import { parseFeatureList, type FeatureSpec } from '../features/index.ts';
// The model layer loads with the command that uses it (onnx-proto, onnxruntime): not on every `parity` start.
import { GBDT_DEFAULTS } from '../ml/gbdt.ts';
import { parseLabel, formatLabel } from '../ml/labels.ts';
import type { Dataset, FoldReport } from '../ml/train-pipeline.ts';
import type { ProgressStream } from '../backtest/progress.ts';
import { UsageError } from './errors.ts';
import { collect } from './options.ts';

/** The model layer's errors whose message says what to fix: shown as usage errors (exit 2), not bugs. */
const ML_USER_ERRORS = new Set([
  'FeatureError', 'LabelError', 'FoldError', 'TrainError', 'GbdtError', 'ModelFileError',
  'LightGbmFormatError', 'OnnxImportError', 'TreeModelError', 'PredictorOpenError',
]);

/** Runs `fn`, turning the model layer's user errors into UsageErrors (errors.ts knows them by name). */
export async function asUsageErrors<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && ML_USER_ERRORS.has(err.name)) throw new UsageError(err.message);
    throw err;
  }
}

const MODEL_FILE = 'model.onnx';
const METADATA_FILE = 'metadata.json';

/** A model folder about to be written: refused when it holds anything and --force is not given. */
export function checkOutFolder(out: string, force: boolean): void {
  if (!existsSync(out)) {
    // Checked before the work, not found by mkdir after it: the nearest existing ancestor must be a folder.
    let up = dirname(resolve(out));
    while (!existsSync(up) && dirname(up) !== up) up = dirname(up);
    if (existsSync(up) && !statSync(up).isDirectory()) throw new UsageError(`--out ${out} is inside ${up}, which is a file, not a folder: give a folder such as models/NAME`);
    return;
  }
  if (!statSync(out).isDirectory()) throw new UsageError(`--out ${out} is a file: give a folder such as models/NAME`);
  if (readdirSync(out).length > 0 && !force) {
    throw new UsageError(`${out} already exists and is not empty: give another --out, or --force to replace its ${MODEL_FILE} and ${METADATA_FILE}`);
  }
}

function parseWhole(name: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`--${name} takes a whole number ${max < Number.MAX_SAFE_INTEGER ? `in ${min}..${max}` : `>= ${min}`}, got "${value}"`);
    }
    return n;
  };
}

function parseLearningRate(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n <= 1)) throw new UsageError(`--learning-rate takes a number in (0, 1] (0.1 is usual; smaller needs more --trees), got "${value}"`);
  return n;
}

interface TrainFlags {
  data?: string[];
  funding?: string;
  index?: string;
  features?: string;
  strategy?: string;
  label: string;
  out: string;
  folds: number;
  embargo: number;
  trees: number;
  depth: number;
  learningRate: number;
  config?: string;
  symbol?: string;
  tz?: string;
  typecheck: boolean;
  force?: boolean;
  json?: boolean;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train a gradient-boosted tree classifier on bar features, validate it on purged walk-forward folds, write models/NAME (model.onnx + metadata.json)')
    .option('-d, --data <file>', 'bars as CSV, JSONL or Parquet; repeat for several files (one file per symbol)', collect)
    .option('--funding <file>', 'funding rates, a CSV ts,symbol,rate (needed by the funding feature)')
    .option('--index <file>', 'index prices, a CSV ts,symbol,price (needed by the basis feature)')
    .option('--features <list>', 'the model inputs, in order, e.g. ret_5,vol_30,rsi_14,range,funding (or --strategy)')
    .option('-s, --strategy <file>', "take the inputs from a strategy file's `features` declaration (or --features)")
    .requiredOption('--label <spec>', 'what to predict: fwd-return:H:THRESH is 1 when the close H bars on is more than THRESH above this close (e.g. fwd-return:10:0)')
    .requiredOption('-o, --out <folder>', 'model folder to write, e.g. models/NAME (refused if it exists, unless --force)')
    .option('--folds <k>', 'walk-forward folds: the rows cut into k+1 time blocks, fold i tests on block i after training on the blocks before it', parseWhole('folds', 1), 5)
    .option('--embargo <n>', 'bars of gap between a fold\'s training rows\' labels and its test block, beyond the purge', parseWhole('embargo', 0), 0)
    .option('--trees <n>', 'boosting rounds', parseWhole('trees', 1), GBDT_DEFAULTS.trees)
    .option('--depth <n>', 'levels of splits per tree (1..20)', parseWhole('depth', 1, 20), GBDT_DEFAULTS.maxDepth)
    .option('--learning-rate <x>', 'shrinkage per tree, in (0, 1]', parseLearningRate, GBDT_DEFAULTS.learningRate)
    .option('--config <file>', 'config file whose instrument specs (tick grid, calendar) the bars get, as in a backtest (default: parity.config.json if present)')
    .option('--symbol <symbol>', 'symbol for files without a symbol column')
    .option('--tz <zone>', 'IANA zone for timestamps without an offset')
    .option('--no-typecheck', 'skip type-checking the strategy file before it loads')
    .option('--force', 'replace the model in an existing --out folder')
    .option('--json', 'print the result as one JSON object (no progress)')
    .addHelpText('after', `
Rows: one per bar whose features are all warm and whose label is known (the
last H bars of each symbol have none). The features at a bar read bars up to
it; its label reads the H bars after it, so no feature sees its own label.
Folds purge every training row whose label window reaches into the test block.
The final model trains on every row; the folds only measure it.

Example:
  parity train --strategy strategies/perp-ml.ts --data data/perp-ml/train-1m.csv \\
    --funding data/perp-ml/funding.csv --index data/perp-ml/index.csv \\
    --label fwd-return:10:0 --out models/perp-ml`)
    .action(async (flags: TrainFlags) => {
      await asUsageErrors(() => train(flags));
    });
}

async function train(f: TrainFlags): Promise<void> {
  if ((f.features === undefined) === (f.strategy === undefined)) {
    throw new UsageError('give the model inputs with exactly one of --features LIST (e.g. ret_5,vol_30,rsi_14) or --strategy FILE (its `features` declaration)');
  }
  const data = f.data ?? [];
  if (data.length === 0) throw new UsageError('give the bars with --data FILE (repeat for several files)');
  const label = parseLabel(f.label);
  checkOutFolder(f.out, f.force === true);
  const { buildDataset, loadTrainingSeries, modelFiles, strategyFeatures, trainOnDataset, foldJson } = await import('../ml/train-pipeline.ts');
  const { writeModelFolder } = await import('../ml/model-files.ts');
  const { config } = loadConfig(f.config);
  let features: readonly FeatureSpec[];
  let featureSource: string;
  if (f.strategy !== undefined) {
    const path = resolveShipped(f.strategy);
    const s = await strategyFeatures(path, { typecheck: f.typecheck });
    features = s.features;
    featureSource = `strategy ${f.strategy} (${s.name})`;
    if (s.model !== undefined && normalize(s.model) !== normalize(f.out)) {
      process.stderr.write(`note: ${f.strategy} reads its model from ${s.model}; this writes ${f.out} (change the strategy's \`model\` to use it)\n`);
    }
  } else {
    features = parseFeatureList(f.features ?? '');
    featureSource = `--features ${f.features}`;
  }
  const barFiles = data.map((d) => resolveShipped(d));
  const tz = f.tz ?? config.data.tz;
  const symbol = f.symbol ?? config.data.symbol;
  const loaded = loadTrainingSeries({
    barFiles,
    ...(f.funding !== undefined ? { fundingFile: resolveShipped(f.funding) } : {}),
    ...(f.index !== undefined ? { indexFile: resolveShipped(f.index) } : {}),
    load: { ...(tz !== undefined ? { tz } : {}), ...(symbol !== undefined ? { symbol } : {}) },
  });
  const instruments = buildInstruments([...new Set(loaded.series.map((s) => s.symbol))], config.instruments, 'sim', perpDefaultsOf(config));
  const ds = buildDataset(loaded.series, loaded.side, features, label, { barMs: loaded.barMs, instrumentOf: (sym) => instruments.get(sym)! });
  const progress = f.json === true ? null : new TreeProgress(process.stderr);
  let result;
  try {
    result = trainOnDataset(ds, {
      folds: f.folds, embargoBars: f.embargo,
      gbdt: { trees: f.trees, maxDepth: f.depth, learningRate: f.learningRate },
      ...(progress !== null ? { onProgress: (d: number, t: number) => progress.update(d, t, f.folds, f.trees) } : {}),
    });
  } finally {
    progress?.done();
  }
  const files = modelFiles(ds, result, { featureSource, dataFiles: barFiles, label, folds: f.folds, embargoBars: f.embargo, createdAt: new Date() });
  writeModelFolder(f.out, files.onnx, files.metadata);
  if (f.json === true) {
    process.stdout.write(`${JSON.stringify({
      model: f.out, featureNames: ds.featureNames, label: formatLabel(label), rows: ds.rows, counts: ds.counts,
      nonFiniteByFeature: ds.nonFiniteByFeature, trainingWindow: files.metadata.trainingWindow, dataHash: files.metadata.dataHash,
      folds: result.folds.map(foldJson), meanAuc: meanAuc(result.folds),
    })}\n`);
    return;
  }
  process.stdout.write(`${trainReport(ds, result.folds, { label: formatLabel(label), featureSource, out: f.out, embargo: f.embargo })}\n`);
}

function meanAuc(folds: readonly FoldReport[]): number | null {
  const a = folds.map((x) => x.auc).filter((x): x is number => x !== null);
  return a.length === 0 ? null : a.reduce((s, x) => s + x, 0) / a.length;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(':00.000Z', 'Z').replace('.000Z', 'Z');
const fix = (x: number | null, d: number): string => (x === null || Number.isNaN(x) ? '-' : x.toFixed(d));

/** The text report: what became rows, one line per fold, the model written. */
export function trainReport(ds: Dataset, folds: readonly FoldReport[], o: { label: string; featureSource: string; out: string; embargo: number }): string {
  const c = ds.counts;
  const nan = Object.entries(ds.nonFiniteByFeature).filter(([, n]) => n > 0).map(([name, n]) => `${name} ${n}`).join(', ');
  const lines = [
    `features  ${ds.featureNames.join(', ')}  (${o.featureSource})`,
    `label     ${o.label}`,
    `rows      ${ds.rows} of ${c.bars} bars: ${c.unlabelled} at the end without a label, ${c.nonFinite} dropped for a NaN feature${nan === '' ? '' : ` (${nan})`}`,
    `window    ${ds.rows > 0 ? `${iso(ds.ts[0]!)} .. ${iso(ds.ts[ds.rows - 1]!)}` : '-'}  ${ds.symbols.join(', ')}`,
    '',
    `purged walk-forward, ${folds.length} folds, embargo ${o.embargo} bars (test on block i after training on the blocks before it)`,
    'fold  train   test  purged  embargo  test window                            AUC    logloss  acc    tp/fp/tn/fn',
  ];
  for (const f of folds) {
    const k = f.confusion;
    lines.push([
      String(f.index).padStart(4), String(f.trainRows).padStart(6), String(f.testRows).padStart(6), String(f.purged).padStart(7),
      String(f.embargoed).padStart(8), ` ${`${iso(f.test.firstTs)} .. ${iso(f.test.lastTs)}`.padEnd(37)}`, fix(f.auc, 3).padStart(6),
      fix(f.logLoss, 4).padStart(9), fix(k.accuracy, 3).padStart(6), ` ${k.tp}/${k.fp}/${k.tn}/${k.fn}`,
    ].join(' '));
  }
  lines.push(`mean AUC ${fix(meanAuc(folds), 3)} (0.5 is chance)`, '', `wrote ${o.out}/${MODEL_FILE} and ${o.out}/${METADATA_FILE} (the final model, trained on all ${ds.rows} rows)`);
  return lines.join('\n');
}

/** Trees grown of all the folds' and the final model's, on stderr when it is a terminal (redrawn at most every 100 ms). */
export class TreeProgress {
  private last = Number.NEGATIVE_INFINITY;
  private drawn = false;

  constructor(private readonly stream: ProgressStream, private readonly now: () => number = () => performance.now()) {}

  update(done: number, total: number, folds: number, trees: number): void {
    if (this.stream.isTTY !== true) return;
    const now = this.now();
    if (now - this.last < 100 && done < total) return;
    this.last = now;
    const stage = Math.floor((done - 1) / trees);
    const what = stage < folds ? `fold ${stage + 1}/${folds}` : 'final model';
    const width = 30;
    const filled = Math.round((done / total) * width);
    const line = `train ${what} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${((done / total) * 100).toFixed(0)}% tree ${done}/${total}`;
    this.stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (this.stream.columns ?? 80) - 1))}`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}
