import { describe, expect, it } from 'vitest';
import { TreeModel, TreeModelError, type TreeNode } from '../../src/ml/tree-model.ts';

const leaf = (value: number): TreeNode => ({ kind: 'leaf', value });
const split = (feature: number, threshold: number, left: number, right: number): TreeNode => ({ kind: 'split', feature, threshold, left, right, missingGoesLeft: false });
const make = (nodes: TreeNode[], featureCount = 2): TreeModel => new TreeModel({ featureCount, baseScore: 0.5, trees: [{ nodes }] });

describe('TreeModel', () => {
  it('goes left on x <= threshold, comparing float32 x', () => {
    const t = Math.fround(0.1);
    const m = make([split(1, t, 1, 2), leaf(-1), leaf(1)]);
    expect(m.predictMargin([9, t])).toBe(-0.5);
    expect(m.predictMargin([9, 0.1])).toBe(-0.5); // 0.1 as float32 is t
    expect(m.predictMargin([9, 0.1000001])).toBe(1.5);
    expect(m.predictProba([0, 0])).toBeCloseTo(1 / (1 + Math.exp(0.5)), 6);
  });

  it('refuses invalid trees once, at construction, naming tree and node', () => {
    expect(() => make([split(0, 1, 1, 5), leaf(0), leaf(1)])).toThrow(/tree 0 node 0: child 5 is outside 1..2/);
    expect(() => make([split(0, 1, 1, 1), leaf(0), leaf(1)])).toThrow(/node 1 is the child of 2 nodes/);
    expect(() => make([split(0, 1, 1, 2), split(0, 1, 2, 1), leaf(1)])).toThrow(TreeModelError);
    expect(() => make([split(0, 1, 1, 2), leaf(0), leaf(1), leaf(3)])).toThrow(/node 3 is not reached/);
    expect(() => make([split(2, 1, 1, 2), leaf(0), leaf(1)])).toThrow(/feature 2 is outside 0..1/);
    expect(() => make([split(0, 0.1, 1, 2), leaf(0), leaf(1)])).toThrow(/threshold 0.1 is not a float32/);
    expect(() => make([leaf(NaN)])).toThrow(/leaf value NaN/);
    expect(() => make([])).toThrow(/tree 0 has no nodes/);
    expect(() => make([leaf(0)]).predictMargin([1])).toThrow(/a row has 1 values; the model takes 2/);
  });
});
