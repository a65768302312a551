/**
 * A binary tree-ensemble classifier, neutral of where it came from (parity's GBDT, LightGBM, an
 * ONNX file) and of where it runs (onnxruntime through onnx-export.ts, or `predictProba` here).
 *
 * The decision rule is `x <= threshold` → left, with float32 x and a float32 threshold:
 * - LightGBM's numerical split (decision_type bit 0 clear) sends `fval <= threshold` left;
 * - ONNX's BRANCH_LEQ sends `x <= value` to the true node (BRANCH_LT is `<`, one float32 lower);
 * - onnxruntime compares the float32 input with the float32 `nodes_values`.
 * So left = ONNX's true node, and a threshold is stored as the float32 the runtime will use.
 *
 * margin = baseScore + Σ leaf values; probability = sigmoid(margin).
 */
import { isFloat32, logisticFloat32 } from './float32.ts';

export interface SplitNode {
  readonly kind: 'split';
  readonly feature: number;
  /** A float32 value: `Math.fround(threshold) === threshold`. */
  readonly threshold: number;
  /** Indices into the tree's `nodes`. */
  readonly left: number;
  readonly right: number;
  /**
   * Where NaN goes (a plain `<=` sends it right). The predictor refuses NaN, so this only keeps
   * an imported model's own rule in the exported file.
   */
  readonly missingGoesLeft: boolean;
}

export interface LeafNode {
  readonly kind: 'leaf';
  /** Added to the margin. Stored in ONNX as float32. */
  readonly value: number;
}

export type TreeNode = SplitNode | LeafNode;

/** One tree; its root is `nodes[0]`. */
export interface Tree {
  readonly nodes: readonly TreeNode[];
}

export interface TreeModelSpec {
  readonly featureCount: number;
  readonly trees: readonly Tree[];
  /** The margin before any tree (log-odds of the positive class). */
  readonly baseScore: number;
}

/** A tree ensemble that cannot be evaluated as given; the message names the tree and node. */
export class TreeModelError extends Error {
  override readonly name = 'TreeModelError';
}

export class TreeModel implements TreeModelSpec {
  readonly featureCount: number;
  readonly trees: readonly Tree[];
  readonly baseScore: number;

  constructor(spec: TreeModelSpec) {
    if (!Number.isInteger(spec.featureCount) || spec.featureCount < 1) {
      throw new TreeModelError(`featureCount must be a positive integer, got ${spec.featureCount}`);
    }
    if (!Number.isFinite(spec.baseScore)) throw new TreeModelError(`baseScore must be finite, got ${spec.baseScore}`);
    spec.trees.forEach((tree, t) => validateTree(tree, t, spec.featureCount));
    this.featureCount = spec.featureCount;
    this.trees = spec.trees;
    this.baseScore = spec.baseScore;
  }

  /** The margin in doubles (as LightGBM sums it), with float32 comparisons. */
  predictMargin(row: ArrayLike<number>): number {
    this.checkWidth(row);
    let sum = this.baseScore;
    for (const tree of this.trees) sum += leafOf(tree, row).value;
    return sum;
  }

  /**
   * The positive-class probability as onnxruntime computes it for the exported model: leaf values
   * and base as float32, summed in float32 in tree order, then its float32 logistic.
   */
  predictProba(row: ArrayLike<number>): number {
    this.checkWidth(row);
    let acc = 0;
    for (const tree of this.trees) acc = Math.fround(acc + Math.fround(leafOf(tree, row).value));
    acc = Math.fround(acc + Math.fround(this.baseScore));
    return logisticFloat32(acc);
  }

  private checkWidth(row: ArrayLike<number>): void {
    if (row.length !== this.featureCount) {
      throw new TreeModelError(`a row has ${row.length} values; the model takes ${this.featureCount}`);
    }
  }
}

function leafOf(tree: Tree, row: ArrayLike<number>): LeafNode {
  let node = tree.nodes[0] as TreeNode; // validated: every tree has a root and every index exists
  while (node.kind === 'split') {
    const x = Math.fround(row[node.feature] as number);
    const left = Number.isNaN(x) ? node.missingGoesLeft : x <= node.threshold;
    node = tree.nodes[left ? node.left : node.right] as TreeNode;
  }
  return node;
}

/** Indices in range, every node but the root reached exactly once (so no cycles, no orphans). */
function validateTree(tree: Tree, t: number, featureCount: number): void {
  const n = tree.nodes.length;
  if (n === 0) throw new TreeModelError(`tree ${t} has no nodes`);
  const parents = new Uint32Array(n);
  tree.nodes.forEach((node, i) => {
    const where = `tree ${t} node ${i}`;
    if (node.kind === 'leaf') {
      if (!Number.isFinite(node.value)) throw new TreeModelError(`${where}: leaf value ${node.value} is not finite`);
      // The model runs in float32 (here and in the ONNX): a larger leaf becomes Infinity, and +Inf + -Inf a NaN probability.
      if (!Number.isFinite(Math.fround(node.value))) throw new TreeModelError(`${where}: leaf value ${node.value} is beyond float32's range (±3.4e38); the model's leaves are float32`);
      return;
    }
    if (!Number.isInteger(node.feature) || node.feature < 0 || node.feature >= featureCount) {
      throw new TreeModelError(`${where}: feature ${node.feature} is outside 0..${featureCount - 1}`);
    }
    if (Number.isNaN(node.threshold) || !isFloat32(node.threshold)) {
      throw new TreeModelError(`${where}: threshold ${node.threshold} is not a float32 value (round it down with roundDownToFloat32)`);
    }
    for (const child of [node.left, node.right]) {
      if (!Number.isInteger(child) || child <= 0 || child >= n) {
        throw new TreeModelError(`${where}: child ${child} is outside 1..${n - 1}`);
      }
      parents[child] = (parents[child] ?? 0) + 1;
    }
  });
  for (let i = 1; i < n; i++) {
    if (parents[i] !== 1) {
      throw new TreeModelError(`tree ${t} node ${i} is ${parents[i] === 0 ? 'not reached from the root' : `the child of ${parents[i]} nodes`}: a tree's nodes form one tree`);
    }
  }
  // Every non-root node has exactly one parent and the root none: with n-1 edges that is a tree
  // unless a cycle avoids the root; walk from the root to be sure every node is reached.
  const seen = new Uint8Array(n);
  const stack = [0];
  let reached = 0;
  while (stack.length > 0) {
    const i = stack.pop() as number;
    if (seen[i] === 1) continue;
    seen[i] = 1;
    reached++;
    const node = tree.nodes[i] as TreeNode;
    if (node.kind === 'split') stack.push(node.left, node.right);
  }
  if (reached !== n) throw new TreeModelError(`tree ${t}: ${n - reached} nodes form a cycle apart from the root`);
}
