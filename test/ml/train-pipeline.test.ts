/**
 * The training pipeline end to end on a bar file written here, whose next-bar return leans against
 * the last one (so ret_1 predicts the label out of sample): rows, folds, files, metadata, and the
 * exported ONNX model predicting through onnxruntime exactly what the TypeScript model predicts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFeatureList, FeatureSet, assembleInputs } from '../../src/features/index.ts';
import { barAt, loadBars } from '../../src/data/index.ts';
import { openOnnxPredictor, readModelFolder, writeModelFolder, hashTrainingRows } from '../../src/ml/index.ts';
import { parseLabel } from '../../src/ml/labels.ts';
import { loadConfig } from '../../src/config/load.ts';
import { loadRunParts } from '../../src/modes/parts.ts';
import { openBacktestModel } from '../../src/modes/backtest.ts';
import {
  buildDataset, defaultInstrument, loadTrainingSeries, modelFiles, trainOnDataset, TrainError,
} from '../../src/ml/train-pipeline.ts';
import { mulberry32 } from '../../src/util/random.ts';


/** Minute bars of one symbol whose returns revert: r[t] = -0.6 r[t-1] + noise. */
function revertingBars(n: number, symbol = 'BTC/USDT', seed = 7, start = Date.UTC(2024, 0, 1)): string {
  const rand = mulberry32(seed);
  const lines = ['timestamp,symbol,open,high,low,close,volume'];
  let price = 30_000;
  let last = 0;
  for (let i = 0; i < n; i++) {
    const noise = (rand() - 0.5) * 0.004;
    const r = -0.6 * last + noise;
    const open = price;
    price = Math.round(open * (1 + r) * 100) / 100;
    last = price / open - 1;
    const hi = Math.max(open, price) * 1.0005;
    const lo = Math.min(open, price) * 0.9995;
    lines.push(`${new Date(start + i * 60_000).toISOString()},${symbol},${open.toFixed(2)},${hi.toFixed(2)},${lo.toFixed(2)},${price.toFixed(2)},${(1 + rand()).toFixed(3)}`);
  }
  return `${lines.join('\n')}\n`;
}

function writeBars(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'parity-train-'));
  const file = join(dir, 'bars.csv');
  writeFileSync(file, text);
  return file;
}

const LABEL = parseLabel('fwd-return:1:0');
const FEATURES = 'ret_1,vol_10,rsi_14';

describe('buildDataset', () => {
  it('rows are the labelled bars with every feature warm, in time order, float32 of the features the engine computes', () => {
    const file = writeBars(revertingBars(300));
    const { series, side, barMs } = loadTrainingSeries({ barFiles: [file] });
    const ds = buildDataset(series, side, parseFeatureList(FEATURES), LABEL, { barMs, instrumentOf: defaultInstrument });
    expect(barMs).toBe(60_000);
    expect(ds.counts.bars).toBe(300);
    expect(ds.counts.unlabelled).toBe(1);
    // vol_10 needs 10 returns (11 bars), rsi_14 15 bars: the first 14 bars have a NaN feature.
    expect(ds.counts.nonFinite).toBe(14);
    expect(ds.nonFiniteByFeature.rsi_14).toBe(14);
    expect(ds.rows).toBe(300 - 1 - 14);
    // The same rows by the straightforward route: matrix over the file's bars, label from the closes.
    const s = loadBars(file)[0]!;
    const bars = Array.from({ length: s.length }, (_, i) => barAt(s, i));
    const m = new FeatureSet(parseFeatureList(FEATURES)).matrix(assembleInputs(bars, {}, 60_000), { calendar: '24x7', barMs: 60_000 });
    for (let r = 0; r < ds.rows; r++) {
      const t = r + 14;
      expect(ds.ts[r]).toBe(s.ts[t]);
      expect(ds.labelStart[r]).toBe(s.ts[t + 1]);
      expect(ds.labelEnd[r]).toBe(s.ts[t + 1]);
      expect(ds.labels[r]).toBe(s.close[t + 1]! / s.close[t]! - 1 > 0 ? 1 : 0);
      for (let f = 0; f < 3; f++) expect(ds.values[r * 3 + f]).toBe(Math.fround(m.values[t * 3 + f]!));
    }
  });

  it('merges symbols by time and refuses a feature whose side input is missing', () => {
    const a = writeBars(revertingBars(60, 'AAA/USDT', 1));
    const b = writeBars(revertingBars(60, 'BBB/USDT', 2));
    const { series, side, barMs } = loadTrainingSeries({ barFiles: [a, b] });
    const ds = buildDataset(series, side, parseFeatureList('ret_1'), LABEL, { barMs, instrumentOf: defaultInstrument });
    expect(ds.rows).toBe(2 * (60 - 1 - 1));
    for (let i = 1; i < ds.rows; i++) expect(ds.ts[i]!).toBeGreaterThanOrEqual(ds.ts[i - 1]!);
    expect([...ds.symbolOf.slice(0, 4)]).toEqual([0, 1, 0, 1]);
    expect(() => buildDataset(series, side, parseFeatureList('ret_1,funding'), LABEL, { barMs, instrumentOf: defaultInstrument }))
      .toThrow(/feature funding reads funding rates: give --funding FILE/);
  });
});

describe('the pipeline end to end', () => {
  it('learns the reverting return out of sample, reports every fold, writes a model folder whose ONNX predicts as the TS model', async () => {
    const file = writeBars(revertingBars(3000));
    const { series, side, barMs } = loadTrainingSeries({ barFiles: [file] });
    const ds = buildDataset(series, side, parseFeatureList(FEATURES), LABEL, { barMs, instrumentOf: defaultInstrument });
    const progress: number[] = [];
    const result = trainOnDataset(ds, { folds: 3, embargoBars: 2, gbdt: { trees: 20, maxDepth: 3 }, onProgress: (d, t) => { progress.push(d); expect(t).toBe(80); } });
    expect(progress).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(result.folds.map((f) => f.index)).toEqual([1, 2, 3]);
    for (const f of result.folds) {
      expect(f.purged).toBe(1); // horizon 1: the row just before the block reads its first bar
      expect(f.embargoed).toBe(2);
      expect(f.train.lastTs).toBeLessThan(f.test.firstTs);
      expect(f.auc).not.toBeNull();
      expect(f.auc!).toBeGreaterThan(0.65); // ret_1 carries the reversion; 0.5 is chance
      expect(f.logLoss).toBeLessThan(Math.log(2));
      const c = f.confusion;
      expect(c.tp + c.fp + c.tn + c.fn).toBe(f.testRows);
    }
    const testRows = result.folds.reduce((a, f) => a + f.testRows, 0);
    expect(testRows).toBeLessThan(ds.rows);

    const created = new Date('2026-01-02T03:04:05.000Z');
    const { onnx, metadata } = modelFiles(ds, result, { featureSource: `--features ${FEATURES}`, dataFiles: [file], label: LABEL, folds: 3, embargoBars: 2, createdAt: created });
    const folder = join(mkdtempSync(join(tmpdir(), 'parity-model-')), 'models', 'revert');
    writeModelFolder(folder, onnx, metadata);
    const back = readModelFolder(folder).metadata;
    expect(back.featureNames).toEqual(['ret_1', 'vol_10', 'rsi_14']);
    expect(back.label).toEqual({ kind: 'fwd-return', horizon: 1, threshold: 0, text: 'fwd-return:1:0' });
    expect(back.source).toBe('parity-gbdt');
    expect(back.createdAt).toBe('2026-01-02T03:04:05.000Z');
    expect(back.trainingRows).toBe(ds.rows);
    expect(back.trainingWindow).toEqual({ firstTs: ds.ts[0], lastTs: ds.ts[ds.rows - 1] });
    expect(back.trainingWindow!.firstTs).toBe(Date.UTC(2024, 0, 1) + 14 * 60_000);
    expect(back.dataHash).toBe(hashTrainingRows(ds.values, ds.rows, 3, ds.labels));
    expect(back.referenceBins.map((b) => b.feature)).toEqual(['ret_1', 'vol_10', 'rsi_14']);
    for (const b of back.referenceBins) expect(b.counts.reduce((a, x) => a + x, 0)).toBe(ds.rows);
    const validation = (back.training as { validation: { results: { auc: number }[] } }).validation;
    expect(validation.results.map((r) => r.auc)).toEqual(result.folds.map((f) => f.auc));

    const predictor = await openOnnxPredictor(folder);
    try {
      const onnxP = await predictor.predict(ds.values, ds.rows);
      let differ = 0;
      for (let r = 0; r < ds.rows; r++) if (onnxP[r] !== result.model.predictProba(ds.values.subarray(r * 3, r * 3 + 3))) differ++;
      expect(differ).toBe(0);
      // Not a constant model: the predictions spread.
      expect(Math.max(...onnxP) - Math.min(...onnxP)).toBeGreaterThan(0.2);
    } finally {
      await predictor.close?.();
    }
  }, 60_000);

  it('a different row changes the data hash (it names the exact rows and labels)', () => {
    const a = writeBars(revertingBars(400, 'BTC/USDT', 7));
    const b = writeBars(revertingBars(400, 'BTC/USDT', 8));
    const hash = (f: string): string => {
      const { series, side, barMs } = loadTrainingSeries({ barFiles: [f] });
      const ds = buildDataset(series, side, parseFeatureList('ret_1'), LABEL, { barMs, instrumentOf: defaultInstrument });
      const r = trainOnDataset(ds, { folds: 1, embargoBars: 0, gbdt: { trees: 2 } });
      return modelFiles(ds, r, { featureSource: 'x', dataFiles: [f], label: LABEL, folds: 1, embargoBars: 0, createdAt: new Date(0) }).metadata.dataHash!;
    };
    expect(hash(a)).toBe(hash(a));
    expect(hash(a)).not.toBe(hash(b));
  });

  it('refuses folds left without training rows, saying what to change', () => {
    const file = writeBars(revertingBars(40));
    const { series, side, barMs } = loadTrainingSeries({ barFiles: [file] });
    const ds = buildDataset(series, side, parseFeatureList('ret_1'), parseLabel('fwd-return:5:0'), { barMs, instrumentOf: defaultInstrument });
    expect(() => trainOnDataset(ds, { folds: 3, embargoBars: 20, gbdt: { trees: 2 } })).toThrow(TrainError);
    expect(() => trainOnDataset(ds, { folds: 3, embargoBars: 20, gbdt: { trees: 2 } })).toThrow(/use fewer --folds, a smaller --embargo or more data/);
  });
});

describe('the rows the model learned from are the rows a backtest feeds it', () => {
  it('perp-ml features with funding and index: every training row has the same float32 features and the same prediction in the backtest model stage', async () => {
    const root = resolve(import.meta.dirname, '../..');
    // The shipped test week with every price moved 0.04 off the perpetual's 0.1 tick grid: the backtest
    // rounds them onto it, so training must too.
    const dir = mkdtempSync(join(tmpdir(), 'parity-parity-'));
    const shipped = readFileSync(join(root, 'data/perp-ml/test-1m.csv'), 'utf8').trim().split('\n');
    const moved = shipped.map((l, i) => (i === 0 ? l : l.split(',').map((v, c) => (c >= 2 && c <= 5 ? (Number(v) + 0.04).toFixed(2) : v)).join(',')));
    writeFileSync(join(dir, 'bars.csv'), `${moved.join('\n')}\n`);
    const data = { files: [join(dir, 'bars.csv')], funding: join(root, 'data/perp-ml/funding.csv'), index: join(root, 'data/perp-ml/index.csv') };
    const features = 'ret_1,ret_5,ret_15,vol_30,rsi_14,zscore_20,volratio_20,range,tod,funding,basis';
    const loaded = loadTrainingSeries({ barFiles: data.files, fundingFile: data.funding, indexFile: data.index });
    const ds = buildDataset(loaded.series, loaded.side, parseFeatureList(features), parseLabel('fwd-return:10:0'), { barMs: loaded.barMs, instrumentOf: defaultInstrument });
    expect(ds.rows).toBeGreaterThan(9000);
    const result = trainOnDataset(ds, { folds: 1, embargoBars: 0, gbdt: { trees: 10, maxDepth: 4 } });
    const folder = join(dir, 'models', 'pm');
    const files = modelFiles(ds, result, { featureSource: 'test', dataFiles: data.files, label: parseLabel('fwd-return:10:0'), folds: 1, embargoBars: 0, createdAt: new Date(0) });
    writeModelFolder(folder, files.onnx, files.metadata);
    const strategy = join(dir, 'pm.ts');
    writeFileSync(strategy, `import { defineStrategy, basis, fundingRate, range, returns, rsi, timeOfDay, volatility, volumeRatio, zscore, z } from ${JSON.stringify(join(root, 'src/api.ts'))}; // in-process: vitest does not see the loader's 'parity' hook
export default defineStrategy({
  name: 'pm-parity', params: z.object({}), model: ${JSON.stringify(folder)},
  features: [returns(1), returns(5), returns(15), volatility(30), rsi(14), zscore(20), volumeRatio(20), range(), timeOfDay(), fundingRate(), basis()],
  create() { return { onBar() {} }; },
});
`);
    // The backtest's own loading and model opening (bars on the tick grid, side files, the ONNX predictor, batched predictions).
    const { config } = loadConfig(undefined, { strategy: { file: strategy, typecheck: false }, data }, dir);
    const parts = await loadRunParts(config);
    const model = await openBacktestModel(config, parts);
    expect(model).not.toBeNull();
    const s = parts.series[0]!;
    const byTs = new Map<number, { values: Float64Array; prediction: number }>();
    for (let i = 0; i < s.length; i++) {
      const st = model!.stage.onBar(barAt(s, i));
      byTs.set(st.ts, { values: st.values, prediction: st.prediction });
    }
    await model!.close();
    let featureDiffs = 0;
    let predictionDiffs = 0;
    for (let r = 0; r < ds.rows; r++) {
      const b = byTs.get(ds.ts[r]!)!;
      for (let f = 0; f < 11; f++) if (Math.fround(b.values[f]!) !== ds.values[r * 11 + f]) featureDiffs++;
      if (b.prediction !== result.model.predictProba(ds.values.subarray(r * 11, r * 11 + 11))) predictionDiffs++;
    }
    expect(featureDiffs).toBe(0);
    expect(predictionDiffs).toBe(0);
  }, 120_000);
});
