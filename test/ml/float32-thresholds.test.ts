/**
 * Thresholds rounded DOWN to float32: hand-made cases where rounding to nearest would send a row
 * the wrong way, through the LightGBM import (onnxruntime deciding) and through GBDT training.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { nextDownFloat32, roundDownToFloat32 } from '../../src/ml/float32.ts';
import { trainGbdt } from '../../src/ml/gbdt.ts';
import { parseLightGbm } from '../../src/ml/lightgbm.ts';
import { exportOnnx } from '../../src/ml/onnx-export.ts';

const v = Math.fround(0.1); // 0.100000001490116...
const below = nextDownFloat32(v);
const nextUp = (x: number): number => { const b = new Float32Array([x]); new Uint32Array(b.buffer)[0]! += 1; return b[0] as number; };

/** One tree: x0 <= threshold → leaf -2, else leaf +2; as LightGBM writes it. */
function oneSplit(threshold: number): string {
  return [
    'tree', 'version=v4', 'num_class=1', 'num_tree_per_iteration=1', 'label_index=0', 'max_feature_idx=0',
    'objective=binary sigmoid:1', 'feature_names=x', 'feature_infos=[0:1]', 'tree_sizes=1', '',
    'Tree=0', 'num_leaves=2', 'num_cat=0', 'split_feature=0', 'split_gain=1', `threshold=${threshold}`,
    'decision_type=2', 'left_child=-1', 'right_child=-2', 'leaf_value=-2 2', 'leaf_weight=1 1', 'leaf_count=1 1',
    'internal_value=0', 'internal_weight=0', 'internal_count=2', 'is_linear=0', 'shrinkage=1', '', '',
    'end of trees', '',
  ].join('\n');
}

describe('float32 threshold rounding', () => {
  it('rounds down, never up, and is exact on float32 values', () => {
    const t = v - 1e-17; // strictly between `below` and v, much nearer v
    expect(t < v && t > below).toBe(true);
    expect(Math.fround(t)).toBe(v); // round-to-nearest would make it v
    expect(roundDownToFloat32(t)).toBe(below);
    expect(roundDownToFloat32(v)).toBe(v);
    expect(roundDownToFloat32(-t)).toBe(-v);
    expect(nextDownFloat32(0)).toBeLessThan(0);
    expect(roundDownToFloat32(1e39)).toBe(3.4028234663852886e38);
  });

  it('LightGBM threshold just below a float32: the row at that float32 goes right, as in LightGBM', async () => {
    const t = v - 1e-17;
    // LightGBM compares doubles: v <= t is false (right, +2); below <= t is true (left, -2)
    expect(v <= t).toBe(false);
    const { model } = parseLightGbm(oneSplit(t));
    const session = await ort.InferenceSession.create(exportOnnx(model), { intraOpNumThreads: 1 });
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array([v, below]), [2, 1]) });
    await session.release();
    const p = out['probabilities']?.data as Float32Array;
    const sigmoid = (m: number): number => 1 / (1 + Math.exp(-m));
    expect(p[1]).toBeCloseTo(sigmoid(2), 6); // v: right
    expect(p[3]).toBeCloseTo(sigmoid(-2), 6); // below: left
    expect(model.predictMargin([v])).toBe(2);
    expect(model.predictMargin([below])).toBe(-2);
  });

  it('GBDT: two neighbouring float32 values whose midpoint rounds up to the upper one are still split apart', () => {
    const lo = nextUp(1);
    const hi = nextUp(lo);
    expect(Math.fround((lo + hi) / 2)).toBe(hi); // ties to even: nearest would put the edge on hi
    const rows = 200;
    const values = new Float32Array(rows);
    const labels = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      labels[r] = r % 2;
      values[r] = r % 2 === 1 ? hi : lo;
    }
    const model = trainGbdt({ values, rows, featureCount: 1, labels }, { trees: 5, maxDepth: 1 });
    const root = model.trees[0]?.nodes[0];
    expect(root).toMatchObject({ kind: 'split', threshold: lo });
    expect(model.predictProba([hi])).toBeGreaterThan(0.6);
    expect(model.predictProba([lo])).toBeLessThan(0.4);
  });
});
