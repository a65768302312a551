/**
 * LightGBM's own predictions (test/fixtures/lightgbm, made by LightGBM 4.7) against our import of
 * its model.txt, run by onnxruntime and by TreeModel; and the importer's refusals.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { LightGbmFormatError, parseLightGbm } from '../../src/ml/lightgbm.ts';
import { exportOnnx } from '../../src/ml/onnx-export.ts';

const DIR = new URL('../fixtures/lightgbm/', import.meta.url);
const MODEL_TXT = readFileSync(new URL('model.txt', DIR), 'utf8');

function expectedRows(): { features: Float32Array; raw: number[]; probability: number[]; names: string[] } {
  const [head, ...lines] = readFileSync(new URL('expected.csv', DIR), 'utf8').trim().split('\n');
  const names = (head as string).split(',').slice(0, 5);
  const features = new Float32Array(lines.length * 5);
  const raw: number[] = [];
  const probability: number[] = [];
  lines.forEach((line, r) => {
    const cells = line.split(',').map(Number);
    for (let f = 0; f < 5; f++) features[r * 5 + f] = cells[f] as number;
    raw.push(cells[5] as number);
    probability.push(cells[6] as number);
  });
  return { features, raw, probability, names };
}

describe('LightGBM model.txt import', () => {
  const expected = expectedRows();
  const rows = expected.raw.length;
  const imported = parseLightGbm(MODEL_TXT);

  it('reads the header: feature names in order, 30 trees, sigmoid 1', () => {
    expect(imported.featureNames).toEqual(expected.names);
    expect(imported.model.trees).toHaveLength(30);
    expect(imported.sigmoid).toBe(1);
    expect(rows).toBe(200);
  });

  it('TreeModel reproduces raw_score on all 200 rows', () => {
    for (let r = 0; r < rows; r++) {
      expect(imported.model.predictMargin(expected.features.subarray(r * 5, r * 5 + 5))).toBeCloseTo(expected.raw[r] as number, 9);
    }
  });

  it('exported to ONNX, onnxruntime reproduces probability within 1e-6 on all 200 rows', async () => {
    const session = await ort.InferenceSession.create(exportOnnx(imported.model), { intraOpNumThreads: 1 });
    const out = await session.run({ input: new ort.Tensor('float32', expected.features, [rows, 5]) });
    await session.release();
    const p = out['probabilities']?.data as Float32Array;
    let worst = 0;
    for (let r = 0; r < rows; r++) worst = Math.max(worst, Math.abs((p[r * 2 + 1] as number) - (expected.probability[r] as number)));
    expect(worst).toBeLessThan(1e-6);
  });

  it('keeps LightGBM\'s NaN rule (missing type None: NaN is read as 0) in the ONNX file, though the predictor refuses NaN', async () => {
    const rowsIn = new Float32Array(expected.features.subarray(0, 50));
    const nan = rowsIn.slice();
    const zero = rowsIn.slice();
    for (let r = 0; r < 10; r++) { nan[r * 5 + (r % 5)] = NaN; zero[r * 5 + (r % 5)] = 0; }
    const session = await ort.InferenceSession.create(exportOnnx(imported.model), { intraOpNumThreads: 1 });
    const run = async (x: Float32Array): Promise<Float32Array> => (await session.run({ input: new ort.Tensor('float32', x, [10, 5]) }))['probabilities']?.data as Float32Array;
    expect(await run(nan)).toEqual(await run(zero));
    await session.release();
    for (let r = 0; r < 10; r++) expect(imported.model.predictMargin(nan.subarray(r * 5, r * 5 + 5))).toBe(imported.model.predictMargin(zero.subarray(r * 5, r * 5 + 5)));
  });

  it('folds sigmoid:k into the leaves (same probability as LightGBM would give)', () => {
    const scaled = parseLightGbm(MODEL_TXT.replace('objective=binary sigmoid:1', 'objective=binary sigmoid:2'));
    expect(scaled.sigmoid).toBe(2);
    const row = expected.features.subarray(0, 5);
    expect(scaled.model.predictMargin(row)).toBeCloseTo(2 * (expected.raw[0] as number), 9);
  });
});

describe('LightGBM refusals name the line', () => {
  const lines = MODEL_TXT.split('\n');
  const lineOf = (prefix: string): number => lines.findIndex((l) => l.startsWith(prefix)) + 1;
  const replaceFirst = (prefix: string, by: string): string => {
    const i = lines.findIndex((l) => l.startsWith(prefix));
    return [...lines.slice(0, i), by, ...lines.slice(i + 1)].join('\n');
  };

  it('a categorical split', () => {
    const dt = lines.find((l) => l.startsWith('decision_type=')) as string;
    const text = replaceFirst('decision_type=', dt.replace('decision_type=2 ', 'decision_type=3 '));
    expect(() => parseLightGbm(text)).toThrow(new RegExp(`line ${lineOf('decision_type=')}: node 0 is a categorical split`));
  });

  it('a non-binary objective', () => {
    expect(() => parseLightGbm(MODEL_TXT.replace('objective=binary sigmoid:1', 'objective=regression'))).toThrow(/line 7: objective "regression" is not binary/);
  });

  it('a list of the wrong length, a bad number, a truncated file, not a model at all', () => {
    const thr = lines.find((l) => l.startsWith('threshold=')) as string;
    expect(() => parseLightGbm(replaceFirst('threshold=', thr.split(' ').slice(0, -1).join(' ')))).toThrow(new RegExp(`line ${lineOf('threshold=')}: threshold has 13 values, expected 14`));
    expect(() => parseLightGbm(replaceFirst('left_child=', 'left_child=2 5 4 x 6 -1 -2 13 -5 12 -4 -6 -12 -7'))).toThrow(/left_child value 3 "x" is not an integer/);
    expect(() => parseLightGbm(MODEL_TXT.slice(0, 5000))).toThrow(/truncated/);
    expect(() => parseLightGbm('hello world\n')).toThrow(LightGbmFormatError);
    expect(() => parseLightGbm(MODEL_TXT.replace(/^feature_names=.*$/m, 'feature_names=a b c'))).toThrow(/line 8: 3 feature_names but max_feature_idx=4/);
  });

  it('zero-as-missing that ONNX cannot express', () => {
    // missing type Zero (bits 2-3 = 1) without default_left, on a positive threshold: zero goes right, `<=` sends it left
    const text = replaceFirst('decision_type=', 'decision_type=4 2 2 2 2 2 2 2 2 2 2 2 2 2');
    expect(() => parseLightGbm(text)).toThrow(/node 0 treats zero as missing/);
  });
});
