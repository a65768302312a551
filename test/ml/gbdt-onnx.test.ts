/**
 * The GBDT's model, run two independent ways: onnxruntime on the exported bytes and TreeModel in
 * TypeScript. They must agree on every training row (a threshold off by one float32, a wrong
 * base_values reading or a missed sigmoid would show), and the model must have learnt something.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { trainGbdt, binFeatures, GbdtError } from '../../src/ml/gbdt.ts';
import { exportOnnx } from '../../src/ml/onnx-export.ts';
import { auc, rowOf, syntheticRows } from './synthetic.ts';

async function ortProba(bytes: Uint8Array, values: Float32Array, rows: number, featureCount: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
  try {
    const out = await session.run({ input: new ort.Tensor('float32', values, [rows, featureCount]) });
    const p = out['probabilities']?.data as Float32Array;
    const positive = new Float32Array(rows);
    for (let r = 0; r < rows; r++) {
      expect(Math.abs((p[r * 2] as number) + (p[r * 2 + 1] as number) - 1)).toBeLessThan(1e-6);
      positive[r] = p[r * 2 + 1] as number;
    }
    return positive;
  } finally {
    await session.release();
  }
}

describe('histogram GBDT → ONNX', () => {
  const train = syntheticRows(6000, 6, 11);
  const held = syntheticRows(3000, 6, 12);
  const progress: number[] = [];
  const model = trainGbdt(train, { trees: 60, maxDepth: 5, onProgress: (t, n) => { expect(n).toBe(60); progress.push(t); } });

  it('learns: held-out AUC clearly above 0.5', () => {
    const scores = Array.from({ length: held.rows }, (_, r) => model.predictProba(rowOf(held, r)));
    expect(auc(scores, held.labels)).toBeGreaterThan(0.8);
    expect(progress).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  it('onnxruntime and the TypeScript model agree within 1e-6 on every training row', async () => {
    const bytes = exportOnnx(model);
    const p = await ortProba(bytes, train.values, train.rows, train.featureCount);
    let worst = 0;
    for (let r = 0; r < train.rows; r++) worst = Math.max(worst, Math.abs((p[r] as number) - model.predictProba(rowOf(train, r))));
    expect(worst).toBeLessThan(1e-6);
    // and the margin in doubles tells the same story as the float32 path
    for (let r = 0; r < 50; r++) expect(model.predictProba(rowOf(train, r))).toBeCloseTo(1 / (1 + Math.exp(-model.predictMargin(rowOf(train, r)))), 5);
  });

  it('thresholds are float32 and route every training value as its bin did', () => {
    const binned = binFeatures(train, 255);
    for (const tree of model.trees) {
      for (const node of tree.nodes) {
        if (node.kind !== 'split') continue;
        expect(Math.fround(node.threshold)).toBe(node.threshold);
        const edges = binned.edges[node.feature] as Float64Array;
        const b = edges.indexOf(node.threshold);
        expect(b).toBeGreaterThanOrEqual(0);
        let wrongWay = 0;
        for (let r = 0; r < train.rows; r++) {
          const at = r * train.featureCount + node.feature;
          if ((train.values[at]! <= node.threshold) !== ((binned.bins[at] as number) <= b)) wrongWay++;
        }
        expect(wrongWay).toBe(0);
        break; // each tree's first split, checked against every training row
      }
    }
  });

  it('is deterministic: the same rows give the same trees', () => {
    const again = trainGbdt(train, { trees: 60, maxDepth: 5 });
    expect(JSON.stringify(again.trees)).toBe(JSON.stringify(model.trees));
  });

  it('few distinct values get one bin each', () => {
    const binned = binFeatures(train, 255);
    const distinct = new Set(Array.from({ length: train.rows }, (_, r) => train.values[r * 6 + 4])).size;
    expect((binned.edges[4] as Float64Array).length).toBe(distinct - 1);
    expect((binned.edges[0] as Float64Array).length).toBeLessThanOrEqual(254);
  });

  it('refuses NaN, bad labels and one-class data with the row named', () => {
    const values = train.values.slice(0, 60);
    values[13] = NaN;
    expect(() => trainGbdt({ values, rows: 10, featureCount: 6, labels: train.labels.slice(0, 10) })).toThrow(/row 2 feature 1 is NaN/);
    expect(() => trainGbdt({ values: train.values.slice(0, 60), rows: 10, featureCount: 6, labels: [0, 1, 2, 0, 0, 0, 0, 0, 0, 0] })).toThrow(/label of row 2 is 2/);
    expect(() => trainGbdt({ values: train.values.slice(0, 60), rows: 10, featureCount: 6, labels: new Uint8Array(10) })).toThrow(GbdtError);
    expect(() => trainGbdt(train, { maxBins: 300 })).toThrow(/maxBins = 300/);
  });
});
