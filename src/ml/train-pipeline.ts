/**
 * `parity train` without the terminal: bar files (and funding / index files) → the features a
 * strategy will compute → labels → rows → purged walk-forward folds, each trained and scored on its
 * test block → one final model on every row → ONNX bytes and metadata for a model folder.
 *
 * The rows are built the way a backtest builds its features: bars on their instrument's tick grid
 * (as modes/parts.ts loads them), side inputs through the one InputAssembler, features through
 * FeatureSet.matrix (the incremental computation the engine runs bar by bar), then float32 (what the
 * predictor is given). So a row the model learned from is the row the engine feeds it at that bar.
 */
import { basename } from 'node:path';
import type { Bar } from '../domain/market.ts';
import { makeInstrument, type Instrument } from '../domain/instrument.ts';
import { barAt, describeInterval, loadBars, loadSideSeries, putOnGrid, FUNDING_FILE, INDEX_FILE, type BarSeries, type LoadOptions } from '../data/index.ts';
import { FeatureSet, assembleInputs, type FeatureEnv, type FeatureSpec, type SideInputs } from '../features/index.ts';
import { loadStrategy } from '../strategy/loader.ts';
import { GBDT_DEFAULTS, trainGbdt, type GbdtOptions } from './gbdt.ts';
import type { TreeModel } from './tree-model.ts';
import { exportOnnx } from './onnx-export.ts';
import { hashTrainingRows, referenceBins } from './training-summary.ts';
import { METADATA_VERSION, type ModelMetadata } from './model-files.ts';
import { forwardReturnLabels, labelMetadata, formatLabel, type LabelSpec } from './labels.ts';
import { walkForwardFolds } from './folds.ts';
import { auc, confusion, logLoss, type Confusion } from './metrics.ts';

/** Training input that cannot make a model; the message says what to change. */
export class TrainError extends Error {
  override readonly name = 'TrainError';
}

/** The instrument facts the rows depend on: the tick grid of the bars, the calendar of the features. */
export type TrainInstrument = Pick<Instrument, 'symbol' | 'tickSize' | 'calendar'>;

/** The training rows, in time order (ties in the order the symbols first appear), float32 as predicted. */
export interface Dataset {
  readonly featureNames: readonly string[];
  readonly rows: number;
  /** rows × featureNames.length, row-major. */
  readonly values: Float32Array;
  readonly labels: Uint8Array;
  /** The row's bar time, and the first and last bar time its label reads. */
  readonly ts: Float64Array;
  readonly labelStart: Float64Array;
  readonly labelEnd: Float64Array;
  /** The row's symbol, an index into `symbols`. */
  readonly symbolOf: Uint16Array;
  readonly symbols: readonly string[];
  readonly barMs: number;
  /** What did not become a row: bars in total, the last H per symbol (no label), rows with a NaN or infinite feature. */
  readonly counts: { readonly bars: number; readonly unlabelled: number; readonly nonFinite: number };
  /** Per feature, the labelled rows it was NaN or infinite in (warm-up, a missing side input). */
  readonly nonFiniteByFeature: Readonly<Record<string, number>>;
}

export interface DatasetOptions {
  /** The bar length in ms (the data's median spacing; describeInterval). */
  readonly barMs: number;
  readonly instrumentOf: (symbol: string) => TrainInstrument;
}

/** The default instruments: what a backtest without instrument specs in its config uses. */
export const defaultInstrument = (symbol: string): TrainInstrument => makeInstrument(symbol, 'sim');

/** Rows from bar series already in memory (pure: the loading is `loadTrainingSeries`). */
export function buildDataset(series: readonly BarSeries[], side: SideInputs, features: readonly FeatureSpec[], label: LabelSpec, o: DatasetOptions): Dataset {
  const set = new FeatureSet(features);
  const F = set.names.length;
  const seen = new Map<string, string>();
  for (const s of series) {
    const other = seen.get(s.symbol);
    if (other !== undefined) throw new TrainError(`${s.symbol} has bars in ${other} and in ${s.source}: give each symbol's bars in one file`);
    seen.set(s.symbol, s.source);
  }
  for (const [source, has, flag] of [['funding', side.funding, '--funding FILE'], ['index', side.index, '--index FILE']] as const) {
    if (set.sources.has(source) && has === undefined) {
      const who = set.specs.filter((s) => s.inputs.includes(source)).map((s) => s.name).join(', ');
      throw new TrainError(`feature ${who} reads ${source === 'funding' ? 'funding rates' : 'index prices'}: give ${flag}`);
    }
    // A side file of another symbol would leave the feature NaN on every bar ("0 training rows"): say which file lacks which symbol.
    if (set.sources.has(source) && has !== undefined) {
      const lacking = series.filter((s) => (has[s.symbol]?.length ?? 0) === 0).map((s) => s.symbol);
      if (lacking.length > 0) {
        const held = Object.keys(has).filter((k) => (has[k]?.length ?? 0) > 0);
        throw new TrainError(`the ${flag.split(' ')[0]} file has no rows for ${lacking.join(', ')} (it holds ${held.length > 0 ? held.join(', ') : 'no symbol'}): give that symbol's ${source === 'funding' ? 'funding rates' : 'index prices'}, or leave ${set.specs.filter((x) => x.inputs.includes(source)).map((x) => x.name).join(', ')} out of the features`);
      }
    }
  }

  interface Part { sym: number; ts: Float64Array; ls: Float64Array; le: Float64Array; y: Uint8Array; x: Float64Array; rows: number }
  const parts: Part[] = [];
  const nonFiniteByFeature: Record<string, number> = Object.fromEntries(set.names.map((n) => [n, 0]));
  let bars = 0;
  let unlabelled = 0;
  let nonFinite = 0;
  series.forEach((raw, sym) => {
    const inst = o.instrumentOf(raw.symbol);
    const s = putOnGrid(raw, inst).series;
    bars += s.length;
    const list: Bar[] = [];
    for (let i = 0; i < s.length; i++) list.push(barAt(s, i));
    const env: FeatureEnv = { calendar: inst.calendar, barMs: o.barMs };
    const m = set.matrix(assembleInputs(list, side, o.barMs), env);
    const lab = forwardReturnLabels(s.ts, s.close, label);
    unlabelled += s.length - lab.rows;
    // Keep the labelled rows whose every feature is finite.
    const keep: number[] = [];
    for (let t = 0; t < lab.rows; t++) {
      let ok = true;
      for (let f = 0; f < F; f++) {
        if (!Number.isFinite(Math.fround(m.values[t * F + f] as number))) {
          ok = false;
          nonFiniteByFeature[set.names[f] as string] = (nonFiniteByFeature[set.names[f] as string] ?? 0) + 1;
        }
      }
      if (ok) keep.push(t);
      else nonFinite++;
    }
    const part: Part = {
      sym, rows: keep.length,
      ts: new Float64Array(keep.length), ls: new Float64Array(keep.length), le: new Float64Array(keep.length),
      y: new Uint8Array(keep.length), x: new Float64Array(keep.length * F),
    };
    keep.forEach((t, r) => {
      part.ts[r] = s.ts[t] as number;
      part.ls[r] = lab.windowStart[t] as number;
      part.le[r] = lab.windowEnd[t] as number;
      part.y[r] = lab.label[t] as number;
      part.x.set(m.values.subarray(t * F, (t + 1) * F), r * F);
    });
    parts.push(part);
  });

  // Merge the symbols by time (a stable sort keeps the symbols' file order within one bar time).
  const order: [Part, number][] = [];
  for (const p of parts) for (let r = 0; r < p.rows; r++) order.push([p, r]);
  order.sort((a, b) => (a[0].ts[a[1]] as number) - (b[0].ts[b[1]] as number));
  const n = order.length;
  const ds = {
    values: new Float32Array(n * F), labels: new Uint8Array(n), ts: new Float64Array(n),
    labelStart: new Float64Array(n), labelEnd: new Float64Array(n), symbolOf: new Uint16Array(n),
  };
  order.forEach(([p, r], i) => {
    ds.values.set(p.x.subarray(r * F, (r + 1) * F), i * F); // Float64 → float32, rounded to nearest as the engine does
    ds.labels[i] = p.y[r] as number;
    ds.ts[i] = p.ts[r] as number;
    ds.labelStart[i] = p.ls[r] as number;
    ds.labelEnd[i] = p.le[r] as number;
    ds.symbolOf[i] = p.sym;
  });
  return {
    featureNames: set.names, rows: n, ...ds, symbols: series.map((s) => s.symbol), barMs: o.barMs,
    counts: { bars, unlabelled, nonFinite }, nonFiniteByFeature,
  };
}

export interface TrainingFiles {
  readonly barFiles: readonly string[];
  readonly fundingFile?: string;
  readonly indexFile?: string;
  /** tz for naive timestamps, symbol for files without a symbol column (as `parity backtest`). */
  readonly load?: LoadOptions;
}

export interface TrainingSeries {
  readonly series: BarSeries[];
  readonly side: SideInputs;
  readonly barMs: number;
}

/** The bar files and side files, read as a backtest reads them. */
export function loadTrainingSeries(files: TrainingFiles): TrainingSeries {
  if (files.barFiles.length === 0) throw new TrainError('no bar files: give --data FILE (repeat for several)');
  const series: BarSeries[] = [];
  for (const f of files.barFiles) series.push(...loadBars(f, files.load ?? {}));
  const barMs = describeInterval(series);
  if (!(barMs > 0)) throw new TrainError(`${files.barFiles.join(', ')}: no symbol has two bars, so the bar length is unknown; give more bars`);
  const side: SideInputs = {
    ...(files.fundingFile !== undefined ? { funding: loadSideSeries(files.fundingFile, FUNDING_FILE) } : {}),
    ...(files.indexFile !== undefined ? { index: loadSideSeries(files.indexFile, INDEX_FILE) } : {}),
  };
  return { series, side, barMs };
}

/** The `features` a strategy file declares, in its order (the model's input order). */
export async function strategyFeatures(file: string, opts: { typecheck?: boolean } = {}): Promise<{ name: string; features: readonly FeatureSpec[]; model?: string }> {
  const loaded = await loadStrategy(file, process.cwd(), { typecheck: opts.typecheck ?? true });
  const def = loaded.definition;
  let declared: readonly FeatureSpec[] | undefined;
  try {
    declared = def.features;
  } catch (err) {
    throw new TrainError(`strategy ${file} (${def.name}): reading its \`features\` threw (${(err as Error).message}): fix the declaration, or give --features ret_5,vol_30,...`);
  }
  if (declared === undefined || declared.length === 0) {
    throw new TrainError(`strategy ${file} (${def.name}) declares no features: add \`features: [returns(5), volatility(30), ...]\` to its definition, or give --features ret_5,vol_30,...`);
  }
  return { name: def.name, features: declared, ...(def.model !== undefined ? { model: def.model } : {}) };
}

export interface TrainOptions {
  /** Walk-forward folds K (K + 1 blocks). */
  readonly folds: number;
  /** Embargo gap before each test block, in bars (folds.ts says what it does). */
  readonly embargoBars: number;
  readonly gbdt?: Partial<Omit<GbdtOptions, 'onProgress'>>;
  /** Trees grown so far of all the trees this training grows (every fold's, then the final model's). */
  readonly onProgress?: (done: number, total: number) => void;
}

export interface Span {
  readonly firstTs: number;
  readonly lastTs: number;
}

export interface FoldReport {
  readonly index: number;
  readonly trainRows: number;
  readonly testRows: number;
  readonly purged: number;
  readonly embargoed: number;
  /** Bar times of the first and last training row, and of the test block's rows. */
  readonly train: Span;
  readonly test: Span;
  /** Share of 1 labels in the test block. */
  readonly positiveRate: number;
  /** null when the test block holds one class only. */
  readonly auc: number | null;
  readonly logLoss: number;
  readonly confusion: Confusion;
}

export interface TrainResult {
  readonly folds: readonly FoldReport[];
  readonly model: TreeModel;
  readonly gbdt: Omit<GbdtOptions, 'onProgress'>;
}

/** Cross-validate, then train the final model on every row. */
export function trainOnDataset(ds: Dataset, o: TrainOptions): TrainResult {
  if (!Number.isInteger(o.embargoBars) || o.embargoBars < 0) throw new TrainError(`--embargo takes a whole number of bars >= 0, got ${o.embargoBars}`);
  const gbdt: Omit<GbdtOptions, 'onProgress'> = { ...GBDT_DEFAULTS, ...o.gbdt };
  if (ds.rows < 2) throw new TrainError(`only ${ds.rows} training rows (${describeCounts(ds)}): give more bars`);
  const folds = walkForwardFolds(ds, { folds: o.folds, embargoMs: o.embargoBars * ds.barMs });
  const total = (folds.length + 1) * gbdt.trees;
  let done = 0;
  const onProgress = (): void => { done++; o.onProgress?.(done, total); };
  const F = ds.featureNames.length;
  const reports: FoldReport[] = folds.map((fold) => {
    const where = `fold ${fold.index} of ${folds.length}`;
    if (fold.train.length < 2) {
      throw new TrainError(`${where} has ${fold.train.length} training rows after purging ${fold.purged} and the embargo's ${fold.embargoed}: use fewer --folds, a smaller --embargo or more data`);
    }
    const model = fit(subset(ds, fold.train), gbdt, onProgress, where);
    const test = subset(ds, fold.test);
    const p = new Float64Array(test.rows);
    for (let r = 0; r < test.rows; r++) p[r] = model.predictProba(test.values.subarray(r * F, (r + 1) * F));
    const a = auc(test.labels, p);
    let pos = 0;
    for (const y of test.labels) pos += y;
    return {
      index: fold.index, trainRows: fold.train.length, testRows: fold.test.length, purged: fold.purged, embargoed: fold.embargoed,
      train: spanOf(ds.ts, fold.train), test: spanOf(ds.ts, fold.test), positiveRate: pos / test.rows,
      auc: Number.isNaN(a) ? null : a, logLoss: logLoss(test.labels, p), confusion: confusion(test.labels, p),
    };
  });
  const model = fit(ds, gbdt, onProgress, 'the final model (all rows)');
  return { folds: reports, model, gbdt };
}

function fit(data: Pick<Dataset, 'values' | 'rows' | 'labels' | 'featureNames'>, gbdt: Omit<GbdtOptions, 'onProgress'>, onProgress: () => void, where: string): TreeModel {
  try {
    return trainGbdt({ values: data.values, rows: data.rows, featureCount: data.featureNames.length, labels: data.labels }, { ...gbdt, onProgress });
  } catch (err) {
    if (err instanceof Error && err.name === 'GbdtError') throw new TrainError(`${where}: ${err.message}`);
    throw err;
  }
}

function subset(ds: Dataset, idx: Uint32Array): { values: Float32Array; rows: number; labels: Uint8Array; featureNames: readonly string[] } {
  const F = ds.featureNames.length;
  const values = new Float32Array(idx.length * F);
  const labels = new Uint8Array(idx.length);
  idx.forEach((i, r) => {
    values.set(ds.values.subarray(i * F, (i + 1) * F), r * F);
    labels[r] = ds.labels[i] as number;
  });
  return { values, rows: idx.length, labels, featureNames: ds.featureNames };
}

function spanOf(ts: Float64Array, idx: Uint32Array): Span {
  return { firstTs: ts[idx[0] as number] as number, lastTs: ts[idx[idx.length - 1] as number] as number };
}

function describeCounts(ds: Dataset): string {
  return `${ds.counts.bars} bars, ${ds.counts.unlabelled} without a label, ${ds.counts.nonFinite} with a NaN feature`;
}

export interface ModelDescription {
  /** Where the feature list came from: `--features ...` or `strategy FILE`. */
  readonly featureSource: string;
  readonly dataFiles: readonly string[];
  readonly label: LabelSpec;
  readonly folds: number;
  readonly embargoBars: number;
  readonly createdAt: Date;
}

/** The ONNX bytes and the metadata of the final model. */
export function modelFiles(ds: Dataset, result: TrainResult, d: ModelDescription): { onnx: Uint8Array; metadata: ModelMetadata } {
  const onnx = exportOnnx(result.model, { docString: `parity-gbdt ${formatLabel(d.label)} on ${ds.featureNames.join(',')}` });
  const metadata: ModelMetadata = {
    version: METADATA_VERSION,
    featureNames: [...ds.featureNames],
    label: labelMetadata(d.label),
    source: 'parity-gbdt',
    createdAt: d.createdAt.toISOString(),
    trainingWindow: { firstTs: ds.ts[0] as number, lastTs: ds.ts[ds.rows - 1] as number },
    dataHash: hashTrainingRows(ds.values, ds.rows, ds.featureNames.length, ds.labels),
    trainingRows: ds.rows,
    referenceBins: referenceBins(ds.values, ds.rows, ds.featureNames).map((b) => ({ feature: b.feature, edges: [...b.edges], counts: [...b.counts] })),
    training: {
      trainer: 'parity-gbdt',
      options: { ...result.gbdt },
      featureSource: d.featureSource,
      data: d.dataFiles.map((f) => basename(f)),
      symbols: [...ds.symbols],
      barMs: ds.barMs,
      labelWindowEnd: ds.labelEnd.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY),
      bars: ds.counts.bars,
      droppedUnlabelled: ds.counts.unlabelled,
      droppedNonFinite: ds.counts.nonFinite,
      validation: { scheme: 'purged walk-forward', folds: d.folds, embargoBars: d.embargoBars, results: result.folds.map(foldJson) },
    },
  };
  return { onnx, metadata };
}

/** A fold's report as JSON (AUC null when undefined). */
export function foldJson(f: FoldReport): Record<string, unknown> {
  return {
    index: f.index, trainRows: f.trainRows, testRows: f.testRows, purged: f.purged, embargoed: f.embargoed,
    train: f.train, test: f.test, positiveRate: f.positiveRate, auc: f.auc, logLoss: f.logLoss,
    confusion: { ...f.confusion },
  };
}
