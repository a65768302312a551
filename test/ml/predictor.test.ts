/**
 * The onnxruntime predictor and the model folder: predictions equal the TypeScript model's, NaN
 * and mismatched feature lists are refused with messages that say which, and a broken folder
 * names the file and field.
 */
import { mkdtempSync, rmSync, writeFileSync, unlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkFeatureNames, exportOnnx, FeatureMismatchError, hashTrainingRows, ModelFileError, openOnnxPredictor,
  PredictorInputError, PredictorOpenError, readModelFolder, readModelMetadata, referenceBins, trainGbdt,
  writeModelFolder, type ModelMetadata,
} from '../../src/ml/index.ts';
import { rowOf, syntheticRows } from './synthetic.ts';

const names = ['ret_5', 'vol_30', 'rsi_14', 'zscore_20', 'funding', 'basis'];
const data = syntheticRows(1500, 6, 31);
const model = trainGbdt(data, { trees: 15, maxDepth: 4 });
const bytes = exportOnnx(model);
const root = mkdtempSync(join(tmpdir(), 'parity-ml-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function metadata(over: Partial<ModelMetadata> = {}): ModelMetadata {
  return {
    version: 1, featureNames: names, label: { kind: 'fwd-return', horizon: 15, threshold: 0.001 },
    source: 'parity-gbdt', createdAt: '2026-12-02T20:00:00.000Z',
    trainingWindow: { firstTs: 1_700_000_000_000, lastTs: 1_700_090_000_000 },
    dataHash: hashTrainingRows(data.values, data.rows, 6, data.labels), trainingRows: data.rows,
    referenceBins: referenceBins(data.values, data.rows, names),
    ...over,
  };
}

describe('openOnnxPredictor', () => {
  it('returns the class-1 probability, equal to the TypeScript model on every row', async () => {
    const p = await openOnnxPredictor({ bytes, featureNames: names });
    const out = await p.predict(data.values, data.rows);
    expect(out).toHaveLength(data.rows);
    for (let r = 0; r < data.rows; r++) expect(out[r]).toBe(model.predictProba(rowOf(data, r)));
    expect(await p.predict(new Float32Array(0), 0)).toHaveLength(0);
    await p.close?.();
    await expect(p.predict(rowOf(data, 0), 1)).rejects.toThrow(/predict after close/);
  });

  it('refuses NaN, naming the feature and the row', async () => {
    const p = await openOnnxPredictor({ bytes, featureNames: names });
    const values = data.values.slice(0, 18);
    values[2 * 6 + 3] = NaN;
    const err = await p.predict(values, 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PredictorInputError);
    expect((err as PredictorInputError).message).toMatch(/feature zscore_20 of row 2 is NaN/);
    expect(err).toMatchObject({ row: 2, feature: 'zscore_20' });
    await expect(p.predict(values, 2)).rejects.toThrow(/18 values for 2 rows of 6 features/);
    await p.close?.();
  });

  it('refuses names that do not fit the model input', async () => {
    await expect(openOnnxPredictor({ bytes, featureNames: names.slice(1) })).rejects.toThrow(PredictorOpenError);
    await expect(openOnnxPredictor({ bytes: new Uint8Array([1, 2, 3]), featureNames: names })).rejects.toThrow(PredictorOpenError);
  });

  it('opens a model folder written by writeModelFolder', async () => {
    const folder = join(root, 'models', 'good');
    writeModelFolder(folder, bytes, metadata());
    expect(readModelMetadata(folder).featureNames).toEqual(names);
    const p = await openOnnxPredictor(folder);
    expect(p.featureNames).toEqual(names);
    expect((await p.predict(rowOf(data, 7), 1))[0]).toBe(model.predictProba(rowOf(data, 7)));
    await p.close?.();
  });
});

describe('checkFeatureNames', () => {
  it('is null for the same names in the same order', () => {
    expect(checkFeatureNames(names, [...names])).toBeNull();
  });
  it('lists both lists when the order differs', () => {
    const swapped = [names[1], names[0], ...names.slice(2)] as string[];
    const err = checkFeatureNames(names, swapped);
    expect(err).toBeInstanceOf(FeatureMismatchError);
    expect(err?.message).toContain(`[${names.join(', ')}]`);
    expect(err?.message).toContain(`[${swapped.join(', ')}]`);
    expect(err?.message).toMatch(/same names in another order, first at column 0/);
  });
  it('lists both lists when names or counts differ', () => {
    expect(checkFeatureNames(names, [...names.slice(0, 5), 'other'])?.message).toMatch(/column 5 is basis vs other.*\[ret_5, .*basis\].*\[ret_5, .*other\]/);
    expect(checkFeatureNames(names, names.slice(0, 4))?.message).toMatch(/6 vs 4 features/);
  });
});

describe('model folder errors', () => {
  const folder = (name: string): string => join(root, 'models', name);

  it('missing folder, missing metadata, missing model', () => {
    expect(() => readModelMetadata(folder('nope'))).toThrow(/model folder .*nope does not exist/);
    const f = folder('no-onnx');
    writeModelFolder(f, bytes, metadata());
    unlinkSync(join(f, 'model.onnx'));
    expect(() => readModelFolder(f)).toThrow(/no model.onnx in/);
    unlinkSync(join(f, 'metadata.json'));
    expect(() => readModelMetadata(f)).toThrow(/no metadata.json in/);
  });

  it('bad JSON and schema mismatches name the field', () => {
    const f = folder('broken');
    writeModelFolder(f, bytes, metadata());
    const path = join(f, 'metadata.json');
    writeFileSync(path, '{"version": 1,');
    expect(() => readModelMetadata(f)).toThrow(ModelFileError);
    expect(() => readModelMetadata(f)).toThrow(/is not JSON/);
    const good = JSON.parse(JSON.stringify(metadata())) as Record<string, unknown>;
    writeFileSync(path, JSON.stringify({ ...good, featureNames: 'ret_5' }));
    expect(() => readModelMetadata(f)).toThrow(/featureNames: /);
    writeFileSync(path, JSON.stringify({ ...good, dataHash: 'abc' }));
    expect(() => readModelMetadata(f)).toThrow(/dataHash: want 64 lowercase hex digits/);
    writeFileSync(path, JSON.stringify({ ...good, source: 'xgboost' }));
    expect(() => readModelMetadata(f)).toThrow(/source: /);
  });

  it('refuses to write inconsistent metadata', () => {
    expect(() => writeModelFolder(folder('w1'), bytes, metadata({ dataHash: null }))).toThrow(/dataHash: a model parity trained must record it/);
    expect(() => writeModelFolder(folder('w2'), bytes, metadata({ featureNames: names.slice(0, 5), referenceBins: [] }))).toThrow(/takes 6 features but the metadata names 5/);
    expect(() => writeModelFolder(folder('w3'), bytes, metadata({ referenceBins: referenceBins(data.values, data.rows, [...names].reverse()) }))).toThrow(/referenceBins: features/);
    // an imported model may leave the training fields empty
    writeModelFolder(folder('imported'), bytes, metadata({ source: 'lightgbm', trainingWindow: null, dataHash: null, trainingRows: null, referenceBins: [] }));
    expect(readModelMetadata(folder('imported')).source).toBe('lightgbm');
  });

  it('reference bins count every training row, deciles by default', () => {
    const f = folder('bins');
    writeModelFolder(f, bytes, metadata());
    const bins = (JSON.parse(readFileSync(join(f, 'metadata.json'), 'utf8')) as ModelMetadata).referenceBins;
    expect(bins.map((b) => b.feature)).toEqual(names);
    for (const b of bins) expect(b.counts.reduce((a, c) => a + c, 0)).toBe(data.rows);
    expect(bins[0]?.edges).toHaveLength(9);
    expect(bins[0]?.counts.every((c) => Math.abs(c - data.rows / 10) <= 1)).toBe(true);
  });
});
